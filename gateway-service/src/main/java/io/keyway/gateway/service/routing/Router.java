package io.keyway.gateway.service.routing;

import io.keyway.contracts.RoutingView;
import io.keyway.contracts.RoutingView.ByokKey;
import io.keyway.contracts.RoutingView.PooledCredential;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.service.routing.RoutingPlan.ModelRoute;
import io.keyway.gateway.service.routing.RoutingPlan.NoAllowedProviders;
import jakarta.inject.Singleton;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Turns a request into a {@link RoutingPlan}: DESIGN.md §2, the normative routing rules, implemented here and only here.
 * <pre>
 * for each model of [model] + models:
 *   providers = catalog endpoints − account ignored − provider.ignore, ∩ provider.only; then the data-policy filters
 *               (provider.zdr, data_collection "deny"), quantizations, require_parameters, max_price
 *   order     = provider.order entries first, then the rest by provider.sort or cheapest first (recent failures last)
 *   allow_fallbacks=false keeps only the order entries (or the first provider when no order is given)
 *   byok_first : every provider's PRIORITIZED keys → every provider's pooled credential → every provider's FALLBACK keys
 *   order_first: per provider in order: PRIORITIZED keys, pooled, FALLBACK keys
 *   a provider with a matching always-use (is_required) key in phase 1 gets no pooled and no fallback attempt
 *   a provider with any is_byok_only key of the account gets no pooled attempt, for every model
 * </pre>
 * Keys match when their model, API-key and end-user ({@code allowed_user_ids}, against the request's {@code user})
 * filters all allow the request (null = no restriction), and a credential (key or pooled) is planned only where it
 * can serve the model ({@link Credentials#usable}). A credential whose secret key-service left out of the view (its
 * store could not answer: {@link RoutingView#leftOut()}) is planned where the rules put it, with its flags in force
 * (always use, byok only), as an attempt that is not called: {@link Attempt#leftOutReason()}.
 * With {@code provider.zdr}, a key declared ZDR
 * ({@code declared_zdr: true}) keeps an endpoint that is not ZDR, for that key alone; a key declared not ZDR is never
 * used; an undeclared key follows its endpoint.
 * Pure logic: no I/O, so every rule has a unit test.
 * <p>
 * Runs on every request, so it is written to allocate little: plain loops, a filter that removes nothing returns its
 * input list, a filter whose preference is absent is skipped, and each endpoint's keys are looked up once per plan.
 * Sorts are stable (ties keep catalog / routing-view order).
 */
@Singleton
public class Router {

    public static final String BYOK_FIRST = "byok_first";
    public static final String ORDER_FIRST = "order_first";
    static final String PRIORITIZED = "PRIORITIZED";
    static final String FALLBACK = "FALLBACK";
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /** Cheapest first. */
    private static final Comparator<ModelEndpoint> BY_PRICE =
            (a, b) -> a.pricing().tokenPrice().compareTo(b.pricing().tokenPrice());
    private static final Comparator<ByokKey> BY_POSITION = Comparator.comparingInt(ByokKey::position);

    /** The provider filters, in DESIGN.md §2 order; the first that leaves no provider is the failed step. */
    private enum Step {
        PROVIDER_PREFERENCES("provider_preferences"),
        DATA_POLICY("data_policy"),
        QUANTIZATION("quantization"),
        REQUIRE_PARAMETERS("require_parameters"),
        MAX_PRICE("max_price"),
        ALLOW_FALLBACKS("allow_fallbacks");

        static final Step[] FILTERS = {PROVIDER_PREFERENCES, DATA_POLICY, QUANTIZATION, REQUIRE_PARAMETERS, MAX_PRICE};

        final String wireName;

        Step(String wireName) {
            this.wireName = wireName;
        }

        /** False when the request (and the account) set nothing this step filters on: it would keep every endpoint. */
        boolean applies(Request r) {
            ProviderPreferences prefs = r.prefs();
            RoutingView view = r.view();
            return switch (this) {
                case PROVIDER_PREFERENCES -> view.ignoredProviders() != null || prefs.ignore() != null
                        || prefs.only() != null;
                case DATA_POLICY -> prefs.zdr() || prefs.denyDataCollection();
                case QUANTIZATION -> prefs.quantizations() != null;
                case REQUIRE_PARAMETERS -> prefs.requireParameters();
                case MAX_PRICE -> prefs.maxPromptPerMillion() != null || prefs.maxCompletionPerMillion() != null
                        || prefs.maxRequest() != null;
                case ALLOW_FALLBACKS -> !prefs.allowFallbacks();
            };
        }

        boolean keeps(ModelEndpoint e, CatalogModel model, Request r) {
            ProviderPreferences prefs = r.prefs();
            RoutingView view = r.view();
            return switch (this) {
                case PROVIDER_PREFERENCES -> !matchesAny(view.ignoredProviders(), e.provider())
                        && !matchesAny(prefs.ignore(), e.provider())
                        && (prefs.only() == null || matchesAny(prefs.only(), e.provider()));
                case DATA_POLICY -> meetsDataPolicy(e, prefs) || keptByDeclaredZdr(e, model, r);
                case QUANTIZATION -> hasQuantization(e, prefs.quantizations());
                case REQUIRE_PARAMETERS -> supportsAll(model, e, r.requestParameters());
                case MAX_PRICE -> withinMaxPrice(e, prefs);
                case ALLOW_FALLBACKS -> matchesAny(prefs.order(), e.provider());
            };
        }
    }

    /** What one plan is made for: the request's preferences, parameters, caller and end user, the account's view. */
    private record Request(ProviderPreferences prefs, Set<String> requestParameters, String apiKeyId, String user,
                           RoutingView view, Credentials credentials) {
    }

    /**
     * @param apiKeyId the calling API key's id (BYOK keys' API-key filter)
     * @param user     the request's {@code user}, or null (BYOK keys' {@code allowed_user_ids} filter)
     */
    public RoutingPlan plan(List<CatalogModel> models, ProviderPreferences prefs, Set<String> requestParameters,
                            String apiKeyId, String user, RoutingView view, Credentials credentials,
                            EndpointStats stats) {
        Request r = new Request(prefs, requestParameters, apiKeyId, user, view, credentials);
        List<ModelRoute> routes = new ArrayList<>(models.size());
        List<NoAllowedProviders> unroutable = new ArrayList<>();
        List<String> requested = prefs.only() != null ? prefs.only() : prefs.order() != null ? prefs.order() : List.of();
        for (int m = 0, count = models.size(); m < count; m++) {
            CatalogModel model = models.get(m);
            List<ModelEndpoint> allowed = model.endpoints();
            Step failed = null;
            for (Step step : Step.FILTERS) {
                if (step.applies(r)) {
                    allowed = keep(step, allowed, model, r);
                }
                if (allowed.isEmpty()) {
                    failed = step;
                    break;
                }
            }
            if (failed != null) {
                unroutable.add(new NoAllowedProviders(model.id(), providers(model), requested, failed.wireName));
                continue;
            }
            List<ModelEndpoint> ordered = order(model, allowed, prefs, stats);
            if (Step.ALLOW_FALLBACKS.applies(r)) {
                ordered = prefs.order() != null
                        ? keep(Step.ALLOW_FALLBACKS, ordered, model, r)
                        : ordered.subList(0, 1);
                if (ordered.isEmpty()) {
                    unroutable.add(new NoAllowedProviders(model.id(), providers(model), requested,
                            Step.ALLOW_FALLBACKS.wireName));
                    continue;
                }
            }
            List<Attempt> attempts = attempts(model, ordered, r);
            if (attempts.isEmpty()) {
                unroutable.add(new NoAllowedProviders(model.id(), providers(model), requested, "no_credentials"));
                continue;
            }
            routes.add(new ModelRoute(model.id(), attempts));
        }
        return new RoutingPlan(routes, unroutable);
    }

    /** The endpoints {@code step} keeps, in their order; {@code endpoints} itself when it keeps them all. */
    private static List<ModelEndpoint> keep(Step step, List<ModelEndpoint> endpoints, CatalogModel model, Request r) {
        List<ModelEndpoint> kept = null;
        for (int i = 0, n = endpoints.size(); i < n; i++) {
            ModelEndpoint e = endpoints.get(i);
            boolean keeps = step.keeps(e, model, r);
            if (kept != null) {
                if (keeps) {
                    kept.add(e);
                }
            } else if (!keeps) {
                kept = new ArrayList<>(n - 1);
                for (int j = 0; j < i; j++) {
                    kept.add(endpoints.get(j));
                }
            }
        }
        return kept == null ? endpoints : kept;
    }

    /** The catalog's providers of the model, for {@link NoAllowedProviders}. */
    private static List<String> providers(CatalogModel model) {
        List<ModelEndpoint> endpoints = model.endpoints();
        List<String> providers = new ArrayList<>(endpoints.size());
        for (int i = 0, n = endpoints.size(); i < n; i++) {
            providers.add(endpoints.get(i).provider());
        }
        return Collections.unmodifiableList(providers);
    }

    private static List<ModelEndpoint> order(CatalogModel model, List<ModelEndpoint> allowed,
                                             ProviderPreferences prefs, EndpointStats stats) {
        List<String> order = prefs.order();
        if (order == null) {
            if (allowed.size() < 2) {
                return allowed;
            }
            List<ModelEndpoint> result = new ArrayList<>(allowed);
            result.sort(restOrder(model, prefs, stats));
            return result;
        }
        List<ModelEndpoint> result = new ArrayList<>(allowed.size());
        for (int w = 0, wanted = order.size(); w < wanted; w++) {
            for (int i = 0, n = allowed.size(); i < n; i++) {
                ModelEndpoint e = allowed.get(i);
                if (matches(order.get(w), e.provider()) && !result.contains(e)) {
                    result.add(e);
                }
            }
        }
        List<ModelEndpoint> rest = new ArrayList<>(allowed.size() - result.size());
        for (int i = 0, n = allowed.size(); i < n; i++) {
            ModelEndpoint e = allowed.get(i);
            if (!result.contains(e)) {
                rest.add(e);
            }
        }
        if (rest.size() > 1) {
            rest.sort(restOrder(model, prefs, stats));
        }
        result.addAll(rest);
        return result;
    }

    /** How endpoints after the provider.order entries are ordered: provider.sort, else cheapest first. */
    private static Comparator<ModelEndpoint> restOrder(CatalogModel model, ProviderPreferences prefs,
                                                      EndpointStats stats) {
        String sort = prefs.sort() == null ? "" : prefs.sort();
        String modelId = model.id();
        if (sort.equals("price")) {
            return BY_PRICE;
        } else if (sort.equals("latency") || sort.equals("throughput")) {
            // Unknown latency sorts after known; ties by price.
            return (a, b) -> {
                int byLatency = Double.compare(latencyMs(stats, modelId, a), latencyMs(stats, modelId, b));
                return byLatency != 0 ? byLatency : BY_PRICE.compare(a, b);
            };
        } else {
            // Recently failed endpoints last; ties by price.
            return (a, b) -> {
                int byFailure = Boolean.compare(stats.recentlyFailed(modelId, a.provider()),
                        stats.recentlyFailed(modelId, b.provider()));
                return byFailure != 0 ? byFailure : BY_PRICE.compare(a, b);
            };
        }
    }

    private static double latencyMs(EndpointStats stats, String modelId, ModelEndpoint e) {
        double ms = stats.latencyMs(modelId, e.provider());
        return Double.isNaN(ms) ? Double.MAX_VALUE : ms;
    }

    private static List<Attempt> attempts(CatalogModel model, List<ModelEndpoint> ordered, Request r) {
        RoutingView view = r.view();
        Credentials credentials = r.credentials();
        int n = ordered.size();
        EndpointKeys[] keys = new EndpointKeys[n];
        int expected = n; // one pooled credential per provider, plus the keys
        for (int i = 0; i < n; i++) {
            keys[i] = keys(model, ordered.get(i), r);
            expected += keys[i].prioritized().size() + keys[i].fallback().size();
        }
        List<Attempt> plan = new ArrayList<>(expected);
        if (ORDER_FIRST.equals(view.byokPrecedence())) {
            for (int i = 0; i < n; i++) {
                ModelEndpoint e = ordered.get(i);
                addPrioritized(plan, model, e, keys[i], view, credentials);
                if (!keys[i].alwaysUse()) {
                    if (keys[i].pooledAllowed()) {
                        addPooled(plan, model, e, view, credentials);
                    }
                    addFallback(plan, model, e, keys[i], view, credentials);
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                addPrioritized(plan, model, ordered.get(i), keys[i], view, credentials);
            }
            for (int i = 0; i < n; i++) {
                if (!keys[i].alwaysUse() && keys[i].pooledAllowed()) {
                    addPooled(plan, model, ordered.get(i), view, credentials);
                }
            }
            for (int i = 0; i < n; i++) {
                if (!keys[i].alwaysUse()) {
                    addFallback(plan, model, ordered.get(i), keys[i], view, credentials);
                }
            }
        }
        return plan;
    }

    private static void addPrioritized(List<Attempt> plan, CatalogModel model, ModelEndpoint e, EndpointKeys keys,
                                       RoutingView view, Credentials credentials) {
        List<ByokKey> prioritized = keys.prioritized();
        for (int i = 0, n = prioritized.size(); i < n; i++) {
            ByokKey k = prioritized.get(i);
            boolean lastOfGroup = i == n - 1 && keys.alwaysUse();
            var credential = credentials.usable(k.id(), model, e);
            plan.add(new Attempt(model, e, CredentialKind.BYOK_PRIORITIZED, k.id(), credential, k.alwaysUse(),
                    lastOfGroup, credential == null ? view.leftOutReason(k.id()) : null));
        }
    }

    private static void addPooled(List<Attempt> plan, CatalogModel model, ModelEndpoint e, RoutingView view,
                                  Credentials credentials) {
        List<PooledCredential> pooled = view.pooled();
        if (pooled == null) {
            return;
        }
        for (int i = 0, n = pooled.size(); i < n; i++) {
            PooledCredential p = pooled.get(i);
            if (sameProvider(p.provider(), e.provider())) {
                var credential = credentials.usable(p.id(), model, e);
                String leftOut = credential == null ? view.leftOutReason(p.id()) : null;
                if (credential != null || leftOut != null) {
                    plan.add(new Attempt(model, e, CredentialKind.POOLED, p.id(), credential, false, false, leftOut));
                }
            }
        }
    }

    private static void addFallback(List<Attempt> plan, CatalogModel model, ModelEndpoint e, EndpointKeys keys,
                                    RoutingView view, Credentials credentials) {
        List<ByokKey> fallback = keys.fallback();
        for (int i = 0, n = fallback.size(); i < n; i++) {
            ByokKey k = fallback.get(i);
            var credential = credentials.usable(k.id(), model, e);
            plan.add(new Attempt(model, e, CredentialKind.BYOK_FALLBACK, k.id(), credential, false, false,
                    credential == null ? view.leftOutReason(k.id()) : null));
        }
    }

    /**
     * An endpoint's BYOK keys that allow this request, per section, each section by position. {@code alwaysUse}: one
     * of its PRIORITIZED keys is "Always use for this provider" (is_required). {@code pooledAllowed}: the platform's
     * pooled credential may be tried here — not when the account has an is_byok_only key for the provider (whatever
     * that key's filters), nor when {@code provider.zdr} kept a non-ZDR endpoint only for keys declared ZDR. Keys
     * depend only on the endpoint's provider, so these are per provider.
     */
    private record EndpointKeys(List<ByokKey> prioritized, List<ByokKey> fallback, boolean alwaysUse,
                                boolean pooledAllowed) {
        static final EndpointKeys NONE = new EndpointKeys(List.of(), List.of(), false, true);
    }

    private static EndpointKeys keys(CatalogModel model, ModelEndpoint e, Request r) {
        boolean endpointMeetsZdr = !r.prefs().zdr() || Boolean.TRUE.equals(e.zdr());
        List<ByokKey> all = r.view().byokKeys();
        if (all == null || all.isEmpty()) {
            return endpointMeetsZdr ? EndpointKeys.NONE : new EndpointKeys(List.of(), List.of(), false, false);
        }
        List<ByokKey> prioritized = null;
        List<ByokKey> fallback = null;
        boolean alwaysUse = false;
        boolean byokOnly = false;
        for (int i = 0, n = all.size(); i < n; i++) {
            ByokKey k = all.get(i);
            if (!sameProvider(k.provider(), e.provider())) {
                continue;
            }
            boolean isPrioritized = PRIORITIZED.equalsIgnoreCase(k.section());
            if (!isPrioritized && !FALLBACK.equalsIgnoreCase(k.section())) {
                continue;
            }
            byokOnly |= k.byokOnly();
            if (!allows(k, model, e, r)) {
                continue;
            }
            if (isPrioritized) {
                if (prioritized == null) {
                    prioritized = new ArrayList<>(4);
                }
                prioritized.add(k);
                alwaysUse |= k.alwaysUse();
            } else {
                if (fallback == null) {
                    fallback = new ArrayList<>(4);
                }
                fallback.add(k);
            }
        }
        boolean pooledAllowed = !byokOnly && endpointMeetsZdr;
        if (prioritized == null && fallback == null && pooledAllowed) {
            return EndpointKeys.NONE;
        }
        return new EndpointKeys(byPosition(prioritized), byPosition(fallback), alwaysUse, pooledAllowed);
    }

    /**
     * A key's filters (model, API key, end user) all allow the request, its credential can serve the model (or was left
     * out of the view: whether it could is unknown, and the tenant's flags must hold), and under {@code provider.zdr}
     * its ZDR declaration allows it: never when declared false, and on an endpoint that is not ZDR only when declared
     * true.
     */
    private static boolean allows(ByokKey k, CatalogModel model, ModelEndpoint e, Request r) {
        if ((k.allowedModels() != null && !k.allowedModels().contains(model.id()))
                || (k.allowedApiKeyIds() != null && !k.allowedApiKeyIds().contains(r.apiKeyId()))
                || (k.allowedUserIds() != null && (r.user() == null || !k.allowedUserIds().contains(r.user())))) {
            return false;
        }
        if (r.prefs().zdr() && (Boolean.FALSE.equals(k.declaredZdr())
                || (!Boolean.TRUE.equals(e.zdr()) && !Boolean.TRUE.equals(k.declaredZdr())))) {
            return false;
        }
        return r.credentials().usable(k.id(), model, e) != null || r.view().leftOutReason(k.id()) != null;
    }

    /**
     * {@code provider.zdr} and an endpoint that is not ZDR: kept when it meets the rest of the data policy and the
     * account has a key for it declared ZDR that allows this request (only such keys are then planned there).
     */
    private static boolean keptByDeclaredZdr(ModelEndpoint e, CatalogModel model, Request r) {
        if (!r.prefs().zdr() || (r.prefs().denyDataCollection() && !Boolean.FALSE.equals(e.collectsData()))) {
            return false;
        }
        List<ByokKey> all = r.view().byokKeys();
        if (all == null) {
            return false;
        }
        for (int i = 0, n = all.size(); i < n; i++) {
            ByokKey k = all.get(i);
            if (Boolean.TRUE.equals(k.declaredZdr()) && sameProvider(k.provider(), e.provider())
                    && allows(k, model, e, r)) {
                return true;
            }
        }
        return false;
    }

    /** Stable: keys of equal position keep the routing view's order. */
    private static List<ByokKey> byPosition(List<ByokKey> keys) {
        if (keys == null) {
            return List.of();
        }
        if (keys.size() > 1) {
            keys.sort(BY_POSITION);
        }
        return keys;
    }

    /** An endpoint whose data policy the catalog does not declare does not meet a data-policy filter. */
    private static boolean meetsDataPolicy(ModelEndpoint e, ProviderPreferences prefs) {
        return (!prefs.zdr() || Boolean.TRUE.equals(e.zdr()))
                && (!prefs.denyDataCollection() || Boolean.FALSE.equals(e.collectsData()));
    }

    /** An endpoint without a declared quantization counts as "unknown". */
    private static boolean hasQuantization(ModelEndpoint e, List<String> quantizations) {
        String quantization = e.quantization() == null ? "unknown" : e.quantization();
        for (int i = 0, n = quantizations.size(); i < n; i++) {
            if (quantizations.get(i).equalsIgnoreCase(quantization)) {
                return true;
            }
        }
        return false;
    }

    private static boolean supportsAll(CatalogModel model, ModelEndpoint e, Set<String> requestParameters) {
        List<String> supported = model.supportedParameters(e);
        return supported == null || supported.containsAll(requestParameters);
    }

    private static boolean withinMaxPrice(ModelEndpoint e, ProviderPreferences prefs) {
        var p = e.pricing();
        return (prefs.maxPromptPerMillion() == null
                        || p.prompt().multiply(MILLION).compareTo(prefs.maxPromptPerMillion()) <= 0)
                && (prefs.maxCompletionPerMillion() == null
                        || p.completion().multiply(MILLION).compareTo(prefs.maxCompletionPerMillion()) <= 0)
                && (prefs.maxRequest() == null || p.request().compareTo(prefs.maxRequest()) <= 0);
    }

    /** A BYOK key or pooled credential for "google-vertex" serves every endpoint "google-vertex/…". */
    private static boolean sameProvider(String credentialProvider, String endpointProvider) {
        return matches(credentialProvider, endpointProvider);
    }

    private static boolean matchesAny(List<String> slugs, String provider) {
        if (slugs == null) {
            return false;
        }
        for (int i = 0, n = slugs.size(); i < n; i++) {
            if (matches(slugs.get(i), provider)) {
                return true;
            }
        }
        return false;
    }

    /**
     * OpenRouter's slug matching: a base slug matches all its endpoints ("deepinfra" matches "deepinfra/turbo"),
     * case-insensitively (slugs are ASCII). Allocates nothing.
     */
    static boolean matches(String slug, String provider) {
        if (slug == null || provider == null) {
            return false;
        }
        int n = slug.length();
        return provider.regionMatches(true, 0, slug, 0, n) && (provider.length() == n || provider.charAt(n) == '/');
    }
}
