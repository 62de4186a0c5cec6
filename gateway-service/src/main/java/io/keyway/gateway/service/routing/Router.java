package io.keyway.gateway.service.routing;

import io.keyway.contracts.RoutingView;
import io.keyway.contracts.RoutingView.ByokKey;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.service.routing.RoutingPlan.ModelRoute;
import io.keyway.gateway.service.routing.RoutingPlan.NoAllowedProviders;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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
 *   a provider with a matching always-use key in phase 1 gets no pooled and no fallback attempt
 * </pre>
 * Keys match when their model filter and API-key filter both allow the request (null = no restriction).
 * Pure logic: no I/O, so every rule has a unit test.
 */
@ApplicationScoped
public class Router {

    public static final String BYOK_FIRST = "byok_first";
    public static final String ORDER_FIRST = "order_first";
    static final String PRIORITIZED = "PRIORITIZED";
    static final String FALLBACK = "FALLBACK";
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    public RoutingPlan plan(List<CatalogModel> models, ProviderPreferences prefs, Set<String> requestParameters,
                            String apiKeyId, RoutingView view, EndpointStats stats) {
        List<ModelRoute> routes = new ArrayList<>();
        List<NoAllowedProviders> unroutable = new ArrayList<>();
        List<String> requested = prefs.only() != null ? prefs.only() : prefs.order() != null ? prefs.order() : List.of();
        for (CatalogModel model : models) {
            List<String> available = model.endpoints().stream().map(ModelEndpoint::provider).toList();
            List<ModelEndpoint> allowed = model.endpoints().stream()
                    .filter(e -> !matchesAny(view.ignoredProviders(), e.provider()))
                    .filter(e -> !matchesAny(prefs.ignore(), e.provider()))
                    .filter(e -> prefs.only() == null || matchesAny(prefs.only(), e.provider()))
                    .toList();
            if (allowed.isEmpty()) {
                unroutable.add(new NoAllowedProviders(model.id(), available, requested, "provider_preferences"));
                continue;
            }
            if (prefs.zdr() || prefs.denyDataCollection()) {
                allowed = allowed.stream().filter(e -> meetsDataPolicy(e, prefs)).toList();
                if (allowed.isEmpty()) {
                    unroutable.add(new NoAllowedProviders(model.id(), available, requested, "data_policy"));
                    continue;
                }
            }
            if (prefs.quantizations() != null) {
                allowed = allowed.stream().filter(e -> prefs.quantizations().stream()
                        .anyMatch(q -> q.equalsIgnoreCase(e.quantization() == null ? "unknown" : e.quantization())))
                        .toList();
                if (allowed.isEmpty()) {
                    unroutable.add(new NoAllowedProviders(model.id(), available, requested, "quantization"));
                    continue;
                }
            }
            if (prefs.requireParameters()) {
                allowed = allowed.stream().filter(e -> supportsAll(model, e, requestParameters)).toList();
                if (allowed.isEmpty()) {
                    unroutable.add(new NoAllowedProviders(model.id(), available, requested, "require_parameters"));
                    continue;
                }
            }
            allowed = allowed.stream().filter(e -> withinMaxPrice(e, prefs)).toList();
            if (allowed.isEmpty()) {
                unroutable.add(new NoAllowedProviders(model.id(), available, requested, "max_price"));
                continue;
            }
            List<ModelEndpoint> ordered = order(model, allowed, prefs, stats);
            if (!prefs.allowFallbacks()) {
                ordered = prefs.order() != null
                        ? ordered.stream().filter(e -> matchesAny(prefs.order(), e.provider())).toList()
                        : ordered.subList(0, 1);
                if (ordered.isEmpty()) {
                    unroutable.add(new NoAllowedProviders(model.id(), available, requested, "allow_fallbacks"));
                    continue;
                }
            }
            List<Attempt> attempts = attempts(model, ordered, apiKeyId, view);
            if (attempts.isEmpty()) {
                unroutable.add(new NoAllowedProviders(model.id(), available, requested, "no_credentials"));
                continue;
            }
            routes.add(new ModelRoute(model.id(), attempts));
        }
        return new RoutingPlan(routes, unroutable);
    }

    private List<ModelEndpoint> order(CatalogModel model, List<ModelEndpoint> allowed, ProviderPreferences prefs,
                                      EndpointStats stats) {
        List<ModelEndpoint> result = new ArrayList<>();
        if (prefs.order() != null) {
            for (String wanted : prefs.order()) {
                for (ModelEndpoint e : allowed) {
                    if (matches(wanted, e.provider()) && !result.contains(e)) {
                        result.add(e);
                    }
                }
            }
        }
        Comparator<ModelEndpoint> byPrice = Comparator.comparing(e -> e.pricing().tokenPrice());
        Comparator<ModelEndpoint> rest;
        String sort = prefs.sort() == null ? "" : prefs.sort();
        if (sort.equals("price")) {
            rest = byPrice;
        } else if (sort.equals("latency") || sort.equals("throughput")) {
            // Unknown latency sorts after known; ties by price.
            rest = Comparator.<ModelEndpoint>comparingDouble(e -> {
                double ms = stats.latencyMs(model.id(), e.provider());
                return Double.isNaN(ms) ? Double.MAX_VALUE : ms;
            }).thenComparing(byPrice);
        } else {
            rest = Comparator.<ModelEndpoint, Boolean>comparing(e -> stats.recentlyFailed(model.id(), e.provider()))
                    .thenComparing(byPrice);
        }
        allowed.stream().filter(e -> !result.contains(e)).sorted(rest).forEach(result::add);
        return result;
    }

    private List<Attempt> attempts(CatalogModel model, List<ModelEndpoint> ordered, String apiKeyId, RoutingView view) {
        Set<String> alwaysUseProviders = new HashSet<>();
        for (ModelEndpoint e : ordered) {
            if (keys(view, model, e, PRIORITIZED, apiKeyId).stream().anyMatch(ByokKey::alwaysUse)) {
                alwaysUseProviders.add(e.provider());
            }
        }
        List<Attempt> plan = new ArrayList<>();
        if (ORDER_FIRST.equals(view.byokPrecedence())) {
            for (ModelEndpoint e : ordered) {
                addPrioritized(plan, model, e, apiKeyId, view, alwaysUseProviders);
                if (!alwaysUseProviders.contains(e.provider())) {
                    addPooled(plan, model, e, view);
                    addFallback(plan, model, e, apiKeyId, view);
                }
            }
        } else {
            ordered.forEach(e -> addPrioritized(plan, model, e, apiKeyId, view, alwaysUseProviders));
            ordered.stream().filter(e -> !alwaysUseProviders.contains(e.provider()))
                    .forEach(e -> addPooled(plan, model, e, view));
            ordered.stream().filter(e -> !alwaysUseProviders.contains(e.provider()))
                    .forEach(e -> addFallback(plan, model, e, apiKeyId, view));
        }
        return plan;
    }

    private void addPrioritized(List<Attempt> plan, CatalogModel model, ModelEndpoint e, String apiKeyId,
                                RoutingView view, Set<String> alwaysUseProviders) {
        List<ByokKey> keys = keys(view, model, e, PRIORITIZED, apiKeyId);
        for (int i = 0; i < keys.size(); i++) {
            ByokKey k = keys.get(i);
            boolean lastOfGroup = i == keys.size() - 1 && alwaysUseProviders.contains(e.provider());
            plan.add(new Attempt(model, e, CredentialKind.BYOK_PRIORITIZED, k.id(), k.credential(), k.alwaysUse(),
                    lastOfGroup));
        }
    }

    private void addPooled(List<Attempt> plan, CatalogModel model, ModelEndpoint e, RoutingView view) {
        if (view.pooled() == null) {
            return;
        }
        view.pooled().stream().filter(p -> sameProvider(p.provider(), e.provider())).forEach(p ->
                plan.add(new Attempt(model, e, CredentialKind.POOLED, p.id(), p.credential(), false, false)));
    }

    private void addFallback(List<Attempt> plan, CatalogModel model, ModelEndpoint e, String apiKeyId, RoutingView view) {
        for (ByokKey k : keys(view, model, e, FALLBACK, apiKeyId)) {
            plan.add(new Attempt(model, e, CredentialKind.BYOK_FALLBACK, k.id(), k.credential(), false, false));
        }
    }

    private List<ByokKey> keys(RoutingView view, CatalogModel model, ModelEndpoint e, String section, String apiKeyId) {
        if (view.byokKeys() == null) {
            return List.of();
        }
        return view.byokKeys().stream()
                .filter(k -> sameProvider(k.provider(), e.provider()))
                .filter(k -> section.equalsIgnoreCase(k.section()))
                .filter(k -> k.allowedModels() == null || k.allowedModels().contains(model.id()))
                .filter(k -> k.allowedApiKeyIds() == null || k.allowedApiKeyIds().contains(apiKeyId))
                .sorted(Comparator.comparingInt(ByokKey::position))
                .toList();
    }

    /** An endpoint whose data policy the catalog does not declare does not meet a data-policy filter. */
    private static boolean meetsDataPolicy(ModelEndpoint e, ProviderPreferences prefs) {
        return (!prefs.zdr() || Boolean.TRUE.equals(e.zdr()))
                && (!prefs.denyDataCollection() || Boolean.FALSE.equals(e.collectsData()));
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
        return slugs != null && slugs.stream().anyMatch(s -> matches(s, provider));
    }

    /** OpenRouter's slug matching: a base slug matches all its endpoints ("deepinfra" matches "deepinfra/turbo"). */
    static boolean matches(String slug, String provider) {
        if (slug == null || provider == null) {
            return false;
        }
        String s = slug.toLowerCase(Locale.ROOT);
        String p = provider.toLowerCase(Locale.ROOT);
        return p.equals(s) || p.startsWith(s + "/");
    }
}
