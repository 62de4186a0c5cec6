package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.RoutingView;
import io.keyway.contracts.RoutingView.ByokKey;
import io.keyway.contracts.RoutingView.Credential;
import io.keyway.contracts.RoutingView.PooledCredential;
import io.keyway.contracts.Topics;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.routing.Router;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own spans ({@link RequestTrace}) as the real {@link CompletionExecutor} walks a plan with the real
 * OpenAI-compatible adapter over HTTP against the upstream STAND-IN (fault injection by credential), exported by the
 * SDK's in-memory exporter: their parents, names and attributes, and that they never hold a secret or the prompt.
 * The request's server span is played by a span of the test. The whole service, with Quarkus' own spans, Kafka and the
 * other services, is {@code it/TracingE2ETests}.
 */
class RequestTraceTests extends ExecutorOverStandIn {

    static final String PROMPT = "a prompt that must never reach a span";

    final InMemorySpanExporter exported = InMemorySpanExporter.create();
    final SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
    final Tracer tracer = tracerProvider.get(Tracing.SCOPE);
    CircuitBreakers breakers;
    CompletionExecutor executor;

    @BeforeAll
    static void start() throws Exception {
        startStandIn("""
                {"providers": [
                  {"slug": "p1", "name": "P1", "adapter": "openai-compatible", "base_url": "%1$s"},
                  {"slug": "p2", "name": "P2", "adapter": "openai-compatible", "base_url": "%1$s"},
                  {"slug": "dead", "name": "Dead", "adapter": "openai-compatible", "base_url": "http://127.0.0.1:%2$d/v1"}],
                 "models": [{"id": "t/m", "endpoints": [
                   {"provider": "p1", "upstream_model": "m-p1", "pricing": {"prompt": "0.000001", "completion": "0.000001", "request": "0"}},
                   {"provider": "p2", "upstream_model": "m-p2", "pricing": {"prompt": "0.000002", "completion": "0.000002", "request": "0"}},
                   {"provider": "dead", "upstream_model": "m-dead", "pricing": {"prompt": "0.000003", "completion": "0.000003", "request": "0"}}]}]}
                """, path -> config(path, 1000, Duration.ofMinutes(1)));
    }

    @BeforeEach
    void fresh() {
        upstream.reset();
        withBreakers(1000);
    }

    @AfterEach
    void closeProvider() {
        tracerProvider.close();
    }

    void withBreakers(int threshold) {
        GatewayConfig config = config(null, threshold, Duration.ofMinutes(1));
        breakers = new CircuitBreakers(config);
        executor = executor(config, breakers, new EndpointMeasurements());
    }

    /** A BYOK key whose id differs from its secret, so that a test can tell which one a span holds. */
    static ByokKey byok(String id, String section, String provider, String secret) {
        return new ByokKey(id, provider, section, 0, false, null, null, new Credential(secret));
    }

    /** One traced request: its server span (played by the test), its generation, and every span it exported. */
    record Traced(SpanData server, Generation generation, List<SpanData> spans) {
        List<SpanData> named(String name) {
            return spans.stream().filter(s -> s.getName().equals(name)).toList();
        }

        SpanData route() {
            List<SpanData> routes = named("keyway.route");
            assertEquals(1, routes.size(), () -> "one route span: " + spans);
            return routes.get(0);
        }

        List<SpanData> attempts() {
            return named("keyway.attempt");
        }
    }

    Traced run(List<ByokKey> keys, List<PooledCredential> pools) {
        RoutingView view = new RoutingView("acct", "1", Router.BYOK_FIRST, List.of(), keys, pools);
        Span server = tracer.spanBuilder("POST /api/v1/chat/completions").setSpanKind(SpanKind.SERVER).startSpan();
        Generation g = call(executor, view, body(PROMPT, ""), generation -> generation.trace = new RequestTrace(tracer,
                W3CTraceContextPropagator.getInstance(), Context.root().with(server))).generation();
        server.end();
        List<SpanData> spans = exported.getFinishedSpanItems();
        SpanData serverData = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
        return new Traced(serverData, g, spans);
    }

    static <T> T attr(SpanData span, AttributeKey<T> key) {
        return span.getAttributes().get(key);
    }

    @Test
    void eachUpstreamCallIsAnAttemptSpanUnderTheRouteSpanWithProviderAdapterCredentialKindStatusAndByokKeyId() {
        String failing = secret("status503");
        String pool = secret("ok");
        Traced t = run(List.of(byok("byok-key-1", "PRIORITIZED", "p1", failing)),
                List.of(new PooledCredential("pooled-p1", "p1", new Credential(pool))));
        SpanData route = t.route();
        assertEquals(t.server().getSpanId(), route.getParentSpanId(), "the route span is a child of the request's");
        assertEquals(t.server().getTraceId(), route.getTraceId());
        assertEquals(List.of("p1:byok", "p1:pooled"), attr(route, RequestTrace.PLAN));
        assertEquals(2L, attr(route, RequestTrace.PLAN_ATTEMPTS));
        assertEquals(t.generation().publicId(), attr(route, RequestTrace.GENERATION_ID));
        assertEquals("answered", attr(route, RequestTrace.OUTCOME));
        assertEquals("p1", attr(route, RequestTrace.PROVIDER));
        assertEquals("pooled", attr(route, RequestTrace.CREDENTIAL_KIND), "what served the request");

        List<SpanData> attempts = t.attempts();
        assertEquals(2, attempts.size(), () -> "one span per upstream call: " + t.spans());
        attempts.forEach(a -> assertEquals(route.getSpanId(), a.getParentSpanId(), "attempts are children of the route"));
        attempts.forEach(a -> assertEquals(SpanKind.CLIENT, a.getKind()));
        SpanData byok = attempts.stream().filter(a -> attr(a, RequestTrace.ATTEMPT_INDEX) == 0L).findFirst().orElseThrow();
        SpanData pooled = attempts.stream().filter(a -> attr(a, RequestTrace.ATTEMPT_INDEX) == 1L).findFirst().orElseThrow();
        assertEquals("p1", attr(byok, RequestTrace.PROVIDER));
        assertEquals("openai-compatible", attr(byok, RequestTrace.ADAPTER));
        assertEquals(MODEL, attr(byok, RequestTrace.MODEL));
        assertEquals("byok", attr(byok, RequestTrace.CREDENTIAL_KIND));
        assertEquals("byok-key-1", attr(byok, RequestTrace.BYOK_KEY_ID));
        assertEquals(503L, attr(byok, RequestTrace.HTTP_STATUS));
        assertEquals("error", attr(byok, RequestTrace.OUTCOME));
        assertEquals(StatusCode.ERROR, byok.getStatus().getStatusCode());
        assertEquals("pooled", attr(pooled, RequestTrace.CREDENTIAL_KIND));
        assertNull(attr(pooled, RequestTrace.BYOK_KEY_ID), "a pooled credential's id is the platform's, not a BYOK key");
        assertEquals(200L, attr(pooled, RequestTrace.HTTP_STATUS));
        assertEquals("success", attr(pooled, RequestTrace.OUTCOME));
        assertFalse(byok.getEndEpochNanos() > pooled.getStartEpochNanos(), "the second call starts after the first");
    }

    @Test
    void aFallbackKeyTriedAfterPooledCapacityIsAnAttemptOfKindFallback() {
        Traced t = run(List.of(byok("fallback-key-1", "FALLBACK", "p1", secret("ok"))),
                List.of(new PooledCredential("pooled-p1", "p1", new Credential(secret("status500")))));
        assertEquals(List.of("p1:pooled", "p1:fallback"), attr(t.route(), RequestTrace.PLAN));
        List<String> kinds = t.attempts().stream()
                .sorted((a, b) -> Long.compare(attr(a, RequestTrace.ATTEMPT_INDEX), attr(b, RequestTrace.ATTEMPT_INDEX)))
                .map(a -> attr(a, RequestTrace.CREDENTIAL_KIND) + " " + attr(a, RequestTrace.HTTP_STATUS)).toList();
        assertEquals(List.of("pooled 500", "fallback 200"), kinds);
        assertEquals("fallback-key-1", attr(t.attempts().stream()
                .filter(a -> "fallback".equals(attr(a, RequestTrace.CREDENTIAL_KIND))).findFirst().orElseThrow(),
                RequestTrace.BYOK_KEY_ID));
    }

    @Test
    void aCallEndedWithoutAnHttpAnswerNamesWhatEndedItInsteadOfAStatus() {
        Traced t = run(List.of(byok("reset-key", "PRIORITIZED", "p1", secret("reset")),
                        byok("dead-key", "PRIORITIZED", "dead", secret("ok"))),
                List.of(new PooledCredential("pooled-p2", "p2", new Credential(secret("ok")))));
        List<String> outcomes = t.attempts().stream()
                .sorted((a, b) -> Long.compare(attr(a, RequestTrace.ATTEMPT_INDEX), attr(b, RequestTrace.ATTEMPT_INDEX)))
                .map(a -> attr(a, RequestTrace.OUTCOME) + " " + attr(a, RequestTrace.HTTP_STATUS)).toList();
        assertEquals(List.of("reset null", "connect null", "success 200"), outcomes);
        assertEquals("connect", attr(t.attempts().stream().filter(a -> "dead".equals(attr(a, RequestTrace.PROVIDER)))
                .findFirst().orElseThrow(), RequestTrace.ERROR_TYPE));
    }

    @Test
    void whenNoAttemptAnswersTheRouteSpanIsAnErrorCarryingTheStatusReturnedToTheClient() {
        Traced t = run(List.of(byok("k", "PRIORITIZED", "p1", secret("status429"))), List.of());
        SpanData route = t.route();
        assertEquals(StatusCode.ERROR, route.getStatus().getStatusCode());
        assertEquals("failed", attr(route, RequestTrace.OUTCOME));
        assertEquals(429L, attr(route, RequestTrace.HTTP_STATUS));
    }

    @Test
    void aCandidateSkippedByItsOpenBreakerIsAnEventOfTheRouteSpanNotAnAttemptSpan() {
        withBreakers(1);
        breakers.failure(breakers.allow(CircuitBreakers.credentialKey("dead-byok"))); // known dead: skipped, no call
        Traced t = run(List.of(byok("dead-byok", "PRIORITIZED", "p1", secret("ok"))),
                List.of(new PooledCredential("pooled-p1", "p1", new Credential(secret("ok")))));
        assertEquals(1, t.attempts().size(), () -> "only the call made has a span: " + t.spans());
        List<EventData> events = t.route().getEvents();
        assertEquals(1, events.size(), events::toString);
        assertEquals("keyway.attempt.skipped", events.get(0).getName());
        assertEquals("circuit_open", events.get(0).getAttributes().get(RequestTrace.OUTCOME));
        assertEquals("dead-byok", events.get(0).getAttributes().get(RequestTrace.BYOK_KEY_ID));
    }

    @Test
    void noSpanHoldsASecretOrThePrompt() {
        String byokSecret = secret("status500");
        String pooledSecret = secret("ok");
        Traced t = run(List.of(byok("byok-key-2", "PRIORITIZED", "p1", byokSecret)),
                List.of(new PooledCredential("pooled-p1", "p1", new Credential(pooledSecret))));
        String everything = t.spans().toString();
        for (String forbidden : List.of(byokSecret, pooledSecret, PROMPT)) {
            assertFalse(everything.contains(forbidden), "a span holds " + forbidden);
        }
    }

    @Test
    void theUsageRecordCarriesItsPublishSpansContextAsTraceparentUnderTheRequest() {
        Span server = tracer.spanBuilder("request").setSpanKind(SpanKind.SERVER).startSpan();
        RequestTrace trace = new RequestTrace(tracer, W3CTraceContextPropagator.getInstance(),
                Context.root().with(server));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.USAGE, "acct",
                "{}".getBytes(StandardCharsets.UTF_8));
        Span publish = trace.publish(record, "event-1");
        RequestTrace.published(publish, null);
        server.end();
        SpanData span = exported.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.PRODUCER)
                .findFirst().orElseThrow();
        assertEquals("publish " + Topics.USAGE, span.getName());
        assertEquals(server.getSpanContext().getSpanId(), span.getParentSpanId());
        assertEquals("kafka", attr(span, RequestTrace.MESSAGING_SYSTEM));
        assertEquals(Topics.USAGE, attr(span, RequestTrace.DESTINATION));
        assertEquals("event-1", attr(span, RequestTrace.MESSAGE_ID));
        Header traceparent = record.headers().lastHeader("traceparent");
        assertNotNull(traceparent, "the record carries W3C trace context");
        assertEquals("00-" + span.getTraceId() + "-" + span.getSpanId() + "-01",
                new String(traceparent.value(), StandardCharsets.UTF_8));
    }

    @Test
    void tracingOffGivesEveryRequestTheTraceThatMakesNoSpanAndWritesNoHeader() {
        Generation g = new Generation("acct", "api-1", MODEL, false);
        assertSame(RequestTrace.OFF, new Tracing(OpenTelemetry.noop(), true).request(g));
        assertSame(RequestTrace.OFF, g.trace, "a generation starts untraced");
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.USAGE, "acct", new byte[0]);
        Span publish = RequestTrace.OFF.publish(record, "event-1");
        assertFalse(publish.getSpanContext().isValid());
        assertFalse(record.headers().iterator().hasNext(), "no trace context goes with the event");
        assertFalse(RequestTrace.OFF.attempt(null, null).getSpanContext().isValid());
        RequestTrace.OFF.skipped(null, "circuit_open");
        assertTrue(exported.getFinishedSpanItems().isEmpty());
    }
}
