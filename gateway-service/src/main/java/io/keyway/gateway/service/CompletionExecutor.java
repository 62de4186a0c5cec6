package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.metrics.UpstreamMetrics;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.Acceptance;
import io.keyway.gateway.provider.Answer;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.ProviderAdapters;
import io.keyway.gateway.provider.UpstreamCall;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.provider.UpstreamRequest;
import io.keyway.gateway.service.Generation.AttemptRecord;
import io.keyway.gateway.service.catalog.ModelCatalog;
import io.keyway.gateway.service.routing.Attempt;
import io.keyway.gateway.service.routing.RoutingPlan;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a {@link RoutingPlan}'s attempts in order (DESIGN.md §2) until one succeeds:
 * <ul>
 * <li>success: the adapter's {@link Answer} — whole, or for streams once the adapter says it has begun; nothing
 *     reaches the client before that, so falling back is allowed exactly until then;</li>
 * <li>retryable failure (connect error, timeout, reset, and what the adapter classifies as retryable: 401/402/403/
 *     408/429, 5xx, …): next attempt — unless the attempt ends an always-use group, then that key's failure is
 *     returned as-is and routing stops;</li>
 * <li>request error (what the adapter classifies as the request's own fault: 400, 413, 422): returned at once;</li>
 * <li>an attempt whose endpoint or credential breaker is open is skipped without a call; a failure counts
 *     against the endpoint's breaker, the credential's, or neither, by {@link Culprit}'s rules;</li>
 * <li>an attempt whose credential key-service left out of the routing view (its secret store could not answer) is
 *     skipped without a call and recorded with the reason ({@code secret_store_unavailable}), so the tenant sees why
 *     its key was not used; like a key skipped by its breaker, an always-use key skipped so has failed.</li>
 * <li>a timeout after the upstream accepted the request (it was written in full) abandons an attempt the provider may
 *     still be generating and billing: it is recorded for the usage event, and for a non-streamed request (whose
 *     provider goes on to the end of the answer, unlike a stream's, which stops at its next write) it is retried
 *     only when {@code provider.allow_fallbacks} is not false, and never on another BYOK key of the same provider
 *     (the tenant's account would pay that provider again for an answer as long): those keys are skipped
 *     ({@code skipped_after_timeout}), pooled capacity and other providers are tried (docs/decisions.md, "Long
 *     calls").</li>
 * <li>an attempt that found its upstream connection pool's wait queue full ({@code keyway.gateway.upstream.max-wait-queue})
 *     ends the request at once with a 503 and {@code Retry-After}: the gateway itself is overloaded, so neither the
 *     endpoint nor the credential failed (no breaker counts it) and another credential would only add to the load.</li>
 * </ul>
 * When every attempt fails the last failure is returned with every attempt in {@code metadata.attempts}.
 */
@Singleton
public class CompletionExecutor {

    /** The attempt that succeeded and its answer. */
    public record Success(Attempt attempt, ProviderSpec provider, Answer answer) {
    }

    /** One failed attempt, kept to build the final error. */
    record Failure(Attempt attempt, ProviderSpec provider, int status, String raw, boolean requestError,
                   UpstreamError.Blame blame, boolean timedOut) {
    }

    /** The gateway's own total timeout (one shared instance: it has no stack trace and tells it from the others). */
    private static final UpstreamException TOTAL_TIMEOUT =
            new UpstreamException(UpstreamException.Kind.TIMEOUT, "total timeout");

    private final ModelCatalog catalog;
    private final ProviderAdapters adapters;
    private final CircuitBreakers breakers;
    private final EndpointMeasurements measurements;
    private final long totalTimeoutMs;
    private final Counter queueFull;
    private final UpstreamMetrics metrics;

    /** Seconds a client is asked to wait after a full upstream wait queue: connections free up as answers end. */
    public static final long QUEUE_FULL_RETRY_AFTER_SECONDS = 1;
    public static final String QUEUE_FULL_METRIC = "keyway.gateway.upstream.queue.full";

    public CompletionExecutor(ModelCatalog catalog, ProviderAdapters adapters, CircuitBreakers breakers,
                              EndpointMeasurements measurements, GatewayConfig config) {
        this(catalog, adapters, breakers, measurements, config, new SimpleMeterRegistry());
    }

    @Inject
    public CompletionExecutor(ModelCatalog catalog, ProviderAdapters adapters, CircuitBreakers breakers,
                              EndpointMeasurements measurements, GatewayConfig config, MeterRegistry registry) {
        this.queueFull = Counter.builder(QUEUE_FULL_METRIC)
                .description("Requests answered 503 because an upstream connection pool's wait queue was full")
                .register(registry);
        this.metrics = new UpstreamMetrics(registry);
        this.catalog = catalog;
        this.adapters = adapters;
        this.breakers = breakers;
        this.measurements = measurements;
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
        generation.trace.route(attempts, generation, result.future());
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
        ProviderSpec provider = catalog.provider(attempt.provider());
        metrics.movedOn(attempts, index);
        if (attempt.leftOutReason() != null) {
            skipped(attempt, provider, attempt.leftOutReason(), "not tried: the secret store holding this key cannot"
                    + " be read right now", attempts, index, request, generation, failures, result);
            return;
        }
        String endpointKey = CircuitBreakers.endpointKey(attempt.model().id(), attempt.provider());
        String credentialKey = CircuitBreakers.credentialKey(attempt.credentialId());
        if (attempt.byok() && !request.stream() && abandonedAt(attempt.provider(), generation)) {
            // an abandoned always-use key's own timeout stays its failure: the skip adds none
            skipped(attempt, provider, "skipped_after_timeout", null, attempts, index, request, generation, failures,
                    result);
            return;
        }
        CircuitBreakers.Permit endpointPermit = breakers.allow(endpointKey);
        CircuitBreakers.Permit credentialPermit = endpointPermit == null ? null : breakers.allow(credentialKey);
        if (credentialPermit == null) {
            if (endpointPermit != null) {
                breakers.release(endpointPermit); // a half-open endpoint's trial was claimed but is not used
            }
            // An always-use key skipped by its breaker has failed as surely as one that was called.
            skipped(attempt, provider, "circuit_open",
                    "not tried: the circuit breaker of this key or endpoint is open after recent failures", attempts,
                    index, request, generation, failures, result);
            return;
        }
        ProviderAdapter adapter = adapters.forAdapter(provider.adapter());
        long start = System.nanoTime();
        Promise<Success> done = Promise.promise();
        Acceptance acceptance = new Acceptance();
        Span span = generation.trace.attempt(attempt, provider);
        UpstreamCall call = adapter.call(new UpstreamRequest(provider, attempt.model(), attempt.endpoint(),
                attempt.credential(), request.upstreamBody(), request.stream(), acceptance));
        // The total timeout covers a whole answer's head and body; a stream's writer keeps its own timer.
        LoopTimeout timer = request.stream() ? null : LoopTimeout.start(totalTimeoutMs, () -> {
            if (done.tryFail(TOTAL_TIMEOUT)) {
                call.cancel(); // end the exchange, free the connection
            }
        });
        call.answer().onComplete(answer -> {
            if (answer.succeeded()) {
                if (!done.tryComplete(new Success(attempt, provider, answer.result()))
                        && answer.result() instanceof Answer.Streamed s) {
                    s.stream().abort(); // begun after the total timeout gave up on it
                }
            } else {
                done.tryFail(answer.cause());
            }
        });
        done.future().onComplete(outcome -> {
            RequestTrace.attemptEnded(span, outcome);
            if (timer != null) {
                timer.cancel();
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            metrics.attempted(attempt, provider, outcome.cause(), start);
            if (outcome.succeeded()) {
                if (request.stream()) {
                    metrics.firstByte(attempt, provider, generation.startNanos);
                }
                generation.record(record(attempt, 200, "success", ms));
                breakers.success(endpointPermit, ms);
                breakers.success(credentialPermit, ms);
                measurements.succeeded(attempt.model().id(), attempt.provider(), ms);
                result.complete(outcome.result());
                return;
            }
            Throwable f = outcome.cause();
            if (f instanceof UpstreamException busy && busy.kind() == UpstreamException.Kind.QUEUE_FULL) {
                generation.record(record(attempt, 0, "upstream_queue_full", ms));
                breakers.release(endpointPermit);
                breakers.release(credentialPermit);
                queueFull.increment();
                result.fail(overloaded(provider, generation));
                return;
            }
            Failure failure = failure(attempt, provider, f);
            AttemptRecord made = record(attempt, failure.status(),
                    f instanceof UpstreamException u ? u.kind().name().toLowerCase() : "error", ms);
            generation.record(made);
            boolean abandoned = failure.timedOut() && acceptance.isAccepted();
            if (abandoned) {
                generation.abandoned(made);
            }
            failures.add(failure);
            Culprit culprit = Culprit.of(failure.requestError(), failure.blame(), failure.timedOut(),
                    f == TOTAL_TIMEOUT || failure.status() == 408, attempt.byok(), adapter.hostFromCredential());
            count(culprit, attempt, provider, endpointPermit, credentialPermit);
            if (failure.requestError()) {
                result.fail(upstreamError(failure, failure.status(), generation));
                return;
            }
            if (culprit == Culprit.ENDPOINT && failure.status() != 429) {
                measurements.failed(attempt.model().id(), attempt.provider()); // the endpoint's uptime, not a key's
            }
            if (abandoned && !request.stream() && !request.preferences().allowFallbacks()) {
                result.fail(upstreamError(failure, clientStatus(failure), generation)); // not tried elsewhere
                return;
            }
            if (attempt.endsAlwaysUseGroup()) {
                Failure alwaysUse = alwaysUseFailure(attempt, failures);
                Failure returned = alwaysUse != null ? alwaysUse : failure;
                result.fail(upstreamError(returned, clientStatus(returned), generation));
                return;
            }
            next(attempts, index + 1, request, generation, failures, result);
        });
    }

    /** Whether an attempt of this provider was abandoned after the upstream accepted the request. */
    private static boolean abandonedAt(String provider, Generation generation) {
        for (AttemptRecord a : generation.abandonedAttempts()) {
            if (a.provider().equals(provider)) {
                return true;
            }
        }
        return false;
    }

    /**
     * An attempt not called ({@code outcome} says why): recorded with status 0; an always-use key so skipped has failed
     * with {@code raw} (none when it already failed: its own failure stays), and when it ends its group, its failure is
     * returned as-is.
     */
    private void skipped(Attempt attempt, ProviderSpec provider, String outcome, String raw, List<Attempt> attempts,
                         int index, ChatRequest request, Generation generation, List<Failure> failures,
                         Promise<Success> result) {
        generation.record(record(attempt, 0, outcome, 0));
        generation.trace.skipped(attempt, outcome);
        metrics.skipped(attempt, provider, outcome);
        if (attempt.alwaysUse() && raw != null) {
            failures.add(new Failure(attempt, provider, 503, raw, false, UpstreamError.Blame.ENDPOINT, false));
        }
        if (attempt.endsAlwaysUseGroup()) {
            Failure alwaysUse = alwaysUseFailure(attempt, failures);
            if (alwaysUse != null) {
                result.fail(upstreamError(alwaysUse, clientStatus(alwaysUse), generation));
                return;
            }
        }
        next(attempts, index + 1, request, generation, failures, result);
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

    /** A failure counts against one breaker at most; the other is released (its trial, if it held one, given back). */
    private void count(Culprit culprit, Attempt attempt, ProviderSpec provider, CircuitBreakers.Permit endpoint,
                       CircuitBreakers.Permit credential) {
        if (culprit == Culprit.ENDPOINT) {
            if (breakers.failure(endpoint)) {
                metrics.breakerOpened(UpstreamMetrics.Breaker.ENDPOINT, attempt, provider);
            }
        } else {
            breakers.release(endpoint);
        }
        if (culprit == Culprit.CREDENTIAL) {
            if (breakers.failure(credential)) {
                metrics.breakerOpened(UpstreamMetrics.Breaker.CREDENTIAL, attempt, provider);
            }
        } else {
            breakers.release(credential);
        }
    }

    private Failure failure(Attempt attempt, ProviderSpec provider, Throwable f) {
        if (f instanceof UpstreamError u) {
            return new Failure(attempt, provider, u.status(), forTenant(u.raw(), attempt, u.requestError()),
                    u.requestError(), u.blame(), false);
        }
        UpstreamException u = UpstreamException.of(f);
        boolean timedOut = u.kind() == UpstreamException.Kind.TIMEOUT;
        return new Failure(attempt, provider, timedOut ? 504 : 502, "upstream " + u.getMessage(), false,
                UpstreamError.Blame.ENDPOINT, timedOut);
    }

    private static int clientStatus(Failure f) {
        return f.status() >= 400 && f.status() <= 599 ? f.status() : 502;
    }

    private GatewayError finalError(List<Failure> failures, Generation generation) {
        if (failures.isEmpty()) {
            ObjectNode metadata = JsonNodeFactory.instance.objectNode();
            attemptsInto(metadata, generation);
            boolean storeDown = false;
            for (AttemptRecord a : generation.attempts()) {
                storeDown |= !"circuit_open".equals(a.outcome());
            }
            return new GatewayError(503, storeDown
                    ? "No provider is available right now: every candidate was skipped (its circuit breaker is open,"
                            + " or the secret store holding its key cannot be read)"
                    : "No provider is available right now: every candidate's circuit breaker is open", metadata);
        }
        Failure last = failures.get(failures.size() - 1);
        return upstreamError(last, clientStatus(last), generation);
    }

    /** The gateway's own overload: 503 with Retry-After, naming the provider whose connections were all busy. */
    private static GatewayError overloaded(ProviderSpec provider, Generation generation) {
        ObjectNode metadata = JsonNodeFactory.instance.objectNode();
        metadata.put("provider_name", provider.name() != null ? provider.name() : provider.slug());
        metadata.put("reason", "upstream_queue_full");
        attemptsInto(metadata, generation);
        return new GatewayError(503, "The gateway is overloaded: every connection to this provider is busy and its"
                + " wait queue is full; retry after " + QUEUE_FULL_RETRY_AFTER_SECONDS + " s", metadata,
                QUEUE_FULL_RETRY_AFTER_SECONDS);
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

    /** Platform account identifiers a provider may quote in its errors (OpenAI's organization and project ids). */
    private static final java.util.regex.Pattern ACCOUNT_IDS =
            java.util.regex.Pattern.compile("\\b(org|proj)[-_][A-Za-z0-9]{6,}");

    /**
     * The upstream's error text as a tenant may see it: never the credential, and for the platform's pooled
     * credentials none of the platform's own account: a failure of the platform's account (a retryable one: its key,
     * its credit, its rate limit, the provider being down) is reported without the provider's text, and a request
     * error keeps its text (it says what is wrong with the request) minus account identifiers. BYOK failures keep
     * their text: the account is the tenant's own.
     */
    public static String forTenant(String raw, Attempt attempt, boolean requestError) {
        String scrubbed = scrub(raw, attempt);
        if (attempt.byok() || scrubbed == null) {
            return scrubbed;
        }
        if (!requestError) {
            return "the provider returned an error for the platform's credential (its details are not shown)";
        }
        return ACCOUNT_IDS.matcher(scrubbed).replaceAll("$1-****");
    }

    /** An upstream may quote the credential it was given in its error text: never pass it on. */
    static String scrub(String raw, Attempt attempt) {
        if (raw == null || attempt.credential() == null) {
            return raw;
        }
        for (String secret : attempt.credential().secretParts()) {
            if (secret != null && secret.length() >= 4) {
                raw = raw.replace(secret, "****");
            }
        }
        return raw;
    }
}
