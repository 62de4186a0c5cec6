package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.config.GatewayConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CircuitBreakersTests {

    static CircuitBreakers breakers(int threshold, Duration open) {
        var upstream = ConfigStub.of(GatewayConfig.Upstream.class,
                Map.of("breakerFailureThreshold", threshold, "breakerOpenDuration", open));
        GatewayConfig config = ConfigStub.of(GatewayConfig.class, Map.of("upstream", upstream));
        return new CircuitBreakers(config);
    }

    @Test
    void breakerOpensAfterConsecutiveFailuresAndSkipsTheCredential() {
        var b = breakers(3, Duration.ofMinutes(1));
        String key = CircuitBreakers.credentialKey("dead");
        b.failure(key);
        b.failure(key);
        assertTrue(b.allow(key), "two failures of three keep it closed");
        b.failure(key);
        assertFalse(b.allow(key), "the third consecutive failure opens it");
        assertTrue(b.allow(CircuitBreakers.credentialKey("other")), "breakers are per credential");
    }

    @Test
    void successResetsTheFailureCount() {
        var b = breakers(2, Duration.ofMinutes(1));
        String key = CircuitBreakers.endpointKey("m/a", "p");
        b.failure(key);
        b.success(key, 5);
        b.failure(key);
        assertTrue(b.allow(key));
    }

    @Test
    void afterTheOpenPeriodExactlyOneTrialCallIsLetThroughAndItsFailureReopens() throws Exception {
        var b = breakers(1, Duration.ofMillis(50));
        String key = CircuitBreakers.credentialKey("flaky");
        b.failure(key);
        assertFalse(b.allow(key));
        Thread.sleep(80);
        assertTrue(b.allow(key), "half-open: one trial");
        assertFalse(b.allow(key), "only one trial at a time");
        b.failure(key);
        assertFalse(b.allow(key), "a failed trial opens it again");
    }

    @Test
    void recentlyFailedEndpointsAreReportedForOrderingUntilTheySucceed() {
        var b = breakers(5, Duration.ofMinutes(1));
        b.failure(CircuitBreakers.endpointKey("m/a", "p"));
        assertTrue(b.recentlyFailed("m/a", "p"));
        assertFalse(b.recentlyFailed("m/a", "q"));
        b.success(CircuitBreakers.endpointKey("m/a", "p"), 3);
        assertFalse(b.recentlyFailed("m/a", "p"));
    }
}
