package io.keyway.billing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.keyway.billing.service.UsageConsumer;
import io.keyway.billing.service.UsageConsumers;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, billing's processing of a usage event joins the trace of the request it bills: the event's Kafka
 * record carries that request's context ({@code traceparent}, as the gateway's publish span writes it). One span per
 * applied batch, linked to each event's context, and child of it when the batch is that one event
 * ({@code service/UsageTracing} says why). Billing's own API joins its caller's trace too.
 */
@QuarkusTest
@TestProfile(UsageTracingTests.TracingOn.class)
class UsageTracingTests {

    /** Tracing on, with the spans exported every 50 ms (the default waits 5 s). */
    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.bsp.schedule.delay", "50ms");
        }
    }

    static final Random RANDOM = new Random();

    @Inject
    UsageConsumers consumers;

    @Inject
    InMemorySpanExporter exported;

    /** A generated W3C trace context, as the gateway's publish span would write it (sampled). */
    record Traceparent(String traceId, String spanId) {
        static Traceparent generate() {
            return new Traceparent(hex(16), hex(8));
        }

        String header() {
            return "00-" + traceId + "-" + spanId + "-01";
        }

        private static String hex(int bytes) {
            byte[] b = new byte[bytes];
            RANDOM.nextBytes(b);
            b[0] |= 1; // never all zeros (an invalid id)
            return HexFormat.of().formatHex(b);
        }
    }

    /** One partition, so the events sent before the consumer starts arrive in its first poll, as one batch. */
    static String topic() {
        String topic = "keyway.test.usage.tracing." + UUID.randomUUID();
        BillingTestTopics.createTopics(List.of(new NewTopic(topic, 1, (short) 1)));
        return topic;
    }

    /** Sends usage events, each with its request's trace context in its headers, and waits for the broker's ack. */
    static void send(String topic, Map<String, Traceparent> eventsByAccount) throws Exception {
        try (var producer = new KafkaProducer<String, byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BillingTestTopics.BOOTSTRAP, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (var e : eventsByAccount.entrySet()) {
                var record = new ProducerRecord<>(topic, e.getKey(), UsageEvents.nonByok(UsageEvents.id(), e.getKey(),
                        "2026-11-20T10:00:00Z", "0.01").getBytes(StandardCharsets.UTF_8));
                record.headers().add("traceparent", e.getValue().header().getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
            }
        }
    }

    /** The process span of {@code topic}, once exported. */
    SpanData processSpan(String topic) {
        return Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> exported.getFinishedSpanItems().stream()
                        .filter(s -> s.getName().equals("process " + topic)).findFirst().orElse(null),
                        java.util.Objects::nonNull);
    }

    static Set<String> linked(SpanData span) {
        return span.getLinks().stream().map(LinkData::getSpanContext)
                .map(c -> c.getTraceId() + "-" + c.getSpanId()).collect(Collectors.toSet());
    }

    @Test
    void aUsageEventAppliedAloneIsProcessedInASpanWhoseParentIsTheContextItCarries() throws Exception {
        String topic = topic();
        Traceparent request = Traceparent.generate();
        send(topic, Map.of(UsageEvents.newAccount(), request));
        SpanData span;
        try (UsageConsumer consumer = consumers.newConsumer(topic, "tracing-" + UUID.randomUUID(), null).start()) {
            span = processSpan(topic);
        }
        assertEquals(SpanKind.CONSUMER, span.getKind());
        assertEquals(request.traceId(), span.getTraceId(), "billing's span is in the request's trace");
        assertEquals(request.spanId(), span.getParentSpanId(), "its parent is the event's context");
        assertEquals(Set.of(request.traceId() + "-" + request.spanId()), linked(span));
        assertEquals("kafka", span.getAttributes().get(AttributeKey.stringKey("messaging.system")));
        assertEquals(topic, span.getAttributes().get(AttributeKey.stringKey("messaging.destination.name")));
        assertEquals(1L, span.getAttributes().get(AttributeKey.longKey("keyway.billing.applied")));
        assertNull(span.getAttributes().get(AttributeKey.longKey("messaging.batch.message_count")),
                "not a batch attribute on a single message's span");
    }

    @Test
    void aBatchOfUsageEventsIsOneProcessSpanLinkedToEachEventsContext() throws Exception {
        String topic = topic();
        Map<String, Traceparent> events = Map.of(UsageEvents.newAccount(), Traceparent.generate(),
                UsageEvents.newAccount(), Traceparent.generate(), UsageEvents.newAccount(), Traceparent.generate());
        send(topic, events);
        SpanData span;
        try (UsageConsumer consumer = consumers.newConsumer(topic, "tracing-" + UUID.randomUUID(), null).start()) {
            span = processSpan(topic);
        }
        assertEquals(events.values().stream().map(t -> t.traceId() + "-" + t.spanId()).collect(Collectors.toSet()),
                linked(span), "one link per event of the batch");
        assertFalse(span.getParentSpanContext().isValid(), "a batch of several requests has no single parent");
        assertEquals(3L, span.getAttributes().get(AttributeKey.longKey("messaging.batch.message_count")));
        assertEquals(3L, span.getAttributes().get(AttributeKey.longKey("keyway.billing.applied")));
        assertEquals(1, exported.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals("process " + topic)).count(), "one span for the batch, none per event");
    }

    @Test
    void aCallToBillingsApiWithATraceparentJoinsTheCallersTrace() {
        Traceparent caller = Traceparent.generate();
        given().header("Authorization", "Bearer local-gateway-token").header("traceparent", caller.header())
                .get("/internal/v1/api-keys/{k}/usage", "key-unused-" + UsageEvents.id()).then().statusCode(200);
        SpanData server = Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> exported.getFinishedSpanItems()
                .stream().filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(caller.traceId()))
                .findFirst().orElse(null), java.util.Objects::nonNull);
        assertEquals(caller.spanId(), server.getParentSpanId());
        SpanContext context = server.getSpanContext();
        assertEquals(caller.traceId(), context.getTraceId());
    }
}
