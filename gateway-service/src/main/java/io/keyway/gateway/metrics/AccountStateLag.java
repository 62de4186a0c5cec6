package io.keyway.gateway.metrics;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How current the gateway's account states are (billing → {@code keyway.account-state.v1} → this replica), for two
 * gauges: the <b>lag</b> of the latest state applied (when it was applied minus its {@code updated_at}: the
 * pipeline's delay) and the <b>age</b> of the newest state applied (now minus the newest {@code updated_at}: grows
 * while billing publishes nothing, as when no usage arrives). Both are wall-clock differences between billing's clock
 * and this replica's. Recorded from the account-state consumer; read at scrape time.
 */
public final class AccountStateLag {

    private final AtomicLong newestUpdatedAtMillis = new AtomicLong(Long.MIN_VALUE);
    private volatile long lastLagMillis = Long.MIN_VALUE;

    /** A state with this {@code updated_at} (null in states of an old billing: ignored) was just applied. */
    public void applied(Instant updatedAt) {
        if (updatedAt == null) {
            return;
        }
        long at = updatedAt.toEpochMilli();
        newestUpdatedAtMillis.accumulateAndGet(at, Math::max);
        lastLagMillis = System.currentTimeMillis() - at;
    }

    /** Seconds; NaN before the first state. */
    public double lagSeconds() {
        long lag = lastLagMillis;
        return lag == Long.MIN_VALUE ? Double.NaN : lag / 1000.0;
    }

    /** Seconds; NaN before the first state. */
    public double ageSeconds() {
        long newest = newestUpdatedAtMillis.get();
        return newest == Long.MIN_VALUE ? Double.NaN : (System.currentTimeMillis() - newest) / 1000.0;
    }
}
