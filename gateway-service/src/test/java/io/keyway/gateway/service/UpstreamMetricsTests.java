package io.keyway.gateway.service;

import static io.keyway.gateway.service.CompletionExecutorTests.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.RoutingView;
import io.keyway.contracts.RoutingView.ByokKey;
import io.keyway.contracts.RoutingView.Credential;
import io.keyway.contracts.RoutingView.PooledCredential;
import io.keyway.gateway.metrics.GatewayGauges;
import io.keyway.gateway.metrics.UpstreamMetrics;
import io.keyway.gateway.service.routing.EndpointStats;
import io.keyway.gateway.service.routing.ProviderPreferences;
import io.keyway.gateway.service.routing.Router;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The upstream and routing metrics (docs/operations.md, "Metrics") as the real executor records them, with the real
 * OpenAI-compatible adapter over HTTP against the upstream STAND-IN and the catalog of {@link CompletionExecutorTests}
 * (providers {@code p1}, {@code p2}, {@code dead}: a closed port).
 */
class UpstreamMetricsTests extends ExecutorOverStandIn {

    SimpleMeterRegistry registry;
    CircuitBreakers breakers;
    CompletionExecutor executor;

    @BeforeAll
    static void start() throws Exception {
        CompletionExecutorTests.start();
    }

    @BeforeEach
    void fresh() {
        upstream.reset();
        withBreakers(1000, Duration.ofMinutes(1));
    }

    void withBreakers(int threshold, Duration open) {
        var config = config(null, threshold, open);
        registry = new SimpleMeterRegistry();
        breakers = new CircuitBreakers(config);
        executor = new CompletionExecutor(catalog, adapters, breakers, new EndpointMeasurements(), config, registry);
    }

    static ByokKey fallbackKey(String provider, String secret, int position) {
        return new ByokKey(secret, provider, "FALLBACK", position, false, null, null, new Credential(secret));
    }

    /** Runs one request on an event loop, as the request path does; {@code more} adds members to its body. */
    void run(List<ByokKey> keys, List<PooledCredential> pools, String more) {
        RoutingView view = new RoutingView("acct", "1", Router.BYOK_FIRST, List.of(), keys, pools);
        ChatRequest request = ChatRequest.parse(body("hi", more).getBytes(StandardCharsets.UTF_8), JSON, catalog);
        var plan = new Router().plan(request.models(), ProviderPreferences.NONE, Set.of(), "api-1", null, view,
                new AccountRouting(view, catalog, adapters), EndpointStats.NONE);
        Generation g = new Generation("acct", "api-1", MODEL, request.stream());
        CompletableFuture<Void> done = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> executor.run(plan, request, g)
                .onComplete(outcome -> {
                    if (outcome.succeeded() && outcome.result().answer()
                            instanceof io.keyway.gateway.provider.Answer.Streamed s) {
                        s.stream().abort(); // the stream's body is not under test
                    }
                    done.complete(null);
                }));
        done.orTimeout(30, TimeUnit.SECONDS).join();
    }

    void run(List<ByokKey> keys, List<PooledCredential> pools) {
        run(keys, pools, "");
    }

    double fallbacks(String from, String to) {
        return registry.get(UpstreamMetrics.FALLBACKS).tag("from_step", from).tag("to_step", to).counter().count();
    }

    double retries(String step) {
        return registry.get(UpstreamMetrics.RETRIES).tag("step", step).counter().count();
    }

    double allFallbacks() {
        return registry.get(UpstreamMetrics.FALLBACKS).counters().stream().mapToDouble(Counter::count).sum();
    }

    Timer attempts(String provider, String kind, String outcome, String statusClass) {
        return registry.find(UpstreamMetrics.ATTEMPT).tag("provider", provider).tag("adapter", "openai-compatible")
                .tag("credential_kind", kind).tag("outcome", outcome).tag("status_class", statusClass).timer();
    }

    @Test
    void aFailedByokKeyFallingBackToThePooledCredentialCountsOneFallbackFromStepByokToStepPooled() {
        run(List.of(key("p1", secret("status500"), 0)), List.of(pooled("p1", secret("ok"))));
        assertEquals(1, fallbacks("byok", "pooled"));
        assertEquals(1, allFallbacks(), "no other move");
        assertEquals(0, retries("byok"));
    }

    @Test
    void aFailedPrioritizedKeyFallingBackToAFallbackKeyCountsAFallbackToStepFallback() {
        run(List.of(key("p1", secret("status503"), 0), fallbackKey("p1", secret("ok"), 0)), List.of());
        assertEquals(1, fallbacks("byok", "fallback"));
        assertEquals(1, allFallbacks());
    }

    @Test
    void anotherKeyOfTheSameStepAfterAFailureIsARetryNotAFallback() {
        run(List.of(key("p1", secret("status429"), 0), key("p2", secret("ok"), 0)), List.of());
        assertEquals(1, retries("byok"));
        assertEquals(0, allFallbacks());
    }

    @Test
    void aRequestServedByItsFirstAttemptCountsNeitherRetryNorFallback() {
        run(List.of(key("p1", secret("ok"), 0)), List.of(pooled("p1", secret("ok"))));
        assertEquals(0, allFallbacks());
        assertEquals(0, registry.get(UpstreamMetrics.RETRIES).counters().stream().mapToDouble(Counter::count).sum());
    }

    @Test
    void eachCalledAttemptIsTimedByProviderAdapterCredentialKindOutcomeAndStatusClass() {
        run(List.of(key("p1", secret("status503"), 0), key("dead", secret("ok"), 0)),
                List.of(pooled("p2", secret("ok"))));
        assertEquals(1, attempts("p1", "byok", "error", "5xx").count());
        assertEquals(1, attempts("dead", "byok", "connect", "none").count(), "no HTTP status: class none");
        Timer served = attempts("p2", "pooled", "success", "2xx");
        assertEquals(1, served.count());
        assertTrue(served.totalTime(TimeUnit.NANOSECONDS) > 0);
    }

    @Test
    void aStreamedAnswerRecordsItsTimeToFirstByteAndAWholeAnswerDoesNot() {
        run(List.of(key("p1", secret("ok"), 0)), List.of());
        assertNull(registry.find(UpstreamMetrics.FIRST_BYTE).timer(), "a whole answer's first byte is its last");
        run(List.of(key("p1", secret("ok"), 0)), List.of(), ",\"stream\":true");
        Timer ttfb = registry.get(UpstreamMetrics.FIRST_BYTE).tag("provider", "p1").tag("credential_kind", "byok")
                .timer();
        assertEquals(1, ttfb.count());
    }

    @Test
    void aCredentialBreakerOpeningIsCountedByProviderAndKindAndNeverNamesTheCredential() {
        withBreakers(1, Duration.ofMinutes(1));
        String dead = secret("status401");
        run(List.of(key("p1", dead, 0)), List.of(pooled("p1", secret("ok"))));
        Counter openings = registry.get(UpstreamMetrics.BREAKER_OPENINGS).tag("breaker", "credential")
                .tag("provider", "p1").tag("credential_kind", "byok").counter();
        assertEquals(1, openings.count());
        for (Meter meter : registry.getMeters()) {
            for (Tag tag : meter.getId().getTags()) {
                assertTrue(!tag.getValue().contains(dead), "no meter names the credential: " + meter.getId());
            }
        }

        run(List.of(key("p1", dead, 0)), List.of(pooled("p1", secret("ok"))));
        assertEquals(1, openings.count(), "skipped while open: no second opening");
        assertEquals(1, registry.get(UpstreamMetrics.SKIPPED).tag("provider", "p1").tag("credential_kind", "byok")
                .tag("reason", "circuit_open").counter().count());
    }

    @Test
    void anEndpointBreakerOpeningMovesItsStateGaugeFromClosedToOpenAndHalfOpenAtItsTrial() throws Exception {
        withBreakers(1, Duration.ofMillis(300));
        new GatewayGauges(registry, catalog, breakers, new AccountStates(JSON));
        var gauge = registry.get(GatewayGauges.BREAKER_STATE).tag("provider", "p1").tag("model", MODEL).gauge();
        assertEquals(0, gauge.value(), "closed");
        run(List.of(key("p1", secret("status503"), 0)), List.of(pooled("p2", secret("ok"))));
        assertEquals(2, gauge.value(), "open");
        assertEquals(1, registry.get(UpstreamMetrics.BREAKER_OPENINGS).tag("breaker", "endpoint")
                .tag("provider", "p1").counter().count());
        assertEquals(0, registry.get(GatewayGauges.BREAKER_STATE).tag("provider", "p2").gauge().value(),
                "one series per endpoint: p2 stays closed");
        Thread.sleep(350);
        assertNotNull(breakers.allow(CircuitBreakers.endpointKey(MODEL, "p1")), "the trial call");
        assertEquals(1, gauge.value(), "half-open");
    }

    @Test
    void everyEndpointOfTheCatalogHasItsBreakerGaugeFromTheStart() {
        new GatewayGauges(registry, catalog, breakers, new AccountStates(JSON));
        Set<String> providers = registry.get(GatewayGauges.BREAKER_STATE).gauges().stream()
                .map(g -> g.getId().getTag("provider")).collect(Collectors.toSet());
        assertEquals(Set.of("p1", "p2", "patient", "dead"), providers);
    }
}
