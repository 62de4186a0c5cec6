package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.keyway.gateway.client.KeyServiceClient;
import io.keyway.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code keyway_key_service_stale_kept_total} reads its cache through a weak reference. When the bean goes (the
 * application stops) its meter goes with it, so a later application in the same JVM — the test suite restarts
 * Quarkus many times — registers a meter of its own. Otherwise it would get the dead meter back (same name and
 * tags), which reads NaN once the old cache is collected and drops out of the scrape.
 */
class StaleKeptMeterTests {

    final MeterRegistry registry = new SimpleMeterRegistry();
    final GatewayConfig config = ConfigStub.of(GatewayConfig.class, Map.of());

    FunctionCounter meter(String cache) {
        return registry.find(KeyServiceClient.STALE_KEPT_METRIC).tag("cache", cache).functionCounter();
    }

    @Test
    void theApiKeyCachesStaleKeptMeterLeavesWithItsBeanAndTheNextBeanRegistersItsOwn() {
        ApiKeyResolver first = new ApiKeyResolver(null, config, registry);
        FunctionCounter firstMeter = meter("api_key");
        assertEquals(0.0, firstMeter.count());
        first.removeMeter();
        assertNull(meter("api_key"), "the stopped application's meter is gone");
        new ApiKeyResolver(null, config, registry);
        assertNotSame(firstMeter, meter("api_key"), "the next application's bean has a meter of its own");
    }

    @Test
    void theRoutingViewCachesStaleKeptMeterLeavesWithItsBeanAndTheNextBeanRegistersItsOwn() {
        RoutingViews first = new RoutingViews(null, config, null, null, registry);
        FunctionCounter firstMeter = meter("routing_view");
        assertEquals(0.0, firstMeter.count());
        first.removeMeter();
        assertNull(meter("routing_view"), "the stopped application's meter is gone");
        new RoutingViews(null, config, null, null, registry);
        assertNotSame(firstMeter, meter("routing_view"), "the next application's bean has a meter of its own");
    }
}
