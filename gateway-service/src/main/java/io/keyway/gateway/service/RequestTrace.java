package io.keyway.gateway.service;

import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.service.routing.Attempt;
import io.keyway.gateway.service.routing.CredentialKind;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;

/**
 * The gateway's own spans of one chat completion, below the request's server span (Quarkus' Vert.x instrumentation):
 * <pre>
 * POST /api/v1/chat/completions          SERVER    keyway.generation_id, keyway.account_id
 * ├─ GET / POST (key-service, billing)   CLIENT    Quarkus' Vert.x HTTP client instrumentation (cache misses, lease syncs)
 * ├─ keyway.route                        INTERNAL  the plan walked: keyway.plan, until an answer begins or the last failure
 * │  ├─ keyway.attempt                   CLIENT    one upstream call: provider, adapter, credential kind, status, byok key id
 * │  └─ (event keyway.attempt.skipped)             a candidate not called (breaker open, secret store down, …)
 * └─ publish keyway.usage.v1             PRODUCER  the usage event handed to Kafka; its context is the record's traceparent
 * </pre>
 * Upstream calls carry no trace context to the providers (their clients ignore tracing): the attempt span stands for
 * the call. Attributes are ids, slugs, counts and statuses, never a secret or any part of the prompt or answer.
 * <p>{@link #OFF} (tracing off) returns at the first line of every method. The route and attempt methods run on the
 * request's event loop, as the {@link Generation} that holds this does; {@link #publish} runs on the usage sender's
 * thread and reads only the final fields.
 */
public final class RequestTrace {

    /** Every request's trace while tracing is off. */
    public static final RequestTrace OFF = new RequestTrace(null, null, null);

    static final AttributeKey<String> GENERATION_ID = AttributeKey.stringKey("keyway.generation_id");
    static final AttributeKey<String> ACCOUNT_ID = AttributeKey.stringKey("keyway.account_id");
    static final AttributeKey<String> MODEL = AttributeKey.stringKey("keyway.model");
    static final AttributeKey<Boolean> STREAM = AttributeKey.booleanKey("keyway.stream");
    static final AttributeKey<List<String>> PLAN = AttributeKey.stringArrayKey("keyway.plan");
    static final AttributeKey<Long> PLAN_ATTEMPTS = AttributeKey.longKey("keyway.plan.attempts");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("keyway.provider");
    static final AttributeKey<String> ADAPTER = AttributeKey.stringKey("keyway.adapter");
    static final AttributeKey<String> CREDENTIAL_KIND = AttributeKey.stringKey("keyway.credential_kind");
    static final AttributeKey<String> BYOK_KEY_ID = AttributeKey.stringKey("keyway.byok_key_id");
    static final AttributeKey<Long> ATTEMPT_INDEX = AttributeKey.longKey("keyway.attempt.index");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("keyway.outcome");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<Long> BODY_SIZE = AttributeKey.longKey("messaging.message.body.size");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");

    /** W3C trace context into a Kafka record's headers (one value per name). */
    private static final TextMapSetter<Headers> KAFKA_HEADERS = (headers, name, value) -> {
        if (headers != null) {
            headers.remove(name).add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    };

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    /** The request's server span's context: parent of the route span and of the usage event's publish span. */
    private final Context request;
    private Span route;
    private Context routeContext;
    private int attempts;

    RequestTrace(Tracer tracer, TextMapPropagator propagator, Context request) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.request = request;
    }

    /**
     * Starts the route span over the plan's {@code candidates}; it ends when {@code result} does: the answer has begun,
     * or the request's final error (its status) is known.
     */
    void route(List<Attempt> candidates, Generation generation, Future<CompletionExecutor.Success> result) {
        if (tracer == null) {
            return;
        }
        Span span = tracer.spanBuilder("keyway.route").setParent(request).setSpanKind(SpanKind.INTERNAL).startSpan();
        route = span;
        routeContext = request.with(span);
        if (!span.isRecording()) {
            return; // not sampled: its attempts are not either
        }
        String[] plan = new String[candidates.size()];
        for (int i = 0; i < plan.length; i++) {
            Attempt a = candidates.get(i);
            plan[i] = a.provider() + ":" + credentialKind(a.kind());
        }
        span.setAttribute(GENERATION_ID, generation.publicId());
        span.setAttribute(MODEL, generation.requestedModel);
        span.setAttribute(STREAM, generation.streamed);
        span.setAttribute(PLAN, List.of(plan));
        span.setAttribute(PLAN_ATTEMPTS, (long) plan.length);
        result.onComplete(outcome -> {
            if (outcome.succeeded()) {
                Attempt served = outcome.result().attempt();
                span.setAttribute(OUTCOME, "answered");
                span.setAttribute(PROVIDER, served.provider());
                span.setAttribute(CREDENTIAL_KIND, credentialKind(served.kind()));
            } else {
                int status = outcome.cause() instanceof GatewayError e ? e.status() : 500;
                span.setAttribute(OUTCOME, "failed");
                span.setAttribute(HTTP_STATUS, (long) status);
                span.setStatus(StatusCode.ERROR, "no attempt answered: " + status);
            }
            span.end();
        });
    }

    /** Starts the span of one upstream call; end it with {@link #attemptEnded}. An invalid span when off. */
    Span attempt(Attempt attempt, ProviderSpec provider) {
        if (tracer == null) {
            return Span.getInvalid();
        }
        Span span = tracer.spanBuilder("keyway.attempt").setParent(routeContext != null ? routeContext : request)
                .setSpanKind(SpanKind.CLIENT).startSpan();
        if (span.isRecording()) {
            span.setAttribute(ATTEMPT_INDEX, (long) attempts);
            span.setAttribute(PROVIDER, attempt.provider());
            span.setAttribute(ADAPTER, provider.adapter());
            span.setAttribute(MODEL, attempt.model().id());
            span.setAttribute(CREDENTIAL_KIND, credentialKind(attempt.kind()));
            if (attempt.byok()) {
                span.setAttribute(BYOK_KEY_ID, attempt.credentialId()); // the key's id, never its secret
            }
        }
        attempts++;
        return span;
    }

    /** Ends an attempt's span with the upstream's status, or what ended the call without one (timeout, reset, …). */
    static void attemptEnded(Span span, AsyncResult<?> outcome) {
        if (!span.isRecording()) {
            return;
        }
        if (outcome.succeeded()) {
            span.setAttribute(HTTP_STATUS, 200L);
            span.setAttribute(OUTCOME, "success");
        } else if (outcome.cause() instanceof UpstreamError u) {
            span.setAttribute(HTTP_STATUS, (long) u.status());
            span.setAttribute(OUTCOME, u.requestError() ? "request_error" : "error");
            span.setAttribute(ERROR_TYPE, Integer.toString(u.status()));
            span.setStatus(StatusCode.ERROR);
        } else {
            String kind = UpstreamException.of(outcome.cause()).kind().name().toLowerCase(Locale.ROOT);
            span.setAttribute(OUTCOME, kind);
            span.setAttribute(ERROR_TYPE, kind);
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /** A candidate of the plan that was not called ({@code outcome}: why), as an event of the route span. */
    void skipped(Attempt attempt, String outcome) {
        if (route == null || !route.isRecording()) {
            return;
        }
        AttributesBuilder attributes = Attributes.builder().put(PROVIDER, attempt.provider())
                .put(CREDENTIAL_KIND, credentialKind(attempt.kind())).put(OUTCOME, outcome);
        if (attempt.byok()) {
            attributes.put(BYOK_KEY_ID, attempt.credentialId());
        }
        route.addEvent("keyway.attempt.skipped", attributes.build());
    }

    /**
     * Starts the span of handing {@code record} (the request's usage event, {@code eventId}) to Kafka and writes its
     * context into the record's headers ({@code traceparent}), so that billing's processing joins the trace. End it
     * with {@link #published} from the producer's callback. An invalid span, and no header, when off.
     */
    Span publish(ProducerRecord<String, byte[]> record, String eventId) {
        if (tracer == null) {
            return Span.getInvalid();
        }
        Span span = tracer.spanBuilder("publish " + record.topic()).setParent(request)
                .setSpanKind(SpanKind.PRODUCER).startSpan();
        if (span.isRecording()) {
            span.setAttribute(MESSAGING_SYSTEM, "kafka");
            span.setAttribute(DESTINATION, record.topic());
            span.setAttribute(OPERATION_TYPE, "publish");
            span.setAttribute(OPERATION_NAME, "send");
            span.setAttribute(MESSAGE_ID, eventId);
            span.setAttribute(BODY_SIZE, (long) record.value().length);
        }
        propagator.inject(request.with(span), record.headers(), KAFKA_HEADERS); // also when not sampled: billing follows
        return span;
    }

    /** Ends a publish span when the broker acknowledged the record ({@code failure} null) or did not take it. */
    static void published(Span span, Exception failure) {
        if (!span.isRecording()) {
            return;
        }
        if (failure != null) {
            span.setAttribute(ERROR_TYPE, failure.getClass().getName());
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /** byok, pooled or fallback: the three kinds of credential a plan walks (DESIGN.md §2, its phases). */
    static String credentialKind(CredentialKind kind) {
        return switch (kind) {
            case BYOK_PRIORITIZED -> "byok";
            case POOLED -> "pooled";
            case BYOK_FALLBACK -> "fallback";
        };
    }
}
