package io.keyway.billing.service;

import io.keyway.billing.config.BillingConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * Deletes the kept requests (table generations) older than {@code keyway.billing.generations.retention}, every
 * {@code sweep-interval}, in transactions of {@code sweep-batch} rows: each holds its row locks for milliseconds, so the
 * usage consumer's inserts and the readers go on meanwhile; there is no table lock. Runs on its own thread with JDBC.
 * Two billing replicas sweeping at once delete disjoint rows or wait briefly for each other's batch: no harm.
 */
@ApplicationScoped
public class GenerationSweep {

    private static final Logger LOG = Logger.getLogger(GenerationSweep.class);

    private final DataSource dataSource;
    private final BillingConfig.Generations config;
    private final Counter swept;
    private ScheduledExecutorService timer;

    public GenerationSweep(DataSource dataSource, BillingConfig config, MeterRegistry metrics) {
        this.dataSource = dataSource;
        this.config = config.generations();
        this.swept = metrics.counter("keyway.billing.generations.swept");
    }

    void onStart(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "generation-sweep");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1000, config.sweepInterval().toMillis());
        timer.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void sweepQuietly() {
        try {
            sweep(Instant.now().minus(config.retention()));
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("Sweeping kept generations failed, next try in %s: %s", config.sweepInterval(), e.toString());
        }
    }

    /** Deletes every kept request that occurred before {@code cutoff}, batch by batch; returns how many. */
    public long sweep(Instant cutoff) throws SQLException {
        long total = 0;
        int batch = Math.max(1, config.sweepBatch());
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM generations WHERE ctid = ANY(ARRAY("
                        + "SELECT ctid FROM generations WHERE occurred_at < ? LIMIT ?))")) {
            c.setAutoCommit(true); // each batch its own short transaction
            ps.setTimestamp(1, Timestamp.from(cutoff));
            ps.setInt(2, batch);
            int deleted;
            do {
                deleted = ps.executeUpdate();
                total += deleted;
                swept.increment(deleted);
            } while (deleted == batch);
        }
        if (total > 0) {
            LOG.debugf("Swept %d kept generations older than %s", total, cutoff);
        }
        return total;
    }
}
