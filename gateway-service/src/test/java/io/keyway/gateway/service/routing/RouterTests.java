package io.keyway.gateway.service.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.RoutingView;
import io.keyway.contracts.RoutingView.ByokKey;
import io.keyway.contracts.RoutingView.Credential;
import io.keyway.contracts.RoutingView.PooledCredential;
import io.keyway.contracts.credentials.TokenCredential;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.Pricing;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** DESIGN.md §2, one test per rule, on the pure Router with routing views built here. */
class RouterTests {

    private final Router router = new Router();

    /** Every credential parses as an opaque token and serves every model. */
    static final Credentials TOKENS = (id, model, endpoint) -> new TokenCredential("secret-" + id);

    // Catalog: model "m/a" served by cheap, mid and pricey providers (cheapest first by default).
    static ModelEndpoint endpoint(String provider, String prompt) {
        return new ModelEndpoint(provider, "up-" + provider, new Pricing(new BigDecimal(prompt), new BigDecimal(prompt),
                BigDecimal.ZERO), 8192, null, null, null);
    }

    static CatalogModel model(String id, ModelEndpoint... endpoints) {
        return new CatalogModel(id, id, null, 0L, 8192, null, null, null,
                List.of("temperature", "max_tokens"), List.of(endpoints));
    }

    static final CatalogModel A = model("m/a", endpoint("pricey", "0.00003"), endpoint("cheap", "0.000001"),
            endpoint("mid", "0.00001"));
    static final CatalogModel B = model("m/b", endpoint("cheap", "0.000002"));

    static ByokKey key(String id, String provider, String section, int position) {
        return new ByokKey(id, provider, section, position, false, null, null, new Credential("secret-" + id));
    }

    static ByokKey alwaysUse(ByokKey k) {
        return new ByokKey(k.id(), k.provider(), k.section(), k.position(), true, k.allowedModels(),
                k.allowedApiKeyIds(), k.credential());
    }

    static PooledCredential pooled(String provider) {
        return new PooledCredential("pool-" + provider, provider, new Credential("pool-secret"));
    }

    static RoutingView view(String precedence, List<String> ignored, List<ByokKey> keys, List<PooledCredential> pooled) {
        return new RoutingView("acct", "1", precedence, ignored, keys, pooled);
    }

    static final List<PooledCredential> ALL_POOLED = List.of(pooled("cheap"), pooled("mid"), pooled("pricey"));

    private List<String> ids(RoutingPlan plan) {
        List<String> out = new ArrayList<>();
        plan.routes().forEach(r -> r.attempts().forEach(a -> out.add(a.model().id() + ":" + a.credentialId())));
        return out;
    }

    private RoutingPlan plan(List<CatalogModel> models, ProviderPreferences prefs, RoutingView view) {
        return plan(models, prefs, view, null);
    }

    private RoutingPlan plan(List<CatalogModel> models, ProviderPreferences prefs, RoutingView view, String user) {
        return router.plan(models, prefs, Set.of(), "api-1", user, view, TOKENS, EndpointStats.NONE);
    }

    static ProviderPreferences prefs(List<String> order, List<String> only, List<String> ignore, boolean fallbacks) {
        return new ProviderPreferences(order, only, ignore, fallbacks, null, false, null, null, null);
    }

    @Test
    void prioritizedByokKeysOfAllProvidersComeBeforePooledCapacityThenFallbackKeys() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                key("fb-cheap", "cheap", "FALLBACK", 0),
                key("k-pricey", "pricey", "PRIORITIZED", 0),
                key("k-cheap", "cheap", "PRIORITIZED", 0)), ALL_POOLED);
        assertEquals(List.of("m/a:k-cheap", "m/a:k-pricey", "m/a:pool-cheap", "m/a:pool-mid", "m/a:pool-pricey",
                "m/a:fb-cheap"), ids(plan(List.of(A), ProviderPreferences.NONE, v)));
    }

    @Test
    void fallbackKeysAreTriedOnlyAfterPooledCapacity() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(key("fb", "mid", "FALLBACK", 0)), List.of(pooled("mid")));
        assertEquals(List.of("m/a:pool-mid", "m/a:fb"), ids(plan(List.of(A), ProviderPreferences.NONE, v)));
    }

    @Test
    void keysOfOneProviderAreTriedByPosition() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                key("second", "cheap", "PRIORITIZED", 2), key("first", "cheap", "PRIORITIZED", 1)), List.of());
        assertEquals(List.of("m/a:first", "m/a:second"), ids(plan(List.of(A), ProviderPreferences.NONE, v)));
    }

    @Test
    void alwaysUseKeyExcludesPooledAndFallbackOfItsProviderOnly() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                alwaysUse(key("au", "cheap", "PRIORITIZED", 0)), key("fb-cheap", "cheap", "FALLBACK", 0),
                key("fb-mid", "mid", "FALLBACK", 0)), ALL_POOLED);
        assertEquals(List.of("m/a:au", "m/a:pool-mid", "m/a:pool-pricey", "m/a:fb-mid"),
                ids(plan(List.of(A), ProviderPreferences.NONE, v)));
    }

    @Test
    void alwaysUseFailureStopsRoutingOnlyAfterTheLastPrioritizedKeyOfItsProvider() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                alwaysUse(key("au", "cheap", "PRIORITIZED", 0)), key("other", "cheap", "PRIORITIZED", 1)), ALL_POOLED);
        var attempts = plan(List.of(A), ProviderPreferences.NONE, v).routes().get(0).attempts();
        assertTrue(attempts.get(0).alwaysUse());
        assertFalse(attempts.get(0).endsAlwaysUseGroup());
        assertTrue(attempts.get(1).endsAlwaysUseGroup());
        assertTrue(attempts.stream().skip(2).noneMatch(Attempt::endsAlwaysUseGroup));
    }

    @Test
    void modelFilterExcludesKeyForOtherModels() {
        var onlyB = new ByokKey("kb", "cheap", "PRIORITIZED", 0, false, List.of("m/b"), null, new Credential("s"));
        var v = view(Router.BYOK_FIRST, List.of(), List.of(onlyB), List.of(pooled("cheap")));
        assertEquals(List.of("m/a:pool-cheap"), ids(plan(List.of(A), prefs(null, List.of("cheap"), null, true), v)));
        assertEquals(List.of("m/b:kb", "m/b:pool-cheap"), ids(plan(List.of(B), ProviderPreferences.NONE, v)));
    }

    @Test
    void apiKeyFilterExcludesKeyForOtherCallers() {
        var forOther = new ByokKey("k", "cheap", "PRIORITIZED", 0, false, null, List.of("api-2"), new Credential("s"));
        var v = view(Router.BYOK_FIRST, List.of(), List.of(forOther), List.of(pooled("cheap")));
        assertEquals(List.of("m/b:pool-cheap"), ids(plan(List.of(B), ProviderPreferences.NONE, v)));
        var forCaller = router.plan(List.of(B), ProviderPreferences.NONE, Set.of(), "api-2", null, v, TOKENS, EndpointStats.NONE);
        assertEquals(List.of("m/b:k", "m/b:pool-cheap"), ids(forCaller));
    }

    @Test
    void orderFirstPrecedenceTriesProvidersStrictlyInOrder() {
        var v = view(Router.ORDER_FIRST, List.of(), List.of(
                key("k-mid", "mid", "PRIORITIZED", 0), key("fb-pricey", "pricey", "FALLBACK", 0),
                key("k-pricey", "pricey", "PRIORITIZED", 0)), ALL_POOLED);
        assertEquals(List.of("m/a:k-pricey", "m/a:pool-pricey", "m/a:fb-pricey", "m/a:k-mid", "m/a:pool-mid",
                        "m/a:pool-cheap"),
                ids(plan(List.of(A), prefs(List.of("pricey", "mid"), null, null, true), v)));
    }

    @Test
    void byokFirstPrecedenceTriesEveryPrioritizedKeyBeforeTheOrderedPool() {
        // OpenRouter's documented example: order [bedrock, vertex] with only a Vertex key → Vertex(BYOK), Bedrock, Vertex.
        var m = model("m/x", endpoint("amazon-bedrock", "0.000001"), endpoint("google-vertex", "0.000002"));
        var v = view(Router.BYOK_FIRST, List.of(), List.of(key("vk", "google-vertex", "PRIORITIZED", 0)),
                List.of(pooled("amazon-bedrock"), pooled("google-vertex")));
        assertEquals(List.of("m/x:vk", "m/x:pool-amazon-bedrock", "m/x:pool-google-vertex"),
                ids(plan(List.of(m), prefs(List.of("amazon-bedrock", "google-vertex"), null, null, true), v)));
    }

    @Test
    void defaultOrderIsCheapestFirstWithRecentlyFailedEndpointsLast() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        assertEquals(List.of("m/a:pool-cheap", "m/a:pool-mid", "m/a:pool-pricey"),
                ids(plan(List.of(A), ProviderPreferences.NONE, v)));
        EndpointStats cheapFailing = new EndpointStats() {
            public boolean recentlyFailed(String model, String provider) {
                return provider.equals("cheap");
            }

            public double latencyMs(String model, String provider) {
                return Double.NaN;
            }
        };
        var plan = router.plan(List.of(A), ProviderPreferences.NONE, Set.of(), "api-1", null, v, TOKENS, cheapFailing);
        assertEquals(List.of("m/a:pool-mid", "m/a:pool-pricey", "m/a:pool-cheap"), ids(plan));
    }

    @Test
    void onlyKeepsListedProvidersAndIgnoreRemovesThem() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        assertEquals(List.of("m/a:pool-mid", "m/a:pool-pricey"),
                ids(plan(List.of(A), prefs(null, List.of("pricey", "mid"), null, true), v)));
        assertEquals(List.of("m/a:pool-cheap", "m/a:pool-pricey"),
                ids(plan(List.of(A), prefs(null, null, List.of("mid"), true), v)));
    }

    @Test
    void allowFallbacksFalseKeepsOnlyTheOrderedProviders() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        assertEquals(List.of("m/a:pool-pricey"),
                ids(plan(List.of(A), prefs(List.of("pricey"), null, null, false), v)));
    }

    @Test
    void allowFallbacksFalseWithoutOrderKeepsOnlyTheFirstProvider() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        assertEquals(List.of("m/a:pool-cheap"), ids(plan(List.of(A), prefs(null, null, null, false), v)));
    }

    @Test
    void accountIgnoredProvidersLeaveNoAllowedProvidersWithTheirNames() {
        var v = view(Router.BYOK_FIRST, List.of("cheap"), List.of(), ALL_POOLED);
        var plan = plan(List.of(B), ProviderPreferences.NONE, v);
        assertFalse(plan.routable());
        assertEquals("m/b", plan.unroutable().get(0).model());
        assertEquals(List.of("cheap"), plan.unroutable().get(0).availableProviders());
    }

    @Test
    void fallbackModelsAreRoutedInRequestOrderAfterTheFirstModel() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        var plan = plan(List.of(B, A), prefs(null, List.of("cheap"), null, true), v);
        assertEquals(List.of("m/b:pool-cheap", "m/a:pool-cheap"), ids(plan));
    }

    @Test
    void maxPriceExcludesEndpointsAbovePricePerMillionTokens() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        var prefs = new ProviderPreferences(null, null, null, true, null, false, new BigDecimal("10"), null, null);
        assertEquals(List.of("m/a:pool-cheap", "m/a:pool-mid"), ids(plan(List.of(A), prefs, v)));
        var tooLow = new ProviderPreferences(null, null, null, true, null, false, new BigDecimal("0.5"), null, null);
        assertEquals("max_price", plan(List.of(A), tooLow, v).unroutable().get(0).failedStep());
    }

    @Test
    void requireParametersKeepsOnlyEndpointsSupportingEveryRequestParameter() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        var prefs = new ProviderPreferences(null, null, null, true, null, true, null, null, null);
        assertTrue(router.plan(List.of(A), prefs, Set.of("temperature"), "api-1", null, v, TOKENS, EndpointStats.NONE).routable());
        var plan = router.plan(List.of(A), prefs, Set.of("tools"), "api-1", null, v, TOKENS, EndpointStats.NONE);
        assertEquals("require_parameters", plan.unroutable().get(0).failedStep());
    }

    @Test
    void providerWithoutAnyCredentialGetsNoAttempt() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), List.of(pooled("mid")));
        assertEquals(List.of("m/a:pool-mid"), ids(plan(List.of(A), ProviderPreferences.NONE, v)));
    }

    @Test
    void providerOrderEntriesComeFirstThenTheRestCheapestFirst() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        assertEquals(List.of("m/a:pool-pricey", "m/a:pool-cheap", "m/a:pool-mid"),
                ids(plan(List.of(A), prefs(List.of("pricey"), null, null, true), v)));
    }

    static EndpointStats latencies(double cheap, double mid, double pricey, boolean cheapFailed) {
        return new EndpointStats() {
            public boolean recentlyFailed(String model, String provider) {
                return cheapFailed && provider.equals("cheap");
            }

            public double latencyMs(String model, String provider) {
                return switch (provider) {
                    case "cheap" -> cheap;
                    case "mid" -> mid;
                    default -> pricey;
                };
            }
        };
    }

    static ProviderPreferences sort(String by) {
        return new ProviderPreferences(null, null, null, true, by, false, null, null, null);
    }

    @Test
    void sortByLatencyOrThroughputPutsTheFastestObservedEndpointFirstAndUnmeasuredOnesLast() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        var stats = latencies(Double.NaN, 40, 10, false);
        for (String by : List.of("latency", "throughput")) {
            var plan = router.plan(List.of(A), sort(by), Set.of(), "api-1", null, v, TOKENS, stats);
            assertEquals(List.of("m/a:pool-pricey", "m/a:pool-mid", "m/a:pool-cheap"), ids(plan), by);
        }
    }

    @Test
    void sortByPriceIsCheapestFirstEvenForAnEndpointThatFailedRecently() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        var plan = router.plan(List.of(A), sort("price"), Set.of(), "api-1", null, v, TOKENS, latencies(1, 2, 3, true));
        assertEquals(List.of("m/a:pool-cheap", "m/a:pool-mid", "m/a:pool-pricey"), ids(plan));
    }

    @Test
    void sortAppliesAfterTheProviderOrderEntries() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        var prefs = new ProviderPreferences(List.of("cheap"), null, null, true, "latency", false, null, null, null);
        var plan = router.plan(List.of(A), prefs, Set.of(), "api-1", null, v, TOKENS, latencies(50, 40, 10, false));
        assertEquals(List.of("m/a:pool-cheap", "m/a:pool-pricey", "m/a:pool-mid"), ids(plan));
    }

    @Test
    void requestIgnoreListIsMergedWithTheAccountsIgnoredProviders() {
        var v = view(Router.BYOK_FIRST, List.of("cheap"), List.of(), ALL_POOLED);
        assertEquals(List.of("m/a:pool-pricey"), ids(plan(List.of(A), prefs(null, null, List.of("mid"), true), v)));
    }

    @Test
    void onlyCannotBringBackAProviderTheAccountIgnores() {
        var v = view(Router.BYOK_FIRST, List.of("cheap"), List.of(), ALL_POOLED);
        var plan = plan(List.of(B), prefs(null, List.of("cheap"), null, true), v);
        assertFalse(plan.routable());
        assertEquals(List.of("cheap"), plan.unroutable().get(0).requestedProviders());
    }

    @Test
    void modelWithoutAllowedProvidersIsSkippedForTheNextModel() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        var plan = plan(List.of(B, A), prefs(null, null, List.of("cheap"), true), v);
        assertTrue(plan.routable());
        assertEquals(List.of("m/a:pool-mid", "m/a:pool-pricey"), ids(plan));
        assertEquals("m/b", plan.unroutable().get(0).model());
    }

    static ModelEndpoint withPolicy(String provider, String prompt, Boolean zdr, Boolean collectsData, String quant) {
        return new ModelEndpoint(provider, "up-" + provider, new Pricing(new BigDecimal(prompt), new BigDecimal(prompt),
                BigDecimal.ZERO), 8192, null, quant, null, zdr, collectsData);
    }

    static final CatalogModel P = model("m/p", withPolicy("cheap", "0.000001", false, true, "fp8"),
            withPolicy("mid", "0.00001", true, false, "bf16"), withPolicy("pricey", "0.00003", null, null, null));

    static ProviderPreferences dataPolicy(boolean zdr, boolean deny, List<String> quantizations) {
        return new ProviderPreferences(null, null, null, true, null, false, null, null, null, zdr, deny,
                quantizations);
    }

    @Test
    void zdrKeepsOnlyEndpointsDeclaredZeroDataRetention() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        assertEquals(List.of("m/p:pool-mid"), ids(plan(List.of(P), dataPolicy(true, false, null), v)));
    }

    @Test
    void dataCollectionDenyKeepsOnlyEndpointsDeclaredNotToCollectData() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        assertEquals(List.of("m/p:pool-mid"), ids(plan(List.of(P), dataPolicy(false, true, null), v)));
        var none = plan(List.of(B), dataPolicy(false, true, null), v);
        assertEquals("data_policy", none.unroutable().get(0).failedStep(), "undeclared policy does not qualify");
    }

    @Test
    void quantizationsKeepOnlyEndpointsOfThoseQuantizations() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(), ALL_POOLED);
        assertEquals(List.of("m/p:pool-cheap", "m/p:pool-pricey"),
                ids(plan(List.of(P), dataPolicy(false, false, List.of("fp8", "unknown")), v)));
    }

    @Test
    void providerSlugMatchesCaseInsensitivelyAndABaseSlugMatchesEveryEndpointOfThatProvider() {
        assertTrue(Router.matches("deepinfra", "deepinfra"));
        assertTrue(Router.matches("DeepInfra", "deepinfra"));
        assertTrue(Router.matches("deepinfra", "DEEPINFRA/Turbo"));
        assertTrue(Router.matches("deepinfra/turbo", "deepinfra/turbo"));
        assertFalse(Router.matches("deepinfra/turbo", "deepinfra"));
        assertFalse(Router.matches("deep", "deepinfra"));
        assertFalse(Router.matches("deepinfra", "deepinfra-turbo"));
        assertFalse(Router.matches("deepinfra", "deepinfr"));
        assertFalse(Router.matches(null, "deepinfra"));
        assertFalse(Router.matches("deepinfra", null));
    }

    @Test
    void endpointsOfEqualPriceKeepTheirCatalogOrder() {
        var m = model("m/t", endpoint("second", "0.00001"), endpoint("first", "0.000001"), endpoint("third", "0.00001"),
                endpoint("fourth", "0.00001"));
        var v = view(Router.BYOK_FIRST, List.of(), List.of(),
                List.of(pooled("fourth"), pooled("third"), pooled("second"), pooled("first")));
        assertEquals(List.of("m/t:pool-first", "m/t:pool-second", "m/t:pool-third", "m/t:pool-fourth"),
                ids(plan(List.of(m), ProviderPreferences.NONE, v)));
        assertEquals(List.of("m/t:pool-third", "m/t:pool-first", "m/t:pool-second", "m/t:pool-fourth"),
                ids(plan(List.of(m), prefs(List.of("third"), null, null, true), v)));
    }

    @Test
    void keysOfEqualPositionKeepTheRoutingViewsOrder() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                key("b", "cheap", "PRIORITIZED", 1), key("a", "cheap", "PRIORITIZED", 0),
                key("c", "cheap", "PRIORITIZED", 1), key("fb2", "cheap", "FALLBACK", 0),
                key("fb1", "cheap", "FALLBACK", 0)), List.of());
        assertEquals(List.of("m/b:a", "m/b:b", "m/b:c", "m/b:fb2", "m/b:fb1"),
                ids(plan(List.of(B), ProviderPreferences.NONE, v)));
    }

    @Test
    void aCredentialThatCannotServeTheModelIsLeftOutOfThePlanWithoutACall() {
        // e.g. an Azure key without a deployment for the requested model, or a secret not in its adapter's format
        RoutingView v = view(null, null, List.of(key("k1", "cheap", "PRIORITIZED", 1), key("k2", "cheap", "PRIORITIZED", 2),
                key("k3", "cheap", "FALLBACK", 1)), List.of(pooled("cheap")));
        Credentials onlyK2AndPool = (id, model, endpoint) ->
                id.equals("k2") || id.equals("pool-cheap") ? new TokenCredential("secret-" + id) : null;
        var plan = router.plan(List.of(B), ProviderPreferences.NONE, Set.of(), "api-1", null, v, onlyK2AndPool,
                EndpointStats.NONE);
        assertEquals(List.of("m/b:k2", "m/b:pool-cheap"), ids(plan));
        assertEquals("secret-k2", ((TokenCredential) plan.routes().get(0).attempts().get(0).credential()).token());
    }

    // OpenRouter's BYOK flags (DESIGN.md §2): is_required, is_byok_only, declared_zdr, allowed_user_ids.

    /** A key with OpenRouter's flags: is_required (= always use), is_byok_only, declared_zdr, allowed_user_ids. */
    static ByokKey flagged(String id, String provider, String section, List<String> models, boolean required,
                           boolean byokOnly, Boolean declaredZdr, List<String> users) {
        return new ByokKey(id, provider, section, 0, required, models, null, new Credential("secret-" + id), byokOnly,
                declaredZdr, users);
    }

    @Test
    void isRequiredRemovesPooledCapacityOnlyForTheModelsTheKeyAppliesTo() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                flagged("req", "cheap", "PRIORITIZED", List.of("m/a"), true, false, null, null)), ALL_POOLED);
        assertEquals(List.of("m/a:req", "m/a:pool-mid", "m/a:pool-pricey"),
                ids(plan(List.of(A), ProviderPreferences.NONE, v)));
        assertEquals(List.of("m/b:pool-cheap"), ids(plan(List.of(B), ProviderPreferences.NONE, v)),
                "a model outside the key's allowed_models still uses shared capacity of the provider");
        var attempts = plan(List.of(A), ProviderPreferences.NONE, v).routes().get(0).attempts();
        assertTrue(attempts.get(0).endsAlwaysUseGroup(), "its failure is returned as-is");
    }

    @Test
    void isByokOnlyRemovesPooledCapacityOfItsProviderForEveryModel() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                flagged("only", "cheap", "PRIORITIZED", List.of("m/a"), false, true, null, null)), ALL_POOLED);
        assertEquals(List.of("m/a:only", "m/a:pool-mid", "m/a:pool-pricey"),
                ids(plan(List.of(A), ProviderPreferences.NONE, v)));
        var other = plan(List.of(B), ProviderPreferences.NONE, v);
        assertFalse(other.routable(), "m/b (outside allowed_models) is only at cheap: no shared capacity there");
        assertEquals("no_credentials", other.unroutable().get(0).failedStep());
    }

    @Test
    void isByokOnlyRemovesPooledCapacityEvenForAnotherApiKeyOrUserAndInOrderFirst() {
        var keyFiltered = new ByokKey("only", "cheap", "PRIORITIZED", 0, false, null, List.of("api-other"),
                new Credential("secret-only"), true, null, List.of("someone-else"));
        for (String precedence : List.of(Router.BYOK_FIRST, Router.ORDER_FIRST)) {
            var v = view(precedence, List.of(), List.of(keyFiltered), ALL_POOLED);
            assertEquals(List.of("m/a:pool-mid", "m/a:pool-pricey"), ids(plan(List.of(A), ProviderPreferences.NONE, v)),
                    precedence);
        }
    }

    @Test
    void isByokOnlyKeyFailureMovesOnToTheNextProviderAndIsNotReturnedAsIs() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                flagged("only", "cheap", "PRIORITIZED", null, false, true, null, null),
                key("fb-cheap", "cheap", "FALLBACK", 0)), ALL_POOLED);
        var attempts = plan(List.of(A), ProviderPreferences.NONE, v).routes().get(0).attempts();
        assertEquals(List.of("m/a:only", "m/a:pool-mid", "m/a:pool-pricey", "m/a:fb-cheap"),
                ids(plan(List.of(A), ProviderPreferences.NONE, v)), "the account's fallback keys are still its keys");
        assertFalse(attempts.get(0).alwaysUse());
        assertFalse(attempts.get(0).endsAlwaysUseGroup());
    }

    @Test
    void allowedUserIdsMatchTheRequestsUser() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                flagged("alice-key", "cheap", "PRIORITIZED", null, false, false, null, List.of("alice"))),
                List.of(pooled("cheap")));
        assertEquals(List.of("m/b:alice-key", "m/b:pool-cheap"), ids(plan(List.of(B), ProviderPreferences.NONE, v, "alice")));
        assertEquals(List.of("m/b:pool-cheap"), ids(plan(List.of(B), ProviderPreferences.NONE, v, "bob")));
        assertEquals(List.of("m/b:pool-cheap"), ids(plan(List.of(B), ProviderPreferences.NONE, v, null)),
                "a request without user does not match a user allowlist");
    }

    @Test
    void declaredZdrTrueKeyServesAZdrRequestOnAnEndpointThatIsNotZdrWithoutSharedCapacity() {
        // P: cheap is not ZDR, mid is ZDR, pricey undeclared
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                flagged("zdr-cheap", "cheap", "PRIORITIZED", null, false, false, true, null)), ALL_POOLED);
        assertEquals(List.of("m/p:zdr-cheap", "m/p:pool-mid"), ids(plan(List.of(P), dataPolicy(true, false, null), v)));
    }

    @Test
    void declaredZdrFalseKeyNeverServesAZdrRequestEvenOnAZdrEndpoint() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                flagged("no-zdr", "mid", "PRIORITIZED", null, false, false, false, null)), ALL_POOLED);
        assertEquals(List.of("m/p:pool-mid"), ids(plan(List.of(P), dataPolicy(true, false, null), v)));
        assertEquals(List.of("m/p:no-zdr", "m/p:pool-cheap", "m/p:pool-mid", "m/p:pool-pricey"),
                ids(plan(List.of(P), ProviderPreferences.NONE, v)), "without provider.zdr the declaration does not matter");
    }

    @Test
    void undeclaredZdrKeyFollowsItsEndpointsPolicy() {
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                flagged("plain-cheap", "cheap", "PRIORITIZED", null, false, false, null, null),
                flagged("plain-mid", "mid", "PRIORITIZED", null, false, false, null, null)), ALL_POOLED);
        assertEquals(List.of("m/p:plain-mid", "m/p:pool-mid"), ids(plan(List.of(P), dataPolicy(true, false, null), v)));
    }

    @Test
    void declaredZdrDoesNotLiftTheDataCollectionFilter() {
        // cheap collects data: a ZDR declaration answers provider.zdr, not data_collection "deny"
        var v = view(Router.BYOK_FIRST, List.of(), List.of(
                flagged("zdr-cheap", "cheap", "PRIORITIZED", null, false, false, true, null)), ALL_POOLED);
        assertEquals(List.of("m/p:pool-mid"), ids(plan(List.of(P), dataPolicy(true, true, null), v)));
    }
}
