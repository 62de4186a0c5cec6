package io.keyway.gateway.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.RoutingView;
import io.keyway.contracts.RoutingView.ByokKey;
import io.keyway.contracts.RoutingView.Credential;
import io.keyway.contracts.RoutingView.PooledCredential;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.it.UpstreamStandIn;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.ProviderAdapters;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.provider.UpstreamHttp;
import io.keyway.gateway.service.routing.Router;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md §2's attempt loop — retryable failures, request errors, always-use, breakers per endpoint and per
 * credential — with the real OpenAI-compatible adapter over real HTTP against the upstream STAND-IN (fault injection
 * by credential, see {@link UpstreamStandIn}), without the rest of the service so each rule is one quick test.
 * Provider {@code dead} points at a closed port (connect error). Providers {@code p1} and {@code p2} set
 * {@code non_streamed_first_byte_timeout} to 1 s, so a slow whole answer times out there as a stream's first byte does;
 * {@code patient} sets none (a whole answer may take the total timeout).
 */
class CompletionExecutorTests extends ExecutorOverStandIn {

    CircuitBreakers breakers;
    EndpointMeasurements measurements;
    CompletionExecutor executor;

    @BeforeAll
    static void start() throws Exception {
        startStandIn("""
                {"providers": [
                  {"slug": "p1", "name": "P1", "adapter": "openai-compatible", "base_url": "%1$s",
                   "options": {"non_streamed_first_byte_timeout": "1s"}},
                  {"slug": "p2", "name": "P2", "adapter": "openai-compatible", "base_url": "%1$s",
                   "options": {"non_streamed_first_byte_timeout": "1s"}},
                  {"slug": "patient", "name": "Patient", "adapter": "openai-compatible", "base_url": "%1$s"},
                  {"slug": "dead", "name": "Dead", "adapter": "openai-compatible", "base_url": "http://127.0.0.1:%2$d/v1"}],
                 "models": [{"id": "t/m", "endpoints": [
                   {"provider": "p1", "upstream_model": "m-p1", "pricing": {"prompt": "0.000001", "completion": "0.000001", "request": "0"}},
                   {"provider": "p2", "upstream_model": "m-p2", "pricing": {"prompt": "0.000002", "completion": "0.000002", "request": "0"}},
                   {"provider": "patient", "upstream_model": "m-patient", "pricing": {"prompt": "0.000002", "completion": "0.000002", "request": "0"}},
                   {"provider": "dead", "upstream_model": "m-dead", "pricing": {"prompt": "0.000003", "completion": "0.000003", "request": "0"}}]}]}
                """, path -> config(path, 1000, Duration.ofMinutes(1)));
    }

    @BeforeEach
    void fresh() {
        upstream.reset();
        withBreakers(1000, Duration.ofMinutes(1));
    }

    void withBreakers(int threshold, Duration open) {
        withConfig(config(null, threshold, open, Duration.ofSeconds(10)));
    }

    void withConfig(GatewayConfig config) {
        breakers = new CircuitBreakers(config);
        measurements = new EndpointMeasurements();
        executor = executor(config, breakers, measurements);
    }

    /** A prioritized BYOK key whose id is its secret, so breakers and calls can be matched to it. */
    static ByokKey key(String provider, String secret, int position) {
        return new ByokKey(secret, provider, "PRIORITIZED", position, false, null, null, new Credential(secret));
    }

    static ByokKey alwaysUse(String provider, String secret, int position) {
        return new ByokKey(secret, provider, "PRIORITIZED", position, true, null, null, new Credential(secret));
    }

    Outcome run(List<ByokKey> keys, List<PooledCredential> pools) {
        return run(keys, pools, "");
    }

    /** With {@code more} members of the request body, e.g. {@code ,"stream":true}. */
    Outcome run(List<ByokKey> keys, List<PooledCredential> pools, String more) {
        return call(executor, new RoutingView("acct", "1", Router.BYOK_FIRST, List.of(), keys, pools),
                body("hi", more), g -> { });
    }

    @Test
    void connectErrorTimeoutResetAnd401_402_403_408_429_5xxAreRetryable() {
        List<ByokKey> keys = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        int position = 0;
        for (String behaviour : List.of("status401", "status402", "status403", "status408", "status429", "status500",
                "status502", "status503", "status504", "reset", "slow2000")) {
            String s = secret(behaviour);
            keys.add(key("p1", s, position++));
            expected.add(s);
        }
        keys.add(key("dead", secret("ok"), 0)); // connect refused: never reaches the stand-in
        String pool = secret("ok");
        expected.add(pool);
        var out = run(keys, List.of(pooled("p1", pool)));
        assertTrue(out.error() == null, () -> "failed: " + out.error());
        assertEquals(pool, out.success().attempt().credentialId());
        assertEquals(expected, upstream.credentialsCalled());
        List<String> outcomes = out.outcomes();
        assertEquals("timeout", outcomes.get(10), outcomes::toString);
        assertEquals("connect", outcomes.get(11), outcomes::toString);
    }

    @Test
    void requestErrors400_413_422AreReturnedAtOnceWithoutFallback() {
        for (int status : List.of(400, 413, 422)) {
            upstream.reset();
            String bad = secret("status" + status);
            var out = run(List.of(key("p1", bad, 0)), List.of(pooled("p1", secret("ok")), pooled("p2", secret("ok"))));
            assertEquals(status, out.error().status());
            assertEquals("Provider returned error", out.error().getMessage());
            assertEquals(List.of(bad), upstream.credentialsCalled());
        }
    }

    @Test
    void alwaysUseKeyFailureFallsThroughToTheOtherPrioritizedKeysOfItsProviderFirst() {
        String au = secret("status500");
        String other = secret("ok");
        var out = run(List.of(alwaysUse("p1", au, 0), key("p1", other, 1)), List.of(pooled("p2", secret("ok"))));
        assertEquals(other, out.success().attempt().credentialId());
        assertEquals(List.of(au, other), upstream.credentialsCalled());
    }

    @Test
    void alwaysUseKeyFailureIsReturnedAsIsOnlyWhenEveryOtherPrioritizedKeyOfItsProviderFailedToo() {
        String au = secret("status429");
        String other = secret("status500");
        String otherProvider = secret("ok");
        var out = run(List.of(alwaysUse("p1", au, 0), key("p1", other, 1)), List.of(pooled("p2", otherProvider)));
        assertEquals(429, out.error().status());
        assertTrue(out.error().metadata().get("raw").asText().contains("stand-in status 429"),
                () -> out.error().metadata().toString());
        assertTrue(out.error().metadata().get("is_byok").asBoolean());
        assertEquals(List.of(au, other), upstream.credentialsCalled(), "no other provider after the always-use group");
    }

    @Test
    void alwaysUseFailureIsReturnedWhenTheOtherKeysOfItsProviderAreSkippedByTheirBreakers() {
        withBreakers(1, Duration.ofMinutes(1));
        String au = secret("status429");
        String otherDead = secret("ok");
        breakers.failure(breakers.allow(CircuitBreakers.credentialKey(otherDead))); // known dead: skipped without a call
        var out = run(List.of(alwaysUse("p1", au, 0), key("p1", otherDead, 1)), List.of(pooled("p2", secret("ok"))));
        assertEquals(429, out.error().status(), "the always-use failure is not hidden behind another provider");
        assertEquals(List.of(au), upstream.credentialsCalled());
        assertEquals(List.of("error", "circuit_open"), out.outcomes());
    }

    @Test
    void endpointFailureCountsAgainstThatEndpointsUptimeAndASuccessGivesItsUptimeAndLatency() {
        run(List.of(key("p1", secret("status503"), 0)), List.of(pooled("p2", secret("ok"))));
        assertEquals(0.0, measurements.stats(MODEL, "p1").uptimeLast5m());
        assertEquals(null, measurements.stats(MODEL, "p1").latencyLast30m(), "a failure has no latency");
        assertEquals(100.0, measurements.stats(MODEL, "p2").uptimeLast5m());
        assertTrue(measurements.stats(MODEL, "p2").latencyLast30m().p50() > 0);
    }

    @Test
    void credentialFailuresAndRequestErrorsLeaveTheEndpointsUptimeAlone() {
        run(List.of(key("p1", secret("status401"), 0), key("p1", secret("status429"), 1)),
                List.of(pooled("p1", secret("ok"))));
        assertEquals(100.0, measurements.stats(MODEL, "p1").uptimeLast5m(), "only the endpoint's own failures count");
        run(List.of(key("p2", secret("status400"), 0)), List.of());
        assertEquals(null, measurements.stats(MODEL, "p2").uptimeLast5m(), "a request error says nothing of p2");
    }

    @Test
    void breakerIsKeptPerCredentialSoADeadKeyIsSkippedWithoutACall() {
        withBreakers(1, Duration.ofMinutes(1));
        String dead = secret("status401");
        String pool = secret("ok");
        run(List.of(key("p1", dead, 0)), List.of(pooled("p1", pool)));
        upstream.reset();
        var out = run(List.of(key("p1", dead, 0)), List.of(pooled("p1", pool)));
        assertEquals(pool, out.success().attempt().credentialId());
        assertEquals(List.of(pool), upstream.credentialsCalled(), "same endpoint, other credential: still called");
        assertEquals(List.of("circuit_open", "success"), out.outcomes());
    }

    @Test
    void breakerIsKeptPerEndpointSoAFailingEndpointIsSkippedForEveryCredential() {
        withBreakers(1, Duration.ofMinutes(1));
        String failing = secret("status503");
        run(List.of(key("p1", failing, 0)), List.of(pooled("p2", secret("ok"))));
        upstream.reset();
        String freshKey = secret("ok");
        String p2 = secret("ok");
        var out = run(List.of(key("p1", freshKey, 0)), List.of(pooled("p2", p2)));
        assertEquals(p2, out.success().attempt().credentialId());
        assertEquals(List.of(p2), upstream.credentialsCalled(), "p1's endpoint is open: no credential goes there");
    }

    /** Asks without side effects while breakers are open for a minute: a closed breaker's permit is not a trial. */
    boolean open(String key) {
        return breakers.allow(key) == null;
    }

    @Test
    void byokKeysTimeoutsAndAuthAndRateLimitFailuresCountAgainstThatKeyNeverTheEndpoint() {
        withBreakers(1, Duration.ofMinutes(1)); // one endpoint failure would open p1
        String slow = secret("slow2000");
        String unauthorized = secret("status401");
        String limited = secret("status429");
        String pool = secret("ok");
        // The slow key last: after its timeout (a whole answer, accepted) no other BYOK key of p1 would be tried.
        var out = run(List.of(key("p1", unauthorized, 0), key("p1", limited, 1), key("p1", slow, 2)),
                List.of(pooled("p1", pool)));
        assertEquals(List.of("error", "error", "timeout", "success"), out.outcomes(),
                "p1 stays closed through the tenant's own failures: the pooled credential on p1 serves");
        assertEquals(pool, out.success().attempt().credentialId());
        assertFalse(open(CircuitBreakers.endpointKey(MODEL, "p1")));
        assertTrue(open(CircuitBreakers.credentialKey(slow)) && open(CircuitBreakers.credentialKey(unauthorized))
                && open(CircuitBreakers.credentialKey(limited)), "each key's own breaker counted its failure");
        assertEquals(100.0, measurements.stats(MODEL, "p1").uptimeLast5m(), "nor is the endpoint's uptime lowered");
    }

    @Test
    void byok5xxAndConnectErrorsCountAgainstTheEndpointBecauseAKeyCannotMakeTheProviderFail() {
        withBreakers(1, Duration.ofMinutes(1));
        run(List.of(key("p1", secret("status502"), 0), key("dead", secret("ok"), 0)),
                List.of(pooled("p2", secret("ok"))));
        assertTrue(open(CircuitBreakers.endpointKey(MODEL, "p1")));
        assertTrue(open(CircuitBreakers.endpointKey(MODEL, "dead")));
    }

    @Test
    void pooledFirstByteTimeoutCountsAgainstTheEndpoint() {
        withBreakers(1, Duration.ofMinutes(1));
        String slowPool = secret("slow2000");
        var out = run(List.of(), List.of(pooled("p1", slowPool), pooled("p2", secret("ok"))));
        assertEquals("timeout", out.outcomes().get(0));
        assertTrue(open(CircuitBreakers.endpointKey(MODEL, "p1")), "a pooled call's silence is the provider's");
        assertFalse(open(CircuitBreakers.credentialKey(slowPool)));
    }

    @Test
    void anAnswerStillArrivingAtTheTotalTimeoutCountsAgainstABYOKKeyAndAgainstNothingForAPooledCredential() {
        withConfig(config(null, 1, Duration.ofMinutes(1), Duration.ofMillis(400)));
        // Five chunks 150 ms apart: never silent for the 1 s idle timeout, but longer than 400 ms in all.
        String byok = secret("slowstream150");
        String pool = secret("slowstream150");
        var out = run(List.of(key("p1", byok, 0)), List.of(pooled("p1", pool), pooled("p2", secret("ok"))));
        assertEquals(List.of("timeout", "timeout", "success"), out.outcomes());
        assertFalse(open(CircuitBreakers.endpointKey(MODEL, "p1")), "the answer's length is the request's");
        assertTrue(open(CircuitBreakers.credentialKey(byok)), "the tenant's own key counts its own timeouts");
        assertFalse(open(CircuitBreakers.credentialKey(pool)), "the shared pooled credential does not");
    }

    @Test
    void halfOpenEndpointTrialIsNotLostWhenTheCredentialBreakerIsOpen() throws Exception {
        withBreakers(1, Duration.ofMillis(300));
        String skipped = secret("ok");
        String trial = secret("ok");
        breakers.failure(breakers.allow(CircuitBreakers.endpointKey(MODEL, "p1")));
        Thread.sleep(350); // p1's endpoint is now half-open
        breakers.failure(breakers.allow(CircuitBreakers.credentialKey(skipped))); // this key is open for 300 ms more
        var out = run(List.of(key("p1", skipped, 0), key("p1", trial, 1)), List.of());
        assertEquals(trial, out.success().attempt().credentialId(), "the endpoint's trial goes to the next key");
        assertEquals(List.of(trial), upstream.credentialsCalled());
    }

    @Test
    void everyAttemptFailingReturnsTheLastFailureWithEveryAttemptInItsMetadata() {
        String first = secret("status500");
        String last = secret("status503");
        var out = run(List.of(key("p1", first, 0)), List.of(pooled("p2", last)));
        assertEquals(503, out.error().status());
        assertEquals("P2", out.error().metadata().get("provider_name").asText());
        var attempts = out.error().metadata().get("attempts");
        assertEquals(2, attempts.size());
        assertEquals(500, attempts.get(0).get("status").asInt());
        assertEquals("byok_prioritized", attempts.get(0).get("credential").asText());
        assertEquals(503, attempts.get(1).get("status").asInt());
        assertEquals("pooled", attempts.get(1).get("credential").asText());
    }

    @Test
    void totalTimeoutEndsTheUpstreamExchangeAndMovesToTheNextAttempt() {
        withConfig(config(null, 1000, Duration.ofMinutes(1), Duration.ofMillis(400)));
        // Five chunks 150 ms apart: never silent for the 1 s idle timeout, but longer than 400 ms in all.
        String trickle = secret("slowstream150");
        String pool = secret("ok");
        int abandonedBefore = upstream.abandoned();
        var out = run(List.of(key("p1", trickle, 0)), List.of(pooled("p1", pool)));
        assertEquals(pool, out.success().attempt().credentialId());
        assertEquals("timeout", out.outcomes().get(0));
        // The timed-out exchange is reset (its pooled connection freed), not left to trickle on.
        await().atMost(Duration.ofSeconds(5)).until(() -> upstream.abandoned() > abandonedBefore);
    }

    @Test
    void anUpstreamErrorThatQuotesAnySecretPartOfAStructuredCredentialIsScrubbed() {
        var deployment = new io.keyway.contracts.credentials.AzureCredential.Deployment("m/a",
                java.net.URI.create("https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=1"),
                "azure-api-key-1234567", "gpt");
        var credential = new io.keyway.contracts.credentials.AzureCredential(List.of(deployment));
        var model = catalog.model(MODEL).orElseThrow();
        var attempt = new io.keyway.gateway.service.routing.Attempt(model, model.endpoints().get(0),
                io.keyway.gateway.service.routing.CredentialKind.BYOK_PRIORITIZED, "k1", credential, false, false);
        assertEquals("invalid key **** for deployment",
                CompletionExecutor.scrub("invalid key azure-api-key-1234567 for deployment", attempt));
        var bedrock = io.keyway.contracts.credentials.BedrockCredential.ofAccessKeys("test-access-key-id-123",
                "test-secret-access-key/for+scrubbing", null, "us-east-1");
        var signed = new io.keyway.gateway.service.routing.Attempt(model, model.endpoints().get(0),
                io.keyway.gateway.service.routing.CredentialKind.POOLED, "p1", bedrock, false, false);
        assertEquals("key **** secret ****",
                CompletionExecutor.scrub("key test-access-key-id-123 secret test-secret-access-key/for+scrubbing", signed));
    }

    @Test
    void aPooledCredentialsFailureTextIsWithheldFromTheTenantButARequestErrorKeepsItsText() {
        var out = run(List.of(), List.of(pooled("p1", secret("status429"))));
        assertEquals(429, out.error().status());
        String raw = out.error().metadata().get("raw").asText();
        assertFalse(raw.contains("stand-in status 429"), raw);
        assertTrue(raw.contains("platform's credential"), raw);
        upstream.reset();
        var bad = run(List.of(), List.of(pooled("p1", secret("status400"))));
        assertTrue(bad.error().metadata().get("raw").asText().contains("stand-in status 400"),
                () -> bad.error().metadata().toString());
        upstream.reset();
        var byok = run(List.of(key("p1", secret("status429"), 0)), List.of());
        assertTrue(byok.error().metadata().get("raw").asText().contains("stand-in status 429"),
                "a BYOK key's failure is the tenant's own account: its text is shown");
    }

    @Test
    void aPooledCredentialsRequestErrorIsShownWithoutThePlatformsAccountIds() {
        var model = catalog.model(MODEL).orElseThrow();
        var endpoint = model.endpoints().get(0);
        var pooledAttempt = new io.keyway.gateway.service.routing.Attempt(model, endpoint,
                io.keyway.gateway.service.routing.CredentialKind.POOLED, "pool-1",
                new io.keyway.contracts.credentials.TokenCredential("platform-secret-value"), false, false);
        String raw = "Invalid 'messages' for org-AbCdEf123456 in project proj_XyZ987654 (key platform-secret-value)";
        String shown = CompletionExecutor.forTenant(raw, pooledAttempt, true);
        assertFalse(shown.contains("AbCdEf123456") || shown.contains("XyZ987654") || shown.contains("platform-secret-value"),
                shown);
        assertTrue(shown.startsWith("Invalid 'messages'"), shown);
    }

    // Long calls (issue 16 item 3): a whole answer's first byte comes only once it is generated.

    /**
     * The rule without waiting minutes: first-byte timeout 1 s, total 5 s, and an upstream that answers after 3 s — a
     * whole answer three times longer than the first-byte timeout is served, by the one call made. With the old rule
     * (the first-byte timeout as the idle timeout of every call) it was cut at 1 s and retried on the next credential.
     * A 3-minute generation under the default 60 s / 600 s is the same case scaled up.
     */
    @Test
    void aWholeAnswerLongerThanTheFirstByteTimeoutIsNotCutWhenItsProviderSetsNoOption() {
        withConfig(config(null, 1000, Duration.ofMinutes(1), Duration.ofSeconds(5)));
        String slow = secret("slow3000");
        String next = secret("ok");
        var out = run(List.of(key("patient", slow, 0), key("patient", next, 1)), List.of());
        assertTrue(out.error() == null, () -> "failed: " + out.error() + " " + out.error().metadata());
        assertEquals(slow, out.success().attempt().credentialId());
        assertEquals(List.of(slow), upstream.credentialsCalled(), "one call: nothing cut, nothing retried");
        assertEquals(List.of(), out.generation().abandonedAttempts());
    }

    @Test
    void aStreamKeepsTheFirstByteTimeoutAndFallsBackWithTheTimedOutAttemptRecordedAsAbandoned() {
        withConfig(config(null, 1000, Duration.ofMinutes(1), Duration.ofSeconds(5)));
        String slow = secret("slow3000");
        String next = secret("ok");
        var out = run(List.of(key("patient", slow, 0), key("patient", next, 1)), List.of(), ",\"stream\":true");
        assertEquals(next, out.success().attempt().credentialId(), "a stream silent for 1 s is cut and retried");
        assertEquals(List.of("timeout", "success"), out.outcomes());
        assertEquals(1, out.generation().abandonedAttempts().size(), "the upstream had the whole request");
        assertEquals(slow, out.generation().abandonedAttempts().get(0).byokKeyId());
    }

    @Test
    void aWholeAnswerTimedOutAfterTheUpstreamAcceptedItIsNotRetriedWhenAllowFallbacksIsFalse() {
        String slow = secret("slow2000");
        String pool = secret("ok");
        var out = run(List.of(key("p1", slow, 0)), List.of(pooled("p1", pool), pooled("p2", secret("ok"))),
                ",\"provider\":{\"allow_fallbacks\":false}");
        assertEquals(504, out.error().status());
        assertEquals(List.of(slow), upstream.credentialsCalled(), "the provider may still be generating it: no retry");
        assertEquals(List.of("timeout"), out.outcomes());
        assertEquals(1, out.generation().abandonedAttempts().size());
        assertEquals("p1", out.generation().abandonedAttempts().get(0).provider());
    }

    @Test
    void aWholeAnswerTimedOutAfterAcceptanceSkipsTheOtherByokKeysOfItsProviderButTriesPooledCapacity() {
        String slow = secret("slow2000");
        String sameProvider = secret("ok");
        String pool = secret("ok");
        var out = run(List.of(key("p1", slow, 0), key("p1", sameProvider, 1)), List.of(pooled("p1", pool)));
        assertEquals(pool, out.success().attempt().credentialId());
        assertEquals(List.of("timeout", "skipped_after_timeout", "success"), out.outcomes());
        assertEquals(List.of(slow, pool), upstream.credentialsCalled(),
                "the tenant's second key of p1 would pay p1 again for an answer as long");
        assertEquals(1, out.generation().abandonedAttempts().size());
    }

    @Test
    void anAlwaysUseKeysWholeAnswerTimeoutIsReturnedAsIsWhenTheOtherKeysOfItsProviderAreSkipped() {
        String slow = secret("slow2000");
        String other = secret("ok");
        var out = run(List.of(alwaysUse("p1", slow, 0), key("p1", other, 1)), List.of(pooled("p2", secret("ok"))));
        assertEquals(504, out.error().status());
        assertEquals(List.of(slow), upstream.credentialsCalled());
        assertEquals(List.of("timeout", "skipped_after_timeout"), out.outcomes());
    }

    @Test
    void failuresWithoutAnAcceptedRequestAreNotAbandonedAttempts() {
        var out = run(List.of(key("dead", secret("ok"), 0), key("p1", secret("reset"), 0),
                key("p1", secret("status503"), 1)), List.of(pooled("p1", secret("ok"))));
        assertEquals(List.of("reset", "error", "connect", "success"), out.outcomes());
        assertEquals(List.of(), out.generation().abandonedAttempts(),
                "refused, reset or answered: the provider is not generating anything");
    }

    @Test
    void aFullUpstreamWaitQueueIs503WithRetryAfterAtOnceCountsAgainstNoBreakerAndTriesNoOtherCredential() {
        withBreakers(1, Duration.ofMinutes(1)); // one counted failure would open the endpoint or the key
        ProviderAdapter queueFull = new ProviderAdapter() { // the pool refused: what UpstreamHttp reports then
            @Override
            public String name() {
                return adapter.name();
            }

            @Override
            public io.keyway.gateway.provider.UpstreamCall call(io.keyway.gateway.provider.UpstreamRequest request) {
                return io.keyway.gateway.provider.UpstreamCall.failed(UpstreamException.of(
                        new io.vertx.core.http.ConnectionPoolTooBusyException("Connection pool reached max wait queue size of 1")));
            }
        };
        executor = new CompletionExecutor(catalog, new ProviderAdapters(List.of(queueFull), catalog), breakers,
                measurements, config(null, 1, Duration.ofMinutes(1)));
        String key = secret("ok");
        var out = run(List.of(key("p1", key, 0)), List.of(pooled("p2", secret("ok"))));
        assertEquals(503, out.error().status());
        assertEquals(CompletionExecutor.QUEUE_FULL_RETRY_AFTER_SECONDS, out.error().retryAfterSeconds());
        assertEquals("upstream_queue_full", out.error().metadata().get("reason").asText());
        assertEquals(List.of("upstream_queue_full"), out.outcomes(), "the pooled credential was not tried");
        assertFalse(open(CircuitBreakers.endpointKey(MODEL, "p1")), "the endpoint did not fail");
        assertFalse(open(CircuitBreakers.credentialKey(key)), "nor did the tenant's key");
    }
}
