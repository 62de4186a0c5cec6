package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.config.GatewayConfig;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CircuitBreakersTests {

    static CircuitBreakers breakers(int threshold, Duration open) {
        GatewayConfig.Upstream upstream = (GatewayConfig.Upstream) Proxy.newProxyInstance(
                GatewayConfig.class.getClassLoader(), new Class<?>[] {GatewayConfig.Upstream.class},
                (p, m, a) -> switch (m.getName()) {
                    case "breakerFailureThreshold" -> threshold;
                    case "breakerOpenDuration" -> open;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        GatewayConfig config = (GatewayConfig) Proxy.newProxyInstance(GatewayConfig.class.getClassLoader(),
                new Class<?>[] {GatewayConfig.class}, (p, m, a) -> {
                    if (m.getName().equals("upstream")) {
                        return upstream;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
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
