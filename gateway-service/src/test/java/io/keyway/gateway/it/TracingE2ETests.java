package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.logging.ConsoleFormat;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.junit.jupiter.api.Test;

/**
 * One trace per chat completion, end to end, with tracing on (the test profile turns the SDK on; the spans go to the
 * SDK's in-memory exporter instead of an OTLP endpoint): the request's server span, the key-service calls of a cold
 * cache as its children, the route span with one attempt span per upstream call, and the usage event's publish span,
 * whose context the Kafka record carries as {@code traceparent} for billing. And the JSON log lines written during a
 * traced request carry its trace id.
 */
@QuarkusTest
@TestProfile(TracingE2ETests.TracingOn.class)
@WithTestResource(KeywayServices.class)
class TracingE2ETests extends GatewayE2E {

    /** Tracing on, with the spans exported every 50 ms (the default waits 5 s), and JSON console logs. */
    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.bsp.schedule.delay", "50ms",
                    "KEYWAY_LOG_JSON", "true");
        }
    }

    static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
    static final AttributeKey<String> GENERATION_ID = AttributeKey.stringKey("keyway.generation_id");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

    @Inject
    InMemorySpanExporter exported;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    /** The spans of the trace whose server span answered the generation {@code publicId}, once its event is published. */
    List<SpanData> trace(String publicId) {
        String uuid = publicId.substring("gen-".length());
        List<SpanData> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<SpanData> all = exported.getFinishedSpanItems();
            SpanData server = all.stream().filter(s -> s.getKind() == SpanKind.SERVER
                    && publicId.equals(s.getAttributes().get(GENERATION_ID))).findFirst().orElse(null);
            if (server == null || all.stream().noneMatch(s -> s.getKind() == SpanKind.PRODUCER
                    && uuid.equals(s.getAttributes().get(MESSAGE_ID)))) {
                return false;
            }
            found.clear();
            all.stream().filter(s -> s.getTraceId().equals(server.getTraceId())).forEach(found::add);
            return true;
        });
        return found;
    }

    static SpanData one(List<SpanData> spans, java.util.function.Predicate<SpanData> which, String what) {
        List<SpanData> matching = spans.stream().filter(which).toList();
        assertEquals(1, matching.size(), () -> "one " + what + " in " + names(spans));
        return matching.get(0);
    }

    static String names(List<SpanData> spans) {
        return spans.stream().map(s -> s.getKind() + " " + s.getName() + " " + s.getAttributes()).toList().toString();
    }

    /** Quarkus' HTTP client spans of calls to {@code base} (their {@code url.full}). */
    static List<SpanData> calls(List<SpanData> spans, String base) {
        return spans.stream().filter(s -> s.getKind() == SpanKind.CLIENT && url(s).startsWith(base + "/")).toList();
    }

    static String url(SpanData span) {
        String url = span.getAttributes().get(URL_FULL);
        return url == null ? "" : url;
    }

    static List<SpanData> concat(List<SpanData> a, List<SpanData> b) {
        List<SpanData> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void aChatCompletionIsOneTraceOfItsRequestKeyServiceCallsRouteAttemptsAndUsagePublish() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        Seed.ApiKey fresh = seed.apiKey(account); // never seen by the gateway: resolving it asks key-service
        String byokSecret = secret("status503");
        String poolSecret = secret("ok");
        String byokId = seed.byok(account, CHEAP, byokSecret, Map.of());
        seed.pooled(CHEAP, poolSecret);
        String id;
        ConsumerRecord<String, String> event;
        try (var usage = new ChatCompletionsApiTests.UsageTopic(bootstrap)) {
            id = chat(fresh, body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                    .extract().jsonPath().getString("id");
            event = usage.await(id.substring("gen-".length()));
        }
        List<SpanData> spans = trace(id);

        SpanData server = one(spans, s -> s.getKind() == SpanKind.SERVER, "server span");
        assertFalse(server.getParentSpanContext().isValid(), "the request's span is the root: " + names(spans));
        assertEquals(account.id(), server.getAttributes().get(AttributeKey.stringKey("keyway.account_id")));

        List<SpanData> keyService = calls(spans, KeywayServices.keyServiceUrl);
        assertTrue(keyService.stream().anyMatch(s -> url(s).contains("/internal/v1/api-keys/" + fresh.hash()))
                        && keyService.stream().anyMatch(s -> url(s).endsWith("/accounts/" + account.id() + "/routing-view")),
                () -> "the cold API-key lookup and routing view are key-service client spans: " + names(spans));
        List<SpanData> billing = calls(spans, KeywayServices.billingUrl);
        assertTrue(billing.stream().anyMatch(s -> url(s).contains("/internal/v1/budget-leases/")),
                () -> "the account's first budget lease sync is a billing client span: " + names(spans));
        for (SpanData call : concat(keyService, billing)) {
            assertEquals(server.getSpanId(), call.getParentSpanId(), "service calls are children of the request");
        }

        SpanData route = one(spans, s -> s.getName().equals("keyway.route"), "route span");
        assertEquals(server.getSpanId(), route.getParentSpanId());
        assertEquals(List.of(CHEAP + ":byok", CHEAP + ":pooled"),
                route.getAttributes().get(AttributeKey.stringArrayKey("keyway.plan")));

        List<SpanData> attempts = spans.stream().filter(s -> s.getName().equals("keyway.attempt")).toList();
        assertEquals(2, attempts.size(), () -> names(spans));
        attempts.forEach(a -> assertEquals(route.getSpanId(), a.getParentSpanId(), "attempts are the route's children"));
        SpanData byok = one(attempts, a -> "byok".equals(a.getAttributes().get(AttributeKey.stringKey(
                "keyway.credential_kind"))), "BYOK attempt");
        assertEquals(byokId, byok.getAttributes().get(AttributeKey.stringKey("keyway.byok_key_id")));
        assertEquals(503L, byok.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
        assertEquals(CHEAP, byok.getAttributes().get(AttributeKey.stringKey("keyway.provider")));
        assertEquals("openai-compatible", byok.getAttributes().get(AttributeKey.stringKey("keyway.adapter")));
        SpanData pooled = one(attempts, a -> "pooled".equals(a.getAttributes().get(AttributeKey.stringKey(
                "keyway.credential_kind"))), "pooled attempt");
        assertEquals(200L, pooled.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
        assertNull(pooled.getAttributes().get(AttributeKey.stringKey("keyway.byok_key_id")));
        assertTrue(calls(spans, "http://127.0.0.1:" + KeywayServices.upstream.port()).isEmpty(),
                "upstream calls are traced as attempts only, and carry no trace context: " + names(spans));

        SpanData publish = one(spans, s -> s.getKind() == SpanKind.PRODUCER, "publish span");
        assertEquals("publish keyway.usage.v1", publish.getName());
        assertEquals(server.getSpanId(), publish.getParentSpanId());
        Header traceparent = event.headers().lastHeader("traceparent");
        assertNotNull(traceparent, "the usage event carries the trace context");
        assertEquals("00-" + server.getTraceId() + "-" + publish.getSpanId() + "-01",
                new String(traceparent.value(), StandardCharsets.UTF_8));

        String everything = spans.toString();
        for (String forbidden : List.of(byokSecret, poolSecret, fresh.key(), "Say hello")) {
            assertFalse(everything.contains(forbidden), "a span holds a secret or the prompt");
        }
    }

    @Test
    void aJsonLogLineWrittenDuringATracedRequestCarriesItsTraceAndSpanIds() throws Exception {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, CHEAP, secret("hugebody"), Map.of()); // its answer is over the limit: a WARN line
        seed.pooled(CHEAP, secret("ok"));
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Formatter json = ConsoleFormat.formatter();
        Handler capture = new ExtHandler() {
            @Override
            protected void doPublish(ExtLogRecord record) {
                lines.add(json.format(record)); // formatted at once, on the thread that logged (its MDC)
            }
        };
        Logger root = LogContext.getLogContext().getLogger("");
        root.addHandler(capture);
        String id;
        try {
            id = chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                    .extract().jsonPath().getString("id");
        } finally {
            root.removeHandler(capture);
        }
        String traceId = one(trace(id), s -> s.getKind() == SpanKind.SERVER, "server span").getTraceId();
        ObjectMapper mapper = new ObjectMapper();
        JsonNode warning = null;
        for (String line : List.copyOf(lines)) {
            JsonNode node = mapper.readTree(line);
            if (node.path("message").asText().contains("larger than")) {
                warning = node;
            }
        }
        assertNotNull(warning, () -> "the oversized answer was logged: " + lines);
        assertEquals(traceId, warning.path("mdc").path("traceId").asText(), warning::toString);
        assertEquals(16, warning.path("mdc").path("spanId").asText().length(), warning::toString);
    }
}
