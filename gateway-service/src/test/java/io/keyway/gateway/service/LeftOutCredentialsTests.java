package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.RoutingView;
import io.keyway.contracts.RoutingView.ByokKey;
import io.keyway.contracts.RoutingView.Credential;
import io.keyway.contracts.RoutingView.LeftOut;
import io.keyway.contracts.RoutingView.PooledCredential;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.Generation.AttemptRecord;
import io.keyway.gateway.service.routing.Router;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 item 5: credentials whose secret key-service left out of the routing view (their secret store could not
 * answer; {@code left_out}). Such a credential is planned where DESIGN.md §2 puts it, is not called, shows in the
 * generation's attempts as {@code secret_store_unavailable}, and counts as not usable: routing goes on per the rules,
 * and the tenant's flags still hold (an always-use key's failure is returned as-is, a byok-only key keeps pooled
 * capacity of its provider away). Real router and executor, the real OpenAI-compatible adapter against the upstream
 * STAND-IN.
 */
class LeftOutCredentialsTests extends ExecutorOverStandIn {

    static final String STORE_DOWN = RoutingView.SECRET_STORE_UNAVAILABLE;

    static CompletionExecutor executor;

    @BeforeAll
    static void start() throws Exception {
        GatewayConfig config = startStandIn("""
                {"providers": [
                  {"slug": "p1", "name": "P1", "adapter": "openai-compatible", "base_url": "%1$s"},
                  {"slug": "p2", "name": "P2", "adapter": "openai-compatible", "base_url": "%1$s"}],
                 "models": [{"id": "t/m", "endpoints": [
                   {"provider": "p1", "upstream_model": "m-p1", "pricing": {"prompt": "0.000001", "completion": "0.000001", "request": "0"}},
                   {"provider": "p2", "upstream_model": "m-p2", "pricing": {"prompt": "0.000002", "completion": "0.000002", "request": "0"}}]}]}
                """, LeftOutCredentialsTests::config);
        executor = executor(config, new CircuitBreakers(config), new EndpointMeasurements());
    }

    /** A first byte may take 5 s, a whole call 10 s; the breakers' defaults. */
    static GatewayConfig config(String catalogPath) {
        var up = ConfigStub.of(GatewayConfig.Upstream.class, Map.of(
                "connectTimeout", Duration.ofSeconds(2),
                "firstByteTimeout", Duration.ofSeconds(5),
                "totalTimeout", Duration.ofSeconds(10),
                "trustCertificates", Optional.empty()));
        return ConfigStub.of(GatewayConfig.class, Map.of("upstream", up, "catalogPath", Optional.of(catalogPath)));
    }

    @BeforeEach
    void fresh() {
        upstream.reset();
    }

    /** A BYOK key as a partial view carries it: flags kept, no credential. */
    static ByokKey leftOutKey(String id, String provider, String section, boolean alwaysUse, boolean byokOnly) {
        return new ByokKey(id, provider, section, 0, alwaysUse, null, null, null, byokOnly, null, null);
    }

    static ByokKey key(String provider, String secret) {
        return new ByokKey(secret, provider, "PRIORITIZED", 1, false, null, null, new Credential(secret));
    }

    Outcome run(List<ByokKey> keys, List<PooledCredential> pools, List<LeftOut> leftOut) {
        return call(executor, new RoutingView("acct", "7.3.partial-abc", Router.BYOK_FIRST, List.of(), keys, pools,
                leftOut), body("hi", ""), g -> { });
    }

    @Test
    void aLeftOutPrioritizedKeyShowsAsSkippedForItsStoreAndThePooledCredentialServes() {
        String keyId = UUID.randomUUID().toString();
        String pool = secret("ok");
        var out = run(List.of(leftOutKey(keyId, "p1", "PRIORITIZED", false, false)), List.of(pooled("p1", pool)),
                List.of(new LeftOut(LeftOut.BYOK_KEY, keyId, "p1", STORE_DOWN)));

        assertNull(out.error(), () -> "failed: " + out.error());
        assertEquals(pool, out.success().attempt().credentialId());
        assertEquals(List.of(pool), upstream.credentialsCalled(), "the left-out key is never called");
        AttemptRecord skipped = out.generation().attempts().get(0);
        assertEquals(new AttemptRecord(MODEL, "p1", "byok_prioritized", keyId, 0, STORE_DOWN, 0), skipped);
        assertEquals(List.of(STORE_DOWN, "success"), out.outcomes());
    }

    @Test
    void aLeftOutAlwaysUseKeyFailsAsIsAndPooledCapacityIsNeverUsedInItsPlace() {
        String keyId = UUID.randomUUID().toString();
        var out = run(List.of(leftOutKey(keyId, "p1", "PRIORITIZED", true, false)),
                List.of(pooled("p1", secret("ok")), pooled("p2", secret("ok"))),
                List.of(new LeftOut(LeftOut.BYOK_KEY, keyId, "p1", STORE_DOWN)));

        assertEquals(503, out.error().status());
        assertEquals("Provider returned error", out.error().getMessage());
        assertTrue(out.error().metadata().get("is_byok").asBoolean());
        assertTrue(out.error().metadata().get("raw").asText().contains("secret store"),
                () -> out.error().metadata().toString());
        assertEquals(STORE_DOWN, out.error().metadata().get("attempts").get(0).get("outcome").asText());
        assertEquals(List.of(), upstream.credentialsCalled(), "neither the key nor any pooled credential");
    }

    @Test
    void aLeftOutByokOnlyKeyStillKeepsItsProvidersPooledCapacityAway() {
        String keyId = UUID.randomUUID().toString();
        String otherProvider = secret("ok");
        var out = run(List.of(leftOutKey(keyId, "p1", "PRIORITIZED", false, true)),
                List.of(pooled("p1", secret("ok")), pooled("p2", otherProvider)),
                List.of(new LeftOut(LeftOut.BYOK_KEY, keyId, "p1", STORE_DOWN)));

        assertEquals(otherProvider, out.success().attempt().credentialId());
        assertEquals(List.of(otherProvider), upstream.credentialsCalled(), "no credits spent on p1");
        assertEquals(List.of(STORE_DOWN, "success"), out.outcomes());
    }

    @Test
    void aLeftOutFallbackKeyIsSkippedAndTheLastRealFailureIsTheAnswer() {
        String keyId = UUID.randomUUID().toString();
        String failing = secret("status429");
        var out = run(List.of(key("p1", failing), leftOutKey(keyId, "p1", "FALLBACK", false, false)), List.of(),
                List.of(new LeftOut(LeftOut.BYOK_KEY, keyId, "p1", STORE_DOWN)));

        assertEquals(429, out.error().status(), "the upstream's failure, not the skip");
        assertEquals(List.of(failing), upstream.credentialsCalled());
        assertEquals(STORE_DOWN, out.outcomes().get(1));
        assertEquals(keyId, out.generation().attempts().get(1).byokKeyId());
    }

    @Test
    void aLeftOutPooledCredentialShowsAsSkippedAndTheNextProviderServes() {
        String poolId = UUID.randomUUID().toString();
        String other = secret("ok");
        var out = run(List.of(), List.of(new PooledCredential(poolId, "p1", null), pooled("p2", other)),
                List.of(new LeftOut(LeftOut.POOLED_CREDENTIAL, poolId, "p1", STORE_DOWN)));

        assertEquals(other, out.success().attempt().credentialId());
        assertEquals(new AttemptRecord(MODEL, "p1", "pooled", null, 0, STORE_DOWN, 0),
                out.generation().attempts().get(0));
    }

    @Test
    void whenEveryCandidateIsLeftOutTheAnswerIs503SayingWhy() {
        String keyId = UUID.randomUUID().toString();
        var out = run(List.of(leftOutKey(keyId, "p1", "PRIORITIZED", false, true)), List.of(),
                List.of(new LeftOut(LeftOut.BYOK_KEY, keyId, "p1", STORE_DOWN)));

        assertEquals(503, out.error().status());
        assertTrue(out.error().getMessage().contains("secret store"), out.error().getMessage());
        assertEquals(List.of(STORE_DOWN), out.outcomes());
    }

    @Test
    void aViewWithoutLeftOutKeysPlansAsBefore() {
        // a key with no credential that key-service did not name as left out (an older key-service) is not planned
        String keyId = UUID.randomUUID().toString();
        String pool = secret("ok");
        List<ByokKey> keys = new ArrayList<>(List.of(leftOutKey(keyId, "p1", "PRIORITIZED", false, false)));
        var out = run(keys, List.of(pooled("p1", pool)), List.of());

        assertEquals(List.of("success"), out.outcomes());
    }
}
