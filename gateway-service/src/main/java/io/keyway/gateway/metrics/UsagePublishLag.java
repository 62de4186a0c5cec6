package io.keyway.gateway.metrics;

import io.keyway.contracts.UsageEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Usage-event publish lag: from the request's end ({@code occurred_at} + {@code latency_ms}, when the event was built
 * and queued) to the broker's acknowledgement (acks=all). The producer batches for 200 ms ({@code linger.ms}), so a
 * healthy gateway shows a few hundred milliseconds; a broker outage shows as lag up to the delivery timeout, the
 * buffer's depth as {@code keyway_usage_events_pending}.
 */
public final class UsagePublishLag {

    public static final String METRIC = "keyway.usage.events.publish.lag";

    private static final Duration[] BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60),
            Duration.ofSeconds(120)};

    private final Timer timer;

    public UsagePublishLag(MeterRegistry registry) {
        this.timer = Timer.builder(METRIC)
                .description("Usage events: from the request's end to the broker's acknowledgement")
                .serviceLevelObjectives(BUCKETS).register(registry);
    }

    /** When the event's request ended, in epoch milliseconds (what {@link #acknowledged} takes). */
    public static long endedAtMillis(UsageEvent event) {
        return event.occurredAt() == null ? System.currentTimeMillis()
                : event.occurredAt().toEpochMilli() + Math.max(0, event.latencyMs());
    }

    /** The broker acknowledged an event whose request ended at {@code endedAtMillis}. */
    public void acknowledged(long endedAtMillis) {
        timer.record(Math.max(0, System.currentTimeMillis() - endedAtMillis), TimeUnit.MILLISECONDS);
    }
}
