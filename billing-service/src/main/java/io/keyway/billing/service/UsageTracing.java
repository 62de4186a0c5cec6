package io.keyway.billing.service;

import io.keyway.contracts.TracingSwitch;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The span of each usage batch billing applies: {@code process keyway.usage.v1}, kind CONSUMER. Every usage event
 * carries the trace context of the request it bills in its Kafka headers ({@code traceparent}, written by the gateway's
 * publish span).
 * <p>One span per applied batch, with a link to each event's context, not a child span per event: that is what
 * OpenTelemetry's messaging conventions recommend for batch consumers (a "process" span that accounts for several
 * messages links to each message's creation context; a batch has no single parent), and it matches what happens here —
 * one PostgreSQL transaction for the whole poll, not one unit of work per event. When the batch holds exactly one
 * traced event (a quiet gateway), that event's context is also the span's parent, as the conventions allow for a single
 * message, so the billing of the request shows inside the request's own trace. The SDK keeps up to
 * {@code quarkus.otel.span.link.count.limit} links (128) of a larger batch.
 * <p>Tracing off ({@code KEYWAY_OTEL_ENDPOINT} unset): the batch is applied as is, no header is read.
 */
@ApplicationScoped
public class UsageTracing {

    /** A batch's work: applies it (one database transaction). */
    public interface Work {
        UsageBatchApplier.Applied apply() throws SQLException;
    }

    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<String> CONSUMER_GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    static final AttributeKey<Long> BATCH_COUNT = AttributeKey.longKey("messaging.batch.message_count");
    static final AttributeKey<Long> APPLIED = AttributeKey.longKey("keyway.billing.applied");
    static final AttributeKey<Long> DUPLICATES = AttributeKey.longKey("keyway.billing.duplicates");
    static final AttributeKey<Long> DEAD_LETTERED = AttributeKey.longKey("keyway.billing.dead_lettered");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    /** A Kafka record's headers as W3C trace context (the last value of each name). */
    private static final TextMapGetter<Headers> KAFKA_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> names = new ArrayList<>();
            for (Header h : headers) {
                names.add(h.key());
            }
            return names;
        }

        @Override
        public String get(Headers headers, String name) {
            Header h = headers == null ? null : headers.lastHeader(name);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    public UsageTracing(OpenTelemetry openTelemetry,
                        @ConfigProperty(name = TracingSwitch.SDK_DISABLED, defaultValue = "false") boolean sdkDisabled) {
        this.tracer = sdkDisabled ? null : openTelemetry.getTracer("io.keyway.billing");
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /** Applies {@code records} through {@code work} inside their batch's span (current while it runs, for the logs). */
    public UsageBatchApplier.Applied process(String topic, String consumerGroup,
                                             List<ConsumerRecord<String, byte[]>> records, Work work)
            throws SQLException {
        if (tracer == null) {
            return work.apply();
        }
        List<SpanContext> events = new ArrayList<>(Math.min(records.size(), 128));
        for (ConsumerRecord<String, byte[]> r : records) {
            SpanContext event = Span.fromContext(propagator.extract(Context.root(), r.headers(), KAFKA_HEADERS))
                    .getSpanContext();
            if (event.isValid()) {
                events.add(event);
            }
        }
        SpanBuilder builder = tracer.spanBuilder("process " + topic).setSpanKind(SpanKind.CONSUMER)
                .setAttribute(MESSAGING_SYSTEM, "kafka").setAttribute(DESTINATION, topic)
                .setAttribute(OPERATION_TYPE, "process").setAttribute(OPERATION_NAME, "process")
                .setAttribute(CONSUMER_GROUP, consumerGroup);
        if (records.size() > 1) {
            builder.setAttribute(BATCH_COUNT, (long) records.size());
        }
        if (records.size() == 1 && events.size() == 1) {
            builder.setParent(Context.root().with(Span.wrap(events.get(0))));
        } else {
            builder.setNoParent();
        }
        events.forEach(builder::addLink);
        Span span = builder.startSpan();
        try (Scope ignored = span.makeCurrent()) {
            UsageBatchApplier.Applied applied = work.apply();
            span.setAttribute(APPLIED, (long) applied.applied());
            span.setAttribute(DUPLICATES, (long) applied.duplicates());
            span.setAttribute(DEAD_LETTERED, (long) applied.deadLettered());
            return applied;
        } catch (SQLException | RuntimeException e) {
            span.setAttribute(ERROR_TYPE, e.getClass().getName());
            span.setStatus(StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }
}
