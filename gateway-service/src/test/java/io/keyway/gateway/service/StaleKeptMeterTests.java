package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.keyway.gateway.client.KeyServiceClient;
import io.keyway.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code keyway_key_service_stale_kept_total} reads its bean through a weak reference. When the bean goes (the
 * application stops) its meter goes with it: a later application in the same JVM — the test suite restarts Quarkus
 * many times — registers its own meter instead of finding the dead one under the same name and tags, which would read
 * NaN and vanish from the scrape once the old bean is collected.
 */
class StaleKeptMeterTests {

    final MeterRegistry registry = new SimpleMeterRegistry();
    final GatewayConfig config = ConfigStub.of(GatewayConfig.class, Map.of());

    FunctionCounter meter() {
        return meter("api_key");
    }

    FunctionCounter meter(String cache) {
        return registry.find(KeyServiceClient.STALE_KEPT_METRIC).tag("cache", cache).functionCounter();
    }

    @Test
    void theStaleKeptMeterLeavesWithItsBeanSoTheNextApplicationsBeanIsTheOneCounted() {
        ApiKeyResolver first = new ApiKeyResolver(null, config, registry);
        assertEquals(0.0, meter().count());
        first.removeMeter();
        assertNull(meter(), "the stopped application's meter is gone");

        WeakReference<ApiKeyResolver> gone = new WeakReference<>(first);
        first = null;
        for (int i = 0; i < 50 && gone.get() != null; i++) {
            System.gc();
        }
        assertNull(gone.get(), "the first bean was collected");

        ApiKeyResolver second = new ApiKeyResolver(null, config, registry);
        assertEquals(0.0, meter().count(), "the meter reads the live bean, not NaN from the collected one");
        Reference.reachabilityFence(second);
    }

    @Test
    void theRoutingViewsStaleKeptMeterLeavesWithItsBeanToo() {
        RoutingViews first = new RoutingViews(null, config, null, null, registry);
        assertEquals(0.0, meter("routing_view").count());
        first.removeMeter();
        assertNull(meter("routing_view"), "the stopped application's meter is gone");
        RoutingViews second = new RoutingViews(null, config, null, null, registry);
        assertEquals(0.0, meter("routing_view").count());
        Reference.reachabilityFence(second);
    }
}
