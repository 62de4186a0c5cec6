package io.keyway.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.Pricing;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.service.routing.Attempt;
import io.keyway.gateway.service.routing.CredentialKind;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hot path's part of the metrics (docs/benchmarks.md: the gateway counts every allocation per request): once a
 * provider's meters exist, recording an attempt, a first byte and a move along the plan allocates nothing — no tags
 * built, no meter looked up by name — on the Prometheus registry the service runs with.
 */
class UpstreamMetricsAllocationTests {

    static final ProviderSpec PROVIDER = new ProviderSpec("p1", "P1", "openai-compatible", "http://127.0.0.1/v1",
            Map.of());
    static final Pricing PRICE = new Pricing(BigDecimal.ONE, BigDecimal.ONE, BigDecimal.ZERO);
    static final ModelEndpoint ENDPOINT = new ModelEndpoint("p1", "m", PRICE, null, null, null, null);
    static final CatalogModel MODEL = new CatalogModel("t/m", null, null, null, null, null, null, null, null,
            List.of(ENDPOINT));
    static final CatalogModel OTHER = new CatalogModel("t/other", null, null, null, null, null, null, null, null,
            List.of(ENDPOINT));

    static Attempt attempt(CatalogModel model, CredentialKind kind) {
        return new Attempt(model, ENDPOINT, kind, "cred-" + kind, null, false, false);
    }

    @Test
    void recordingAttemptsFirstBytesAndMovesAllocatesNothingOnceTheMetersExist() {
        var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        var metrics = new UpstreamMetrics(registry);
        List<Attempt> plan = List.of(attempt(MODEL, CredentialKind.BYOK_PRIORITIZED),
                attempt(MODEL, CredentialKind.POOLED), attempt(MODEL, CredentialKind.POOLED),
                attempt(MODEL, CredentialKind.BYOK_FALLBACK), attempt(OTHER, CredentialKind.POOLED));
        UpstreamError error = UpstreamError.ofStatus(503, "down");
        UpstreamException timeout = new UpstreamException(UpstreamException.Kind.TIMEOUT, "timed out");
        Runnable request = () -> {
            long start = System.nanoTime();
            for (int i = 0; i < plan.size(); i++) {
                metrics.movedOn(plan, i);
            }
            metrics.attempted(plan.get(0), PROVIDER, error, start);
            metrics.attempted(plan.get(1), PROVIDER, timeout, start);
            metrics.attempted(plan.get(2), PROVIDER, null, start);
            metrics.firstByte(plan.get(2), PROVIDER, start);
        };
        for (int i = 0; i < 20_000; i++) {
            request.run(); // meters registered, code compiled
        }
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 10_000; i++) {
            request.run();
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertTrue(allocated < 64 * 1024, "10,000 requests allocated " + allocated + " bytes");
        assertEquals(90_000, registry.get(UpstreamMetrics.ATTEMPT).timers().stream()
                .mapToLong(io.micrometer.core.instrument.Timer::count).sum(), "each attempt was recorded");
    }
}
