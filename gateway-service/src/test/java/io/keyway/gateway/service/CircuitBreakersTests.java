package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.config.GatewayConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The breakers' rules (see {@link CircuitBreakers}) on a clock the test moves: endpoints open on a failure rate over a
 * minimum volume within a sliding window, credentials on consecutive failures, and a half-open trial has its own
 * timeout.
 */
class CircuitBreakersTests {

    static final String ENDPOINT = CircuitBreakers.endpointKey("m/a", "p");

    final AtomicLong now = new AtomicLong(1_000_000_000L);

    /** Endpoints: 50 % of at least 4 of the last 10 calls within 60 s; credentials: 3 consecutive; open 30 s; trial 10 s. */
    CircuitBreakers breakers(Map<String, Object> overrides) {
        Map<String, Object> settings = new HashMap<>(Map.of(
                "breakerFailureRate", 50,
                "breakerMinimumCalls", 4,
                "breakerWindowSize", 10,
                "breakerWindowDuration", Duration.ofSeconds(60),
                "breakerFailureThreshold", 3,
                "breakerOpenDuration", Duration.ofSeconds(30),
                "breakerTrialTimeout", Duration.ofSeconds(10)));
        settings.putAll(overrides);
        var upstream = ConfigStub.of(GatewayConfig.Upstream.class, settings);
        return new CircuitBreakers(ConfigStub.of(GatewayConfig.class, Map.of("upstream", upstream)), now::get);
    }

    CircuitBreakers breakers() {
        return breakers(Map.of());
    }

    void pass(Duration d) {
        now.addAndGet(d.toNanos());
    }

    static void fail(CircuitBreakers b, String key) {
        b.failure(assertAllowed(b, key));
    }

    static void succeed(CircuitBreakers b, String key) {
        b.success(assertAllowed(b, key), 5);
    }

    static CircuitBreakers.Permit assertAllowed(CircuitBreakers b, String key) {
        CircuitBreakers.Permit p = b.allow(key);
        assertNotNull(p, key + " should let the call through");
        return p;
    }

    /** Opens the endpoint: four failures in a row (the minimum volume, all failed). */
    void open(CircuitBreakers b, String key) {
        for (int i = 0; i < 4; i++) {
            fail(b, key);
        }
        assertNull(b.allow(key));
    }

    @Test
    void endpointStaysClosedBelowTheMinimumNumberOfCallsEvenWhenEveryCallFailed() {
        var b = breakers();
        fail(b, ENDPOINT);
        fail(b, ENDPOINT);
        fail(b, ENDPOINT);
        assertNotNull(b.allow(ENDPOINT), "3 failures of 3 calls: below the minimum volume of 4");
        fail(b, ENDPOINT);
        assertNull(b.allow(ENDPOINT), "4 failures of 4 calls: 100 % over the minimum volume");
    }

    @Test
    void endpointOpensWhenTheFailureRateOfTheRecentCallsReachesTheThreshold() {
        var b = breakers();
        for (int i = 0; i < 5; i++) {
            succeed(b, ENDPOINT);
        }
        for (int i = 0; i < 4; i++) {
            fail(b, ENDPOINT);
        }
        assertNotNull(b.allow(ENDPOINT), "4 failed of 9: 44 %, under 50 %");
        fail(b, ENDPOINT);
        assertNull(b.allow(ENDPOINT), "5 failed of 10: 50 %");
    }

    @Test
    void endpointFailureRateCountsOnlyTheLastWindowSizeCalls() {
        var b = breakers();
        for (int i = 0; i < 3; i++) {
            fail(b, ENDPOINT);
        }
        for (int i = 0; i < 10; i++) {
            succeed(b, ENDPOINT); // the three failures leave the 10-call window
        }
        for (int i = 0; i < 4; i++) {
            fail(b, ENDPOINT);
        }
        assertNotNull(b.allow(ENDPOINT), "4 failed of the last 10 calls: 40 %, though 7 of 17 in all");
    }

    @Test
    void endpointCallsOlderThanTheWindowDurationNoLongerCount() {
        var b = breakers();
        fail(b, ENDPOINT);
        fail(b, ENDPOINT);
        fail(b, ENDPOINT);
        pass(Duration.ofSeconds(61));
        fail(b, ENDPOINT);
        assertNotNull(b.allow(ENDPOINT), "the three failures of over 60 s ago are gone: 1 call is below the minimum");
    }

    @Test
    void endpointOpensAtTheConfiguredFailureRateAndNotBelowIt() {
        var b = breakers(Map.of("breakerFailureRate", 75));
        succeed(b, ENDPOINT);
        fail(b, ENDPOINT);
        fail(b, ENDPOINT);
        fail(b, ENDPOINT);
        assertNull(b.allow(ENDPOINT), "3 of 4 = 75 %");
        var c = breakers(Map.of("breakerFailureRate", 75));
        succeed(c, ENDPOINT);
        succeed(c, ENDPOINT);
        fail(c, ENDPOINT);
        fail(c, ENDPOINT);
        assertNotNull(c.allow(ENDPOINT), "2 of 4 = 50 % < 75 %");
    }

    @Test
    void credentialOpensAfterThresholdConsecutiveFailuresAndBreakersAreKeptPerCredential() {
        var b = breakers();
        String key = CircuitBreakers.credentialKey("dead");
        fail(b, key);
        fail(b, key);
        assertNotNull(b.allow(key), "two failures of three keep it closed");
        fail(b, key);
        assertNull(b.allow(key), "the third consecutive failure opens it");
        assertNotNull(b.allow(CircuitBreakers.credentialKey("other")), "breakers are per credential");
        assertNotNull(b.allow(ENDPOINT), "and apart from the endpoint's");
    }

    @Test
    void credentialSuccessBetweenFailuresKeepsItClosed() {
        var b = breakers();
        String key = CircuitBreakers.credentialKey("flaky");
        fail(b, key);
        fail(b, key);
        succeed(b, key);
        fail(b, key);
        fail(b, key);
        assertNotNull(b.allow(key), "never three failures in a row");
    }

    @Test
    void afterTheOpenDurationExactlyOneTrialIsLetThroughAndItsFailureReopensForTheOpenDuration() {
        var b = breakers();
        open(b, ENDPOINT);
        pass(Duration.ofSeconds(29));
        assertNull(b.allow(ENDPOINT), "still open");
        pass(Duration.ofSeconds(2));
        var trial = assertAllowed(b, ENDPOINT);
        assertNull(b.allow(ENDPOINT), "only one trial at a time");
        b.failure(trial);
        pass(Duration.ofSeconds(29));
        assertNull(b.allow(ENDPOINT), "a failed trial opens it again for the whole open duration");
        pass(Duration.ofSeconds(2));
        assertNotNull(b.allow(ENDPOINT), "then the next trial");
    }

    @Test
    void aSuccessfulTrialClosesTheBreakerWithAFreshWindow() {
        var b = breakers();
        open(b, ENDPOINT);
        pass(Duration.ofSeconds(31));
        b.success(assertAllowed(b, ENDPOINT), 5);
        assertNotNull(b.allow(ENDPOINT));
        fail(b, ENDPOINT);
        fail(b, ENDPOINT);
        fail(b, ENDPOINT);
        assertNotNull(b.allow(ENDPOINT), "the failures before it opened are forgotten: 3 calls, below the minimum");
    }

    @Test
    void aTrialThatHasNotAnsweredWithinTheTrialTimeoutCountsAsFailedAndFreesTheHalfOpenSlot() {
        var b = breakers();
        open(b, ENDPOINT);
        pass(Duration.ofSeconds(31));
        var hung = assertAllowed(b, ENDPOINT);
        pass(Duration.ofSeconds(9));
        assertNull(b.allow(ENDPOINT), "the trial still has 1 s");
        pass(Duration.ofSeconds(2));
        assertNull(b.allow(ENDPOINT), "the trial timed out: failed, so the endpoint is open again");
        assertTrue(b.recentlyFailed("m/a", "p"));
        pass(Duration.ofSeconds(31));
        var next = assertAllowed(b, ENDPOINT);
        b.failure(hung); // the hung call's own failure, long after: already counted, the new trial is untouched
        assertNull(b.allow(ENDPOINT), "the second trial is still the one in flight");
        b.success(next, 5);
        assertNotNull(b.allow(ENDPOINT), "the second trial closed it");
    }

    @Test
    void aTimedOutTrialThatSucceedsLaterStillClosesTheBreaker() {
        var b = breakers();
        open(b, ENDPOINT);
        pass(Duration.ofSeconds(31));
        var slow = assertAllowed(b, ENDPOINT);
        pass(Duration.ofSeconds(11));
        assertNull(b.allow(ENDPOINT), "timed out: open again");
        pass(Duration.ofSeconds(5));
        b.success(slow, 16_000);
        assertNotNull(b.allow(ENDPOINT), "the upstream did answer, only slowly: closed");
    }

    @Test
    void aReleasedTrialIsGivenBackSoTheNextCallIsTheTrial() {
        var b = breakers();
        open(b, ENDPOINT);
        pass(Duration.ofSeconds(31));
        b.release(assertAllowed(b, ENDPOINT));
        assertNotNull(b.allow(ENDPOINT), "the trial slot is free again at once");
    }

    @Test
    void outcomesOfCallsLetThroughBeforeTheBreakerOpenedDoNotSettleIt() {
        var b = breakers();
        var early = assertAllowed(b, ENDPOINT);
        open(b, ENDPOINT);
        b.success(early, 5);
        assertNull(b.allow(ENDPOINT), "an old call's success is not a trial");
    }

    @Test
    void recentlyFailedEndpointsAreReportedForOrderingUntilTheySucceedOrThirtySecondsPass() {
        var b = breakers();
        fail(b, ENDPOINT);
        assertTrue(b.recentlyFailed("m/a", "p"));
        assertFalse(b.recentlyFailed("m/a", "q"));
        succeed(b, ENDPOINT);
        assertFalse(b.recentlyFailed("m/a", "p"));
        fail(b, ENDPOINT);
        pass(Duration.ofSeconds(31));
        assertFalse(b.recentlyFailed("m/a", "p"));
    }

    @Test
    void settingsThatCouldNeverOpenABreakerAreRefusedNamingTheSetting() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> breakers(Map.of("breakerWindowSize", 3, "breakerMinimumCalls", 4)));
        assertEquals("keyway.gateway.upstream.breaker-window-size must be at least breaker-minimum-calls and at most"
                + " 10000", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> breakers(Map.of("breakerFailureRate", 0)));
        assertTrue(e.getMessage().startsWith("keyway.gateway.upstream.breaker-failure-rate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> breakers(Map.of("breakerTrialTimeout", Duration.ZERO)));
        assertTrue(e.getMessage().startsWith("keyway.gateway.upstream.breaker-trial-timeout"), e.getMessage());
    }
}
