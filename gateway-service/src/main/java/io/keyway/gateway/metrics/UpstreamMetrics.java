package io.keyway.gateway.metrics;

import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.service.routing.Attempt;
import io.keyway.gateway.service.routing.CredentialKind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The meters of upstream attempts and routing (docs/operations.md, "Metrics"): attempt latency and time to first byte
 * (histograms), attempts skipped without a call, routing's retries and fallbacks per step, and breaker openings. Every
 * tag is low-cardinality: the provider and its adapter (bounded by the catalog), the credential kind, the outcome, the
 * status class — never an account, key or credential id.
 *
 * <p>The executor calls these once or twice per attempt, so a meter is looked up without building tags: one holder
 * per provider (a map lookup on the slug), inside it an array slot per kind/outcome/status class, registered on first
 * use. A race registers a meter twice; the registry answers both with the same one.
 */
public final class UpstreamMetrics {

    public static final String ATTEMPT = "keyway.gateway.upstream.attempt";
    public static final String FIRST_BYTE = "keyway.gateway.time_to_first_byte";
    public static final String SKIPPED = "keyway.gateway.upstream.skipped";
    public static final String RETRIES = "keyway.gateway.routing.retries";
    public static final String FALLBACKS = "keyway.gateway.routing.fallbacks";
    public static final String BREAKER_OPENINGS = "keyway.gateway.breaker.openings";

    /**
     * Histogram buckets of attempt latency and time to first byte: from a fast cached answer to the longest
     * generations. Twelve buckets per series keep a provider's series few (docs/operations.md).
     */
    static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(60),
            Duration.ofSeconds(120)};

    /** The tag value of a credential kind: {@code byok}, {@code pooled}, {@code fallback}. */
    public static String kindTag(CredentialKind kind) {
        return switch (kind) {
            case BYOK_PRIORITIZED -> "byok";
            case POOLED -> "pooled";
            case BYOK_FALLBACK -> "fallback";
        };
    }

    /** An attempt's outcome: the words {@code /generation}'s attempts use for a call that was made. */
    static final List<String> OUTCOMES = outcomes();
    static final List<String> STATUS_CLASSES = List.of("2xx", "3xx", "4xx", "5xx", "none");
    /** Why an attempt was not called; any other reason key-service gives is {@code other}. */
    static final List<String> SKIP_REASONS = List.of("circuit_open", "secret_store_unavailable",
            "skipped_after_timeout", "other");
    /** Which breaker opened. */
    public enum Breaker { ENDPOINT, CREDENTIAL }

    private static final int KINDS = CredentialKind.values().length;
    /** Where {@link UpstreamException.Kind}'s words start in {@link #OUTCOMES}, after success and error. */
    private static final int UPSTREAM_EXCEPTION_OFFSET = 2;

    private final MeterRegistry registry;
    private final Map<String, ProviderMeters> providers = new ConcurrentHashMap<>();
    private final Counter[] retries = new Counter[RoutingStep.values().length];
    private final Counter[][] fallbacks = new Counter[RoutingStep.values().length][RoutingStep.values().length];

    public UpstreamMetrics(MeterRegistry registry) {
        this.registry = registry;
        // Few and provider-free: registered at once, so a dashboard sees zeros rather than no data.
        for (RoutingStep step : RoutingStep.values()) {
            retries[step.ordinal()] = Counter.builder(RETRIES)
                    .description("Attempts made after a failed or skipped one of the same routing step")
                    .tag("step", step.tag).register(registry);
            for (RoutingStep to : RoutingStep.values()) {
                fallbacks[step.ordinal()][to.ordinal()] = Counter.builder(FALLBACKS)
                        .description("Moves from a failed or skipped attempt to one of another routing step")
                        .tag("from_step", step.tag).tag("to_step", to.tag).register(registry);
            }
        }
    }

    /** One called attempt has ended: {@code failure} null for a success. */
    public void attempted(Attempt attempt, ProviderSpec provider, Throwable failure, long startNanos) {
        int outcome;
        int statusClass;
        if (failure == null) {
            outcome = 0;
            statusClass = 0;
        } else if (failure instanceof UpstreamError e) {
            outcome = 1;
            statusClass = statusClass(e.status());
        } else if (failure instanceof UpstreamException u) {
            outcome = UPSTREAM_EXCEPTION_OFFSET + u.kind().ordinal();
            statusClass = 4;
        } else {
            outcome = 1;
            statusClass = 4;
        }
        meters(provider).attempt(attempt.kind(), outcome, statusClass).record(System.nanoTime() - startNanos,
                TimeUnit.NANOSECONDS);
    }

    /** A streamed request's answer has begun: time since the request arrived ({@code requestStartNanos}). */
    public void firstByte(Attempt attempt, ProviderSpec provider, long requestStartNanos) {
        meters(provider).firstByte(attempt.kind()).record(System.nanoTime() - requestStartNanos, TimeUnit.NANOSECONDS);
    }

    /** An attempt of the plan was not called; {@code reason} is its outcome in {@code /generation}. */
    public void skipped(Attempt attempt, ProviderSpec provider, String reason) {
        int r = switch (reason) {
            case "circuit_open" -> 0;
            case "secret_store_unavailable" -> 1;
            case "skipped_after_timeout" -> 2;
            default -> 3;
        };
        meters(provider).skipped(attempt.kind(), r).increment();
    }

    /**
     * Routing moves on to {@code attempts[index]} after the one before it failed or was skipped: a retry when both are
     * of the same step, else a fallback from the one step to the other. The first attempt is neither.
     */
    public void movedOn(List<Attempt> attempts, int index) {
        if (index <= 0) {
            return;
        }
        String firstModel = attempts.get(0).model().id();
        RoutingStep from = RoutingStep.of(attempts.get(index - 1), firstModel);
        RoutingStep to = RoutingStep.of(attempts.get(index), firstModel);
        if (from == to) {
            retries[to.ordinal()].increment();
        } else {
            fallbacks[from.ordinal()][to.ordinal()].increment();
        }
    }

    /** A failure of {@code attempt} has opened a closed breaker (its endpoint's or its credential's). */
    public void breakerOpened(Breaker breaker, Attempt attempt, ProviderSpec provider) {
        meters(provider).opening(breaker, attempt.kind()).increment();
    }

    private static List<String> outcomes() {
        List<String> words = new java.util.ArrayList<>(List.of("success", "error"));
        for (UpstreamException.Kind kind : UpstreamException.Kind.values()) {
            words.add(kind.name().toLowerCase(java.util.Locale.ROOT));
        }
        return List.copyOf(words);
    }

    static int statusClass(int status) {
        return status >= 200 && status <= 599 ? status / 100 - 2 : 4;
    }

    private ProviderMeters meters(ProviderSpec provider) {
        ProviderMeters m = providers.get(provider.slug());
        return m != null ? m : providers.computeIfAbsent(provider.slug(), s -> new ProviderMeters(provider));
    }

    /** One provider's meters, each registered when first used. */
    private final class ProviderMeters {
        private final String provider;
        private final String adapter;
        private final AtomicReferenceArray<Timer> attempts =
                new AtomicReferenceArray<>(KINDS * OUTCOMES.size() * STATUS_CLASSES.size());
        private final AtomicReferenceArray<Timer> firstBytes = new AtomicReferenceArray<>(KINDS);
        private final AtomicReferenceArray<Counter> skips = new AtomicReferenceArray<>(KINDS * SKIP_REASONS.size());
        private final AtomicReferenceArray<Counter> openings = new AtomicReferenceArray<>(KINDS * 2);

        ProviderMeters(ProviderSpec spec) {
            this.provider = spec.slug();
            this.adapter = spec.adapter();
        }

        Timer attempt(CredentialKind kind, int outcome, int statusClass) {
            int slot = (kind.ordinal() * OUTCOMES.size() + outcome) * STATUS_CLASSES.size() + statusClass;
            Timer t = attempts.get(slot);
            if (t == null) {
                t = Timer.builder(ATTEMPT)
                        .description("Upstream calls: from the request sent to the answer (whole, or a stream begun)")
                        .serviceLevelObjectives(LATENCY_BUCKETS)
                        .tag("provider", provider).tag("adapter", adapter).tag("credential_kind", kindTag(kind))
                        .tag("outcome", OUTCOMES.get(outcome)).tag("status_class", STATUS_CLASSES.get(statusClass))
                        .register(registry);
                attempts.set(slot, t);
            }
            return t;
        }

        Timer firstByte(CredentialKind kind) {
            Timer t = firstBytes.get(kind.ordinal());
            if (t == null) {
                t = Timer.builder(FIRST_BYTE)
                        .description("Streamed requests: from the request's arrival to its answer's first event")
                        .serviceLevelObjectives(LATENCY_BUCKETS)
                        .tag("provider", provider).tag("adapter", adapter).tag("credential_kind", kindTag(kind))
                        .register(registry);
                firstBytes.set(kind.ordinal(), t);
            }
            return t;
        }

        Counter skipped(CredentialKind kind, int reason) {
            int slot = kind.ordinal() * SKIP_REASONS.size() + reason;
            Counter c = skips.get(slot);
            if (c == null) {
                c = Counter.builder(SKIPPED).description("Attempts of a routing plan skipped without a call, by reason")
                        .tag("provider", provider).tag("adapter", adapter).tag("credential_kind", kindTag(kind))
                        .tag("reason", SKIP_REASONS.get(reason)).register(registry);
                skips.set(slot, c);
            }
            return c;
        }

        Counter opening(Breaker breaker, CredentialKind kind) {
            int slot = breaker.ordinal() * KINDS + kind.ordinal();
            Counter c = openings.get(slot);
            if (c == null) {
                c = Counter.builder(BREAKER_OPENINGS)
                        .description("Circuit breakers opened (closed to open) by a failed attempt; per provider and"
                                + " credential kind, never per credential")
                        .tag("breaker", breaker == Breaker.ENDPOINT ? "endpoint" : "credential")
                        .tag("provider", provider).tag("credential_kind", kindTag(kind)).register(registry);
                openings.set(slot, c);
            }
            return c;
        }
    }
}
