package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.ProviderAdapters;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.provider.UpstreamResponse;
import io.keyway.gateway.provider.openaicompatible.OpenAiCompatibleAdapter;
import io.keyway.gateway.service.Generation.AttemptRecord;
import io.keyway.gateway.service.catalog.ModelCatalog;
import io.keyway.gateway.service.routing.Attempt;
import io.keyway.gateway.service.routing.RoutingPlan;
import io.keyway.gateway.provider.UpstreamCall;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Walks a {@link RoutingPlan}'s attempts in order (DESIGN.md §2) until one succeeds:
 * <ul>
 * <li>success: for JSON, a 200 with its whole body; for streams, a 200 and its first body chunk — nothing reaches the
 *     client before that, so falling back is allowed exactly until then;</li>
 * <li>retryable failure (connect error, timeout, reset, 401/402/403/408/429, 5xx, and other unexpected upstream
 *     answers): next attempt — unless the attempt ends an always-use group, then that key's failure is returned
 *     as-is and routing stops;</li>
 * <li>request error (400, 413, 422 from upstream): returned at once;</li>
 * <li>an attempt whose endpoint or credential breaker is open is skipped without a call.</li>
 * </ul>
 * When every attempt fails the last failure is returned with every attempt in {@code metadata.attempts}.
 */
@ApplicationScoped
public class CompletionExecutor {

    static final Set<Integer> REQUEST_ERRORS = Set.of(400, 413, 422);
    static final int MAX_RAW_CHARS = 2000;

    /** The attempt that succeeded, its upstream exchange, and its whole body (JSON) or first chunk (stream). */
    public record Success(Attempt attempt, ProviderSpec provider, UpstreamResponse upstream, Buffer body) {
    }

    /** One failed attempt, kept to build the final error. */
    record Failure(Attempt attempt, ProviderSpec provider, int status, String raw, boolean requestError) {
    }

    private final ModelCatalog catalog;
    private final ProviderAdapters adapters;
    private final CircuitBreakers breakers;
    private final long totalTimeoutMs;

    public CompletionExecutor(ModelCatalog catalog, ProviderAdapters adapters, CircuitBreakers breakers,
                              GatewayConfig config) {
        this.catalog = catalog;
        this.adapters = adapters;
        this.breakers = breakers;
        this.totalTimeoutMs = config.upstream().totalTimeout().toMillis();
    }

    /**
     * Fails with a {@link GatewayError} carrying the final failure when no attempt succeeds. On Vert.x futures, no
     * reactive pipeline per attempt; callbacks run on the thread that completes the upstream exchange (the request's
     * event loop).
     */
    public Future<Success> run(RoutingPlan plan, ChatRequest request, Generation generation) {
        List<Attempt> attempts = new ArrayList<>();
        plan.routes().forEach(r -> attempts.addAll(r.attempts()));
        Promise<Success> result = Promise.promise();
        next(attempts, 0, request, generation, new ArrayList<>(), result);
        return result.future();
    }

    private void next(List<Attempt> attempts, int index, ChatRequest request, Generation generation,
                      List<Failure> failures, Promise<Success> result) {
        if (index >= attempts.size()) {
            result.fail(finalError(failures, generation));
            return;
        }
        Attempt attempt = attempts.get(index);
        String endpointKey = CircuitBreakers.endpointKey(attempt.model().id(), attempt.provider());
        String credentialKey = CircuitBreakers.credentialKey(attempt.credentialId());
        ProviderSpec provider = catalog.provider(attempt.provider());
        boolean endpointAllowed = breakers.allow(endpointKey);
        if (!endpointAllowed || !breakers.allow(credentialKey)) {
            if (endpointAllowed) {
                breakers.release(endpointKey); // a half-open endpoint's trial was claimed but is not used
            }
            generation.record(record(attempt, 0, "circuit_open", 0));
            if (attempt.alwaysUse()) {
                // An always-use key skipped by its breaker has failed as surely as one that was called.
                failures.add(new Failure(attempt, provider, 503,
                        "not tried: the circuit breaker of this key or endpoint is open after recent failures", false));
            }
            if (attempt.endsAlwaysUseGroup()) {
                Failure alwaysUse = alwaysUseFailure(attempt, failures);
                if (alwaysUse != null) {
                    result.fail(upstreamError(alwaysUse, clientStatus(alwaysUse), generation));
                    return;
                }
            }
            next(attempts, index + 1, request, generation, failures, result);
            return;
        }
        ProviderAdapter adapter = adapters.forAdapter(provider.adapter());
        long start = System.nanoTime();
        Promise<Success> done = Promise.promise();
        UpstreamCall call = adapter.chatCompletion(provider, attempt.endpoint(), attempt.credential(),
                request.upstreamBody(), request.stream());
        // The total timeout covers a JSON answer's head and body; a stream's relay keeps its own timer.
        LoopTimeout timer = request.stream() ? null : LoopTimeout.start(totalTimeoutMs, () -> {
            if (done.tryFail(new UpstreamException(UpstreamException.Kind.TIMEOUT, "total timeout"))) {
                call.cancel(); // end the exchange, free the connection
            }
        });
        call.response().onComplete(head -> {
            if (head.failed()) {
                done.tryFail(head.cause());
                return;
            }
            UpstreamResponse up = head.result();
            if (up.status() == 200) {
                (request.stream() ? firstChunk(up) : wholeBody(up)).onComplete(body -> {
                    if (body.succeeded()) {
                        done.tryComplete(new Success(attempt, provider, up, body.result()));
                    } else {
                        done.tryFail(body.cause());
                    }
                });
            } else {
                wholeBody(up).onComplete(body -> done.tryFail(body.succeeded()
                        ? new UpstreamStatus(up.status(), truncate(body.result().toString(StandardCharsets.UTF_8)))
                        : body.cause()));
            }
        });
        done.future().onComplete(outcome -> {
            if (timer != null) {
                timer.cancel();
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (outcome.succeeded()) {
                generation.record(record(attempt, 200, "success", ms));
                breakers.success(endpointKey, ms);
                breakers.success(credentialKey, ms);
                result.complete(outcome.result());
                return;
            }
            Throwable f = outcome.cause();
            Failure failure = failure(attempt, provider, f);
            generation.record(record(attempt, failure.status(),
                    f instanceof UpstreamException u ? u.kind().name().toLowerCase() : "error", ms));
            failures.add(failure);
            if (failure.requestError()) {
                breakers.release(endpointKey);
                breakers.release(credentialKey);
                result.fail(upstreamError(failure, failure.status(), generation));
                return;
            }
            blame(failure, endpointKey, credentialKey);
            if (attempt.endsAlwaysUseGroup()) {
                Failure alwaysUse = alwaysUseFailure(attempt, failures);
                Failure returned = alwaysUse != null ? alwaysUse : failure;
                result.fail(upstreamError(returned, clientStatus(returned), generation));
                return;
            }
            next(attempts, index + 1, request, generation, failures, result);
        });
    }

    /** The last failure of an always-use key of this attempt's provider, or null. */
    private static Failure alwaysUseFailure(Attempt attempt, List<Failure> failures) {
        Failure found = null;
        for (Failure f : failures) {
            if (f.attempt().alwaysUse() && f.attempt().provider().equals(attempt.provider())) {
                found = f;
            }
        }
        return found;
    }

    /** 401/402/403/429 say something about the credential; timeouts, resets and 5xx about the endpoint. */
    private void blame(Failure failure, String endpointKey, String credentialKey) {
        int s = failure.status();
        if (s == 401 || s == 402 || s == 403 || s == 429) {
            breakers.failure(credentialKey);
            breakers.release(endpointKey);
        } else {
            breakers.failure(endpointKey);
            breakers.release(credentialKey);
        }
    }

    private Failure failure(Attempt attempt, ProviderSpec provider, Throwable f) {
        if (f instanceof UpstreamStatus u) {
            return new Failure(attempt, provider, u.status, scrub(u.raw, attempt), REQUEST_ERRORS.contains(u.status));
        }
        UpstreamException u = OpenAiCompatibleAdapter.classify(f);
        int status = u.kind() == UpstreamException.Kind.TIMEOUT ? 504 : 502;
        return new Failure(attempt, provider, status, "upstream " + u.getMessage(), false);
    }

    private static int clientStatus(Failure f) {
        return f.status() >= 400 && f.status() <= 599 ? f.status() : 502;
    }

    private GatewayError finalError(List<Failure> failures, Generation generation) {
        if (failures.isEmpty()) {
            ObjectNode metadata = JsonNodeFactory.instance.objectNode();
            attemptsInto(metadata, generation);
            return new GatewayError(503, "No provider is available right now: every candidate's circuit breaker is open",
                    metadata);
        }
        Failure last = failures.get(failures.size() - 1);
        return upstreamError(last, clientStatus(last), generation);
    }

    /** OpenRouter's shape for upstream errors: "Provider returned error" with provider_name, is_byok, raw. */
    private GatewayError upstreamError(Failure f, int status, Generation generation) {
        ObjectNode metadata = JsonNodeFactory.instance.objectNode();
        metadata.put("provider_name", f.provider().name() != null ? f.provider().name() : f.provider().slug());
        metadata.put("is_byok", f.attempt().byok());
        metadata.put("raw", f.raw());
        if (f.status() >= 100) {
            metadata.put("provider_error_code", f.status());
        }
        attemptsInto(metadata, generation);
        return new GatewayError(status, "Provider returned error", metadata);
    }

    private static void attemptsInto(ObjectNode metadata, Generation generation) {
        var list = metadata.putArray("attempts");
        for (AttemptRecord a : generation.attempts()) {
            ObjectNode n = list.addObject();
            n.put("model", a.model());
            n.put("provider", a.provider());
            n.put("credential", a.credentialKind());
            if (a.byokKeyId() != null) {
                n.put("byok_key_id", a.byokKeyId());
            }
            n.put("status", a.status());
            n.put("outcome", a.outcome());
            n.put("latency_ms", a.latencyMs());
        }
    }

    static AttemptRecord record(Attempt a, int status, String outcome, long ms) {
        return new AttemptRecord(a.model().id(), a.provider(), a.kind().wireName(), a.byok() ? a.credentialId() : null,
                status, outcome, ms);
    }

    private static Future<Buffer> wholeBody(UpstreamResponse up) {
        HttpClientResponse resp = up.response();
        Future<Buffer> body = resp.body().recover(t -> Future.failedFuture(OpenAiCompatibleAdapter.classify(t)));
        resp.resume();
        return body;
    }

    /** Resolves with the first body chunk of a 200 stream, leaving the rest paused for the relay. */
    /**
     * The stream's first bytes, once they include the start of an event: SSE comments ({@code : keep-alive}, which some
     * upstreams send while they queue or think) and blank lines do not start the answer, so an upstream that fails
     * after sending only those is still a failure before the first byte, and the next attempt is tried.
     */
    private static Future<Buffer> firstChunk(UpstreamResponse up) {
        HttpClientResponse resp = up.response();
        Promise<Buffer> first = Promise.promise();
        EventStart start = new EventStart();
        resp.handler(buf -> {
            if (buf.length() > 0 && !first.future().isComplete() && start.reached(buf)) {
                resp.pause(); // before completing: the listeners may already hand the stream to the relay, which resumes it
                first.complete(start.received());
            }
        });
        resp.exceptionHandler(t -> first.tryFail(OpenAiCompatibleAdapter.classify(t)));
        resp.endHandler(v -> first.tryFail(
                new UpstreamException(UpstreamException.Kind.RESET, "stream ended before any data")));
        resp.resume();
        return first.future();
    }

    /** Reads a stream's first bytes until a line that is neither blank nor an SSE comment begins. */
    static final class EventStart {
        private Buffer received;
        private boolean lineStart = true;

        /** Adds the next bytes; true once an event has begun in what was received so far. */
        boolean reached(Buffer buf) {
            received = received == null ? buf : Buffer.buffer(received.length() + buf.length())
                    .appendBuffer(received).appendBuffer(buf);
            for (int i = 0; i < buf.length(); i++) {
                byte b = buf.getByte(i);
                if (b == '\n' || b == '\r') {
                    lineStart = true;
                } else if (lineStart) {
                    lineStart = false;
                    if (b != ':') {
                        return true;
                    }
                }
            }
            return false;
        }

        Buffer received() {
            return received;
        }
    }

    /** An upstream may quote the credential it was given in its error text: never pass it on. */
    private static String scrub(String raw, Attempt attempt) {
        String secret = attempt.credential() == null ? null : attempt.credential().secret();
        return secret == null || secret.length() < 4 ? raw : raw.replace(secret, "****");
    }

    private static String truncate(String s) {
        return s.length() <= MAX_RAW_CHARS ? s : s.substring(0, MAX_RAW_CHARS);
    }

    /** An upstream HTTP answer other than 200, with its body (the provider's own error text). */
    static final class UpstreamStatus extends RuntimeException {
        final int status;
        final String raw;

        UpstreamStatus(int status, String raw) {
            super("upstream status " + status, null, false, false);
            this.status = status;
            this.raw = raw;
        }
    }
}
