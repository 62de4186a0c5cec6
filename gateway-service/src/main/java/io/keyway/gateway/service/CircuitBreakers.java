package io.keyway.gateway.service;

import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.routing.EndpointStats;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A circuit breaker per upstream endpoint (model at provider) and per credential (BYOK key or pooled credential):
 * after {@code breaker-failure-threshold} consecutive retryable failures it opens for {@code breaker-open-duration},
 * during which the router's attempts on it are skipped without waiting for a timeout; then one trial call is let
 * through (half-open). Also the router's source for "recent failures last" and observed latency.
 */
@ApplicationScoped
public class CircuitBreakers implements EndpointStats {

    static final long RECENT_FAILURE_NANOS = 30_000_000_000L;

    static final class Breaker {
        int consecutiveFailures;
        long openUntilNanos;
        long lastFailureNanos;
        boolean trialInFlight;
        double latencyEwmaMs = Double.NaN;
    }

    private final Map<String, Breaker> breakers = new ConcurrentHashMap<>();
    private final int threshold;
    private final long openNanos;

    public CircuitBreakers(GatewayConfig config) {
        this.threshold = config.upstream().breakerFailureThreshold();
        this.openNanos = config.upstream().breakerOpenDuration().toNanos();
    }

    public static String endpointKey(String model, String provider) {
        return "endpoint:" + model + "@" + provider;
    }

    public static String credentialKey(String credentialId) {
        return "credential:" + credentialId;
    }

    /** May a call go to this endpoint/credential now? Claims the single trial call of a half-open breaker. */
    public boolean allow(String key) {
        Breaker b = breakers.get(key);
        if (b == null) {
            return true;
        }
        synchronized (b) {
            if (b.openUntilNanos == 0) {
                return true;
            }
            if (System.nanoTime() < b.openUntilNanos || b.trialInFlight) {
                return false;
            }
            b.trialInFlight = true;
            return true;
        }
    }

    public void success(String key, long latencyMs) {
        Breaker b = breakers.computeIfAbsent(key, k -> new Breaker());
        synchronized (b) {
            b.consecutiveFailures = 0;
            b.openUntilNanos = 0;
            b.trialInFlight = false;
            b.latencyEwmaMs = Double.isNaN(b.latencyEwmaMs) ? latencyMs : 0.8 * b.latencyEwmaMs + 0.2 * latencyMs;
        }
    }

    public void failure(String key) {
        Breaker b = breakers.computeIfAbsent(key, k -> new Breaker());
        synchronized (b) {
            long now = System.nanoTime();
            b.lastFailureNanos = now;
            b.consecutiveFailures++;
            if (b.trialInFlight || b.consecutiveFailures >= threshold) {
                b.openUntilNanos = now + openNanos;
            }
            b.trialInFlight = false;
        }
    }

    /** Forget an unfinished trial (e.g. the request was a request error, saying nothing about the upstream). */
    public void release(String key) {
        Breaker b = breakers.get(key);
        if (b != null) {
            synchronized (b) {
                b.trialInFlight = false;
            }
        }
    }

    @Override
    public boolean recentlyFailed(String model, String provider) {
        Breaker b = breakers.get(endpointKey(model, provider));
        if (b == null) {
            return false;
        }
        synchronized (b) {
            return b.openUntilNanos != 0
                    || (b.consecutiveFailures > 0 && System.nanoTime() - b.lastFailureNanos < RECENT_FAILURE_NANOS);
        }
    }

    @Override
    public double latencyMs(String model, String provider) {
        Breaker b = breakers.get(endpointKey(model, provider));
        return b == null ? Double.NaN : b.latencyEwmaMs;
    }
}
