package io.keyway.gateway;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.contracts.UsageEvent;
import io.keyway.gateway.service.UsagePublisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/**
 * With the broker unreachable, publishing returns at once, holds the event as pending, then counts it as failed and
 * logs it (at ERROR, with the event's JSON so it can be replayed).
 */
@QuarkusTest
@TestProfile(ReadinessWhenBrokerIsDownTests.Unreachable.class)
class UsagePublisherBrokerDownTests {

    @Inject
    UsagePublisher publisher;

    @Inject
    MeterRegistry registry;

    @Test
    void unreachableBrokerNeverBlocksAndEveryLostEventIsCountedAndLogged() {
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                String text = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
                if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    logged.add(text);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(UsagePublisher.class.getName());
        logger.addHandler(capture);
        try {
            check();
            await().atMost(Duration.ofSeconds(10)).until(() -> logged.stream().anyMatch(line ->
                    line.contains("Usage event NOT published") && line.contains("acct-down")));
        } finally {
            logger.removeHandler(capture);
        }
    }

    private void check() {
        double failedBefore = registry.counter("keyway.usage.events.failed").count();
        UsageEvent event = new UsageEvent(UsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(), Instant.now(),
                "acct-down", "key-1", "m/a", "p", false, null, 1, 1, new BigDecimal("0.01"),
                UsageEvent.Status.SUCCESS, 200, 1, false, 1);
        publisher.publishInBackground(event);
        assertEquals(1, publisher.pending(), "the event waits for the broker instead of blocking the caller");
        await().atMost(Duration.ofSeconds(30)).until(() -> publisher.pending() == 0);
        assertEquals(failedBefore + 1, registry.counter("keyway.usage.events.failed").count());
    }
}
