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
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** With the broker unreachable, publishing returns at once, holds the event as pending, then counts it as failed. */
@QuarkusTest
@TestProfile(ReadinessWhenBrokerIsDownTests.Unreachable.class)
class UsagePublisherBrokerDownTests {

    @Inject
    UsagePublisher publisher;

    @Inject
    MeterRegistry registry;

    @Test
    void unreachableBrokerNeverBlocksAndEveryLostEventIsCounted() {
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
