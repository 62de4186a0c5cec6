package io.keyway.gateway.service;

import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keyway's own measurements of each endpoint (a model at a provider), from this replica's upstream attempts, in the
 * shapes of OpenRouter's endpoint statistics:
 * <ul>
 * <li>uptime over the last 5 minutes, 30 minutes and day: successful attempts / (successful + failed) × 100, where
 *     a failure counts only when it is the endpoint's (connect error, timeout, 5xx, …); a credential's failure
 *     (invalid key, out of credit, rate limited) and the request's own fault (400, 413, 422) are left out, as
 *     OpenRouter leaves out rate-limited requests;</li>
 * <li>latency over 30 minutes: milliseconds until the answer began (the first byte of a stream, the whole answer
 *     otherwise), as p50/p75/p90/p99;</li>
 * <li>throughput over 30 minutes: completion tokens per second after the answer began, as p50/p75/p90/p99.</li>
 * </ul>
 * A window without data answers null. Counts live in per-minute slots and values in per-minute log histograms, so
 * memory is fixed per endpoint and the figures of several replicas could be merged exactly (docs/decisions.md).
 */
@Singleton
public class EndpointMeasurements {

    static final int DAY_MINUTES = 24 * 60;
    static final int PERCENTILE_MINUTES = 30;

    /** Percentiles of a window, in the unit of what was recorded. */
    public record Percentiles(double p50, double p75, double p90, double p99) {
    }

    /** An endpoint's statistics; each field null when its window has no data. */
    public record Stats(Double uptimeLast5m, Double uptimeLast30m, Double uptimeLast1d, Percentiles latencyLast30m,
                        Percentiles throughputLast30m) {
    }

    private record Endpoint(String model, String provider) {
    }

    private final Map<Endpoint, Window> windows = new ConcurrentHashMap<>();
    private final Clock clock;

    public EndpointMeasurements() {
        this(Clock.systemUTC());
    }

    /** With a clock the tests move. */
    EndpointMeasurements(Clock clock) {
        this.clock = clock;
    }

    /** An attempt at the endpoint succeeded; its answer began after {@code latencyMs}. */
    public void succeeded(String model, String provider, long latencyMs) {
        window(model, provider).succeeded(minute(), latencyMs);
    }

    /** An attempt at the endpoint failed through the endpoint's own fault. */
    public void failed(String model, String provider) {
        window(model, provider).failed(minute());
    }

    /** A served answer produced {@code completionTokens} in {@code generationMs} after it began. */
    public void generated(String model, String provider, long completionTokens, long generationMs) {
        if (completionTokens <= 0) {
            return; // nothing generated: no rate to speak of
        }
        double tokensPerSecond = completionTokens * 1000.0 / Math.max(1, generationMs);
        window(model, provider).generated(minute(), tokensPerSecond);
    }

    public Stats stats(String model, String provider) {
        Window w = windows.get(new Endpoint(model, provider));
        return w == null ? new Stats(null, null, null, null, null) : w.stats(minute());
    }

    private Window window(String model, String provider) {
        return windows.computeIfAbsent(new Endpoint(model, provider), e -> new Window());
    }

    private long minute() {
        return clock.millis() / 60_000;
    }

    /** One endpoint: a day of per-minute counts, 30 minutes of per-minute histograms; slot = minute mod length. */
    static final class Window {
        private final long[] countMinute = new long[DAY_MINUTES];
        private final int[] ok = new int[DAY_MINUTES];
        private final int[] failed = new int[DAY_MINUTES];
        private final long[] valueMinute = new long[PERCENTILE_MINUTES];
        private final LogHistogram[] latency = new LogHistogram[PERCENTILE_MINUTES];
        private final LogHistogram[] throughput = new LogHistogram[PERCENTILE_MINUTES];

        Window() {
            Arrays.fill(countMinute, -1);
            Arrays.fill(valueMinute, -1);
        }

        synchronized void succeeded(long minute, long latencyMs) {
            ok[countSlot(minute)]++;
            int s = valueSlot(minute);
            if (latency[s] == null) {
                latency[s] = new LogHistogram();
            }
            latency[s].record(Math.max(1, latencyMs));
        }

        synchronized void failed(long minute) {
            failed[countSlot(minute)]++;
        }

        synchronized void generated(long minute, double tokensPerSecond) {
            int s = valueSlot(minute);
            if (throughput[s] == null) {
                throughput[s] = new LogHistogram();
            }
            throughput[s].record(tokensPerSecond);
        }

        synchronized Stats stats(long now) {
            LogHistogram lat = new LogHistogram();
            LogHistogram thr = new LogHistogram();
            for (int i = 0; i < PERCENTILE_MINUTES; i++) {
                if (valueMinute[i] > now - PERCENTILE_MINUTES && valueMinute[i] <= now) {
                    lat.add(latency[i]);
                    thr.add(throughput[i]);
                }
            }
            return new Stats(uptime(now, 5), uptime(now, 30), uptime(now, DAY_MINUTES), lat.percentiles(),
                    thr.percentiles());
        }

        private Double uptime(long now, int minutes) {
            long good = 0;
            long bad = 0;
            for (int i = 0; i < DAY_MINUTES; i++) {
                if (countMinute[i] > now - minutes && countMinute[i] <= now) {
                    good += ok[i];
                    bad += failed[i];
                }
            }
            return good + bad == 0 ? null : good * 100.0 / (good + bad);
        }

        /** The slot of {@code minute}, emptied first when it still holds a minute a day old. */
        private int countSlot(long minute) {
            int s = (int) (minute % DAY_MINUTES);
            if (countMinute[s] != minute) {
                countMinute[s] = minute;
                ok[s] = 0;
                failed[s] = 0;
            }
            return s;
        }

        private int valueSlot(long minute) {
            int s = (int) (minute % PERCENTILE_MINUTES);
            if (valueMinute[s] != minute) {
                valueMinute[s] = minute;
                latency[s] = null;
                throughput[s] = null;
            }
            return s;
        }
    }

    /**
     * Counts of positive values in buckets 5% wide (bucket i holds [1.05^i, 1.05^(i+1)) × {@link #SMALLEST}), so a
     * percentile is known within 2.5% whatever the traffic, in fixed memory, and histograms add up exactly.
     */
    static final class LogHistogram {
        static final double SMALLEST = 0.01;
        static final double GROWTH = 1.05;
        static final int BUCKETS = 430; // up to 0.01 × 1.05^430 ≈ 1.3e7: hours in ms, any token rate
        private static final double LOG_GROWTH = Math.log(GROWTH);

        private final int[] counts = new int[BUCKETS];
        private long total;

        void record(double value) {
            int i = (int) Math.floor(Math.log(Math.max(value, SMALLEST) / SMALLEST) / LOG_GROWTH);
            counts[Math.min(Math.max(i, 0), BUCKETS - 1)]++;
            total++;
        }

        void add(LogHistogram other) {
            if (other == null) {
                return;
            }
            for (int i = 0; i < BUCKETS; i++) {
                counts[i] += other.counts[i];
            }
            total += other.total;
        }

        Percentiles percentiles() {
            return total == 0 ? null
                    : new Percentiles(quantile(0.50), quantile(0.75), quantile(0.90), quantile(0.99));
        }

        /** The value at rank ceil(q × n): its bucket's geometric middle, rounded to 2 decimals. */
        double quantile(double q) {
            long rank = Math.max(1, (long) Math.ceil(q * total));
            long seen = 0;
            for (int i = 0; i < BUCKETS; i++) {
                seen += counts[i];
                if (seen >= rank) {
                    double middle = SMALLEST * Math.pow(GROWTH, i + 0.5);
                    return Math.round(middle * 100) / 100.0;
                }
            }
            throw new IllegalStateException("rank beyond the count");
        }
    }
}
