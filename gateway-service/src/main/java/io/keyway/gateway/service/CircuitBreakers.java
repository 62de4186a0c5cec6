package io.keyway.gateway.service;

import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.routing.EndpointStats;
import io.quarkus.runtime.Startup;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A circuit breaker per upstream endpoint (model at provider) and per credential (BYOK key or pooled credential), so
 * that the router skips what is known to fail without waiting for a timeout. The rules:
 * <ul>
 * <li>an <b>endpoint</b> opens when, of its last {@code breaker-window-size} calls within
 *     {@code breaker-window-duration}, at least {@code breaker-minimum-calls} were seen and at least
 *     {@code breaker-failure-rate} % failed: a failure rate over a minimum volume, so that a few failures on a quiet
 *     endpoint, or one tenant's share of a busy one, do not close it to everyone;</li>
 * <li>a <b>credential</b> opens when its last {@code breaker-failure-threshold} calls within the window all failed
 *     (consecutive failures: a key is one tenant's, and a dead key fails every call);</li>
 * <li>an open breaker refuses calls for {@code breaker-open-duration}, then lets exactly one trial call through
 *     (half-open): its success closes the breaker, its failure opens it again; a trial that has not answered within
 *     {@code breaker-trial-timeout} counts as failed and frees the half-open slot, so one hung trial cannot keep the
 *     endpoint closed to everyone (the call itself goes on; if it succeeds later, before another trial, it still
 *     closes the breaker: the upstream answered, only slowly).</li>
 * </ul>
 * Which failures count against which breaker is the executor's rule ({@link Culprit}); this class only counts. Outcomes
 * of calls let through before a breaker opened are ignored while it is open. Also the router's source for "recent
 * failures last" and observed latency.
 */
@Singleton
@Startup // the settings are checked when the gateway starts, not at its first request
public class CircuitBreakers implements EndpointStats {

    static final long RECENT_FAILURE_NANOS = 30_000_000_000L;

    /** When a breaker opens: {@code failurePercent} % of at least {@code minimumCalls} of the last calls failed. */
    record Policy(int windowSize, int minimumCalls, int failurePercent, long windowNanos) {
        boolean trips(int calls, int failures) {
            return calls >= minimumCalls && failures * 100L >= (long) failurePercent * calls;
        }
    }

    /**
     * A call a breaker let through; exactly one of {@link #success}, {@link #failure} or {@link #release} is reported
     * for it. A trial call carries its number, so that a late answer of an earlier trial cannot settle a newer one.
     */
    public static final class Permit {
        private final Breaker breaker;
        private final long trial;

        private Permit(Breaker breaker, long trial) {
            this.breaker = breaker;
            this.trial = trial;
        }

        boolean isTrial() {
            return trial != 0;
        }
    }

    private enum State { CLOSED, OPEN, HALF_OPEN }

    static final class Breaker {
        final Policy policy;
        /** The recent calls' end times and outcomes, a ring of {@code policy.windowSize} slots, oldest at head. */
        final long[] endedAt;
        final boolean[] failed;
        int head;
        int calls;
        int failures;
        State state = State.CLOSED;
        long openUntilNanos;
        long trials;
        long trial;
        long trialDeadlineNanos;
        /** The trial that counted as failed when its timeout passed: its late success still closes the breaker. */
        long lapsedTrial;
        boolean lastFailed;
        long lastFailureNanos;
        double latencyEwmaMs = Double.NaN;
        final Permit closed = new Permit(this, 0);

        Breaker(Policy policy) {
            this.policy = policy;
            this.endedAt = new long[policy.windowSize()];
            this.failed = new boolean[policy.windowSize()];
        }
    }

    private final Map<String, Breaker> breakers = new ConcurrentHashMap<>();
    private final Policy endpointPolicy;
    private final Policy credentialPolicy;
    private final long openNanos;
    private final long trialNanos;
    private final LongSupplier clock;

    @Inject
    public CircuitBreakers(GatewayConfig config) {
        this(config, System::nanoTime);
    }

    /** With the clock (nanoseconds, as {@link System#nanoTime}) a test drives. */
    CircuitBreakers(GatewayConfig config, LongSupplier clock) {
        var up = config.upstream();
        require(up.breakerFailureRate() >= 1 && up.breakerFailureRate() <= 100, "breaker-failure-rate",
                "a percentage from 1 to 100");
        require(up.breakerMinimumCalls() >= 1, "breaker-minimum-calls", "at least 1");
        require(up.breakerWindowSize() >= up.breakerMinimumCalls() && up.breakerWindowSize() <= 10_000,
                "breaker-window-size", "at least breaker-minimum-calls and at most 10000");
        require(up.breakerFailureThreshold() >= 1 && up.breakerFailureThreshold() <= 10_000,
                "breaker-failure-threshold", "from 1 to 10000");
        require(up.breakerWindowDuration().toNanos() > 0, "breaker-window-duration", "positive");
        require(!up.breakerOpenDuration().isNegative(), "breaker-open-duration", "not negative");
        require(up.breakerTrialTimeout().toNanos() > 0, "breaker-trial-timeout", "positive");
        long windowNanos = up.breakerWindowDuration().toNanos();
        this.endpointPolicy = new Policy(up.breakerWindowSize(), up.breakerMinimumCalls(), up.breakerFailureRate(),
                windowNanos);
        this.credentialPolicy = new Policy(up.breakerFailureThreshold(), up.breakerFailureThreshold(), 100, windowNanos);
        this.openNanos = up.breakerOpenDuration().toNanos();
        this.trialNanos = up.breakerTrialTimeout().toNanos();
        this.clock = clock;
    }

    private static void require(boolean ok, String setting, String what) {
        if (!ok) {
            throw new IllegalArgumentException("keyway.gateway.upstream." + setting + " must be " + what);
        }
    }

    public static String endpointKey(String model, String provider) {
        return "endpoint:" + model + "@" + provider;
    }

    public static String credentialKey(String credentialId) {
        return "credential:" + credentialId;
    }

    /**
     * May a call go to this endpoint/credential now? Null when not; otherwise the permit to report its outcome with.
     * Claims the single trial call of a half-open breaker.
     */
    public Permit allow(String key) {
        Breaker b = breakers.get(key);
        if (b == null) {
            b = breakers.computeIfAbsent(key,
                    k -> new Breaker(k.startsWith("endpoint:") ? endpointPolicy : credentialPolicy));
        }
        synchronized (b) {
            switch (b.state) {
                case CLOSED:
                    return b.closed;
                case HALF_OPEN:
                    long now = clock.getAsLong();
                    if (now - b.trialDeadlineNanos >= 0) {
                        b.lapsedTrial = b.trial; // the trial did not answer in time: it failed
                        open(b, now);
                    }
                    return null;
                default:
                    now = clock.getAsLong();
                    if (now - b.openUntilNanos < 0) {
                        return null;
                    }
                    b.state = State.HALF_OPEN;
                    b.trial = ++b.trials;
                    b.trialDeadlineNanos = now + trialNanos;
                    return new Permit(b, b.trial);
            }
        }
    }

    public void success(Permit permit, long latencyMs) {
        Breaker b = permit.breaker;
        synchronized (b) {
            b.latencyEwmaMs = Double.isNaN(b.latencyEwmaMs) ? latencyMs : 0.8 * b.latencyEwmaMs + 0.2 * latencyMs;
            b.lastFailed = false;
            if (permit.isTrial()) {
                if (currentTrial(b, permit) || (b.state == State.OPEN && b.lapsedTrial == permit.trial)) {
                    close(b);
                }
            } else if (b.state == State.CLOSED) {
                record(b, clock.getAsLong(), false);
            }
        }
    }

    /** Returns whether this failure opened a closed breaker (a failed trial re-opening one is not an opening). */
    public boolean failure(Permit permit) {
        Breaker b = permit.breaker;
        synchronized (b) {
            long now = clock.getAsLong();
            b.lastFailed = true;
            b.lastFailureNanos = now;
            if (permit.isTrial()) {
                if (currentTrial(b, permit)) {
                    open(b, now);
                }
            } else if (b.state == State.CLOSED) {
                record(b, now, true);
                if (b.policy.trips(b.calls, b.failures)) {
                    open(b, now);
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The call says nothing about this endpoint/credential (a request error, or a failure that counts against the
     * other breaker): not counted; an unfinished trial is given back, so the next call is the trial.
     */
    public void release(Permit permit) {
        Breaker b = permit.breaker;
        synchronized (b) {
            if (permit.isTrial() && currentTrial(b, permit)) {
                b.state = State.OPEN;
                b.openUntilNanos = clock.getAsLong();
            }
        }
    }

    private static boolean currentTrial(Breaker b, Permit permit) {
        return b.state == State.HALF_OPEN && b.trial == permit.trial;
    }

    private void open(Breaker b, long now) {
        b.state = State.OPEN;
        b.openUntilNanos = now + openNanos;
        clearWindow(b);
    }

    private static void close(Breaker b) {
        b.state = State.CLOSED;
        b.lapsedTrial = 0;
        clearWindow(b);
    }

    private static void clearWindow(Breaker b) {
        b.head = 0;
        b.calls = 0;
        b.failures = 0;
    }

    /** Adds one outcome; calls older than the window's duration, and beyond its size, no longer count. */
    private static void record(Breaker b, long now, boolean failed) {
        int size = b.endedAt.length;
        while (b.calls > 0 && (b.calls == size || now - b.endedAt[b.head] > b.policy.windowNanos())) {
            if (b.failed[b.head]) {
                b.failures--;
            }
            b.head = (b.head + 1) % size;
            b.calls--;
        }
        int slot = (b.head + b.calls) % size;
        b.endedAt[slot] = now;
        b.failed[slot] = failed;
        b.calls++;
        if (failed) {
            b.failures++;
        }
    }

    /** The breaker-state gauge's value: 0 closed (or never called), 1 half-open, 2 open. */
    public int state(String key) {
        Breaker b = breakers.get(key);
        if (b == null) {
            return 0;
        }
        synchronized (b) {
            return switch (b.state) {
                case CLOSED -> 0;
                case HALF_OPEN -> 1;
                case OPEN -> 2;
            };
        }
    }

    @Override
    public boolean recentlyFailed(String model, String provider) {
        Breaker b = breakers.get(endpointKey(model, provider));
        if (b == null) {
            return false;
        }
        synchronized (b) {
            return b.state != State.CLOSED
                    || (b.lastFailed && clock.getAsLong() - b.lastFailureNanos < RECENT_FAILURE_NANOS);
        }
    }

    @Override
    public double latencyMs(String model, String provider) {
        Breaker b = breakers.get(endpointKey(model, provider));
        return b == null ? Double.NaN : b.latencyEwmaMs;
    }
}
