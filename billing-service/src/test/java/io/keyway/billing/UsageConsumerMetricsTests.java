package io.keyway.billing;

import static io.keyway.billing.UsageEvents.id;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.billing.service.ConsumerLag;
import io.keyway.billing.service.UsageConsumer;
import io.keyway.billing.service.UsageConsumers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The usage consumer's metrics on the real broker and database: its lag (records not applied yet) and the applied
 * events counter the dashboard's events-per-second panel takes the rate of.
 */
@QuarkusTest
class UsageConsumerMetricsTests {

    private static final int EVENTS = 30;

    @Inject
    UsageConsumers consumers;

    @Inject
    MeterRegistry metrics;

    private double lag(String topic) {
        Gauge gauge = metrics.find(ConsumerLag.METRIC).tag("topic", topic).gauge();
        return gauge == null ? Double.NaN : gauge.value();
    }

    private double applied() {
        Counter counter = metrics.find("keyway.billing.usage.applied").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void consumerLagCountsEveryRecordNotYetAppliedTheBatchInHandIncludedAndFallsToZeroOnceApplied() {
        String topic = "keyway.test.usage.lag." + UUID.randomUUID();
        BillingTestTopics.createTopics(List.of(new NewTopic(topic, 1, (short) 1)));
        String account = UsageEvents.newAccount();
        List<String[]> records = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            records.add(new String[] {account, UsageEvents.nonByok(id(), account,
                    "2026-11-20T10:00:%02dZ".formatted(i), "0.01")});
        }
        TestKafka.send(topic, records);
        double appliedBefore = applied();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger firstBatch = new AtomicInteger();
        try (UsageConsumer consumer = consumers.newConsumer(topic, "lag-" + UUID.randomUUID(), inBatch -> {
            firstBatch.compareAndSet(0, inBatch);
            awaitQuietly(release); // the first batch is held inside its transaction
        }).start()) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> firstBatch.get() > 0);
            assertEquals(EVENTS, lag(topic), "every record is behind, those of the batch being applied too ("
                    + firstBatch.get() + " in it)");
            release.countDown();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> lag(topic) == 0);
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> applied() >= appliedBefore + EVENTS);
        }
        assertEquals(0, lag(topic), "a consumer that has ended holds no partition");
    }

    @Test
    void eventsReadAgainAreNotCountedAsAppliedAgain() {
        String topic = "keyway.test.usage.replay." + UUID.randomUUID();
        BillingTestTopics.createTopics(List.of(new NewTopic(topic, 1, (short) 1)));
        String account = UsageEvents.newAccount();
        List<String[]> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            records.add(new String[] {account, UsageEvents.nonByok(id(), account,
                    "2026-11-20T11:00:%02dZ".formatted(i), "0.01")});
        }
        TestKafka.send(topic, records);
        TestKafka.send(topic, List.of(records.get(0), records.get(1))); // the producer's retry: the same events again
        double before = applied();
        double duplicatesBefore = duplicates();
        try (UsageConsumer consumer = consumers.newConsumer(topic, "replay-" + UUID.randomUUID(), null).start()) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> duplicates() >= duplicatesBefore + 2 && lag(topic) == 0);
        }
        assertEquals(before + 5, applied(), "seven records, five events applied");
    }

    private double duplicates() {
        Counter counter = metrics.find("keyway.billing.usage.duplicates").counter();
        return counter == null ? 0 : counter.count();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
