package io.keyway.billing;

import static io.keyway.billing.UsageEvents.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.keyway.billing.config.BillingConfig;
import io.keyway.billing.service.UsageBatchApplier;
import io.keyway.billing.service.UsageBatchApplier.Applied;
import io.keyway.billing.service.UsageConsumer;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The duplicate rule of {@link UsageBatchApplier}: an event whose id was applied before, or that appears twice in one
 * batch, changes nothing the second time (DESIGN.md §4) — whether the batch meets it inside itself, in the table (the
 * COPY refused on the primary key, then one lookup), after a crash, or while another consumer is committing it. Batches
 * are handed to the applier as the consumer would, with offsets of their own, so that the stored offsets do not skip
 * them and the duplicate check is what is tested; PostgreSQL and the charges topic are the real ones.
 */
@QuarkusTest
class UsageDuplicateTests {

    private static final int FREE = 2;
    private static final BigDecimal BYOK_COST = new BigDecimal("0.10");
    private static final BigDecimal BYOK_FEE = new BigDecimal("0.005");
    private static final BigDecimal NON_BYOK_COST = new BigDecimal("0.02");

    @Inject
    UsageBatchApplier applier;

    @Inject
    DataSource dataSource;

    @Inject
    BillingConfig config;

    TestDb db;
    String topic;
    String account;

    @BeforeEach
    void setUp() {
        db = new TestDb(dataSource);
        topic = "keyway.test.usage.dup." + UUID.randomUUID(); // only a name for consumer_offsets: no Kafka topic read
        account = UsageEvents.newAccount();
        db.execute("INSERT INTO fee_overrides (account_id, byok_free_requests) VALUES (?, ?)", account, FREE);
    }

    /** Records of one partition from {@code firstOffset} on, as the consumer polls them. */
    private List<ConsumerRecord<String, byte[]>> batch(int partition, long firstOffset, String... values) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            records.add(new ConsumerRecord<>(topic, partition, firstOffset + i, account,
                    values[i].getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }

    private String byok(String eventId) {
        return UsageEvents.byok(eventId, account, "2026-11-20T10:00:00Z", BYOK_COST.toPlainString());
    }

    private String nonByok(String eventId) {
        return UsageEvents.nonByok(eventId, account, "2026-11-20T10:00:00Z", NON_BYOK_COST.toPlainString());
    }

    private long records() {
        return db.count("SELECT count(*) FROM usage_records WHERE account_id = ?", account);
    }

    private long generations() {
        return db.count("SELECT count(*) FROM generations WHERE account_id = ?", account);
    }

    private long byokCount() {
        return db.count("SELECT requests FROM byok_monthly_usage WHERE account_id = ?", account);
    }

    @Test
    void eventRepeatedInsideOneBatchIsChargedCountedAndKeptOnce() throws Exception {
        String a = id();
        String b = id();
        Applied applied = applier.apply(topic, batch(0, 0, nonByok(a), byok(b), nonByok(a), byok(b), nonByok(a)), null);

        assertEquals(2, applied.applied());
        assertEquals(3, applied.duplicates());
        assertEquals(2, records());
        assertEquals(2, generations());
        assertEquals(1, byokCount(), "the repeated BYOK request is counted once");
        assertEquals(0, NON_BYOK_COST.negate().compareTo(db.balance(account)), "the repeated request is charged once");
    }

    @Test
    void batchMixingAlreadyAppliedEventsWithNewOnesAppliesOnlyTheNewOnesAndCountsOnFromTheStoredCounter()
            throws Exception {
        String[] first = {id(), id(), id()}; // BYOK: numbers 1, 2 (free), 3 (fee)
        applier.apply(topic, batch(0, 0, byok(first[0]), byok(first[1]), byok(first[2])), null);
        assertEquals(3, byokCount());

        // the same three again (a producer's retry, a replay) between new events, at new offsets of another partition
        String fresh1 = id();
        String fresh2 = id();
        String freshNonByok = id();
        Applied applied = applier.apply(topic, batch(1, 0, byok(first[1]), byok(fresh1), byok(first[0]),
                nonByok(freshNonByok), byok(first[2]), byok(fresh2), byok(fresh1)), null);

        assertEquals(3, applied.applied());
        assertEquals(4, applied.duplicates(), "three applied before, one repeated inside the batch");
        assertEquals(6, records());
        assertEquals(6, generations());
        assertEquals(5, byokCount(), "only the new BYOK requests are counted");
        assertEquals(4L, db.byokNumber(fresh1), "numbered on from the stored counter, not from the batch");
        assertEquals(5L, db.byokNumber(fresh2));
        assertEquals(0, BYOK_FEE.compareTo(db.charge(fresh1)), "past the allowance: the fee");
        // fees for BYOK numbers 3, 4 and 5 and one non-BYOK request, nothing for the repeats
        BigDecimal expected = BYOK_FEE.multiply(BigDecimal.valueOf(3)).add(NON_BYOK_COST);
        assertEquals(0, expected.negate().compareTo(db.balance(account)));
        assertEquals(7, db.count("SELECT next_offset FROM consumer_offsets WHERE topic = ? AND kafka_partition = 1",
                topic), "a batch made only partly of repeats still moves its partition's offset past all of it");
    }

    @Test
    void batchMadeOnlyOfAlreadyAppliedEventsChangesNothingButItsOffsets() throws Exception {
        String a = id();
        String b = id();
        applier.apply(topic, batch(0, 0, byok(a), nonByok(b)), null);
        BigDecimal balance = db.balance(account);
        long sequence = db.count("SELECT sequence FROM accounts WHERE account_id = ?", account);

        Applied applied = applier.apply(topic, batch(1, 40, nonByok(b), byok(a)), null);

        assertEquals(0, applied.applied());
        assertEquals(2, applied.duplicates());
        assertEquals(0, balance.compareTo(db.balance(account)));
        assertEquals(sequence, db.count("SELECT sequence FROM accounts WHERE account_id = ?", account),
                "the account's state did not change, so its sequence did not move");
        assertEquals(1, byokCount());
        assertEquals(42, db.count("SELECT next_offset FROM consumer_offsets WHERE topic = ? AND kafka_partition = 1",
                topic));
    }

    @Test
    void batchRedeliveredAfterACrashBeforeItsCommitIsAppliedOnceAndAThirdDeliveryChangesNothing() throws Exception {
        String before = id();
        applier.apply(topic, batch(0, 0, byok(before)), null);
        String a = id();
        String b = id();
        // the redelivered batch holds an event applied before too, so the crash happens in the round after the lookup
        List<ConsumerRecord<String, byte[]>> batch = batch(0, 1, byok(a), byok(before), nonByok(b), byok(a));
        assertThrows(UsageConsumer.Crash.class, () -> applier.apply(topic, batch, n -> {
            throw new UsageConsumer.Crash("killed after writing " + n + " records, before the commit");
        }));
        assertEquals(1, records(), "the crashed batch left nothing behind");
        assertEquals(1, byokCount());

        Applied redelivered = applier.apply(topic, batch, null);
        assertEquals(2, redelivered.applied());
        assertEquals(2, redelivered.duplicates());

        // once more at new offsets (a replay from another topic copy or a reset group): nothing changes
        BigDecimal balance = db.balance(account);
        Applied third = applier.apply(topic, batch(2, 0, byok(a), byok(before), nonByok(b)), null);
        assertEquals(0, third.applied());
        assertEquals(3, records());
        assertEquals(3, generations());
        assertEquals(2, byokCount());
        assertEquals(0, balance.compareTo(db.balance(account)));
        assertEquals(0, NON_BYOK_COST.negate().compareTo(balance), "two BYOK requests free, one non-BYOK charged");
    }

    @Test
    void eventCommittedByAnotherConsumerWhileThisBatchWaitsOnItIsLeftOutAndTheRestOfTheBatchIsApplied()
            throws Exception {
        // the same event on two partitions, applied by two consumers at once; no BYOK request, so that the second
        // batch waits on the shared row itself and not on the first's lock of the account's monthly counter
        String shared = id();
        String onlyFirst = id();
        String onlySecond = id();
        CountDownLatch firstWrote = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        ExecutorService twoConsumers = Executors.newFixedThreadPool(2);
        CompletableFuture<Applied> first = CompletableFuture.supplyAsync(() -> {
            try {
                return applier.apply(topic, batch(0, 0, nonByok(shared), nonByok(onlyFirst)), n -> {
                    firstWrote.countDown();
                    try {
                        releaseFirst.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, twoConsumers);
        firstWrote.await(30, TimeUnit.SECONDS);
        CompletableFuture<Applied> second = CompletableFuture.supplyAsync(() -> {
            try {
                return applier.apply(topic, batch(1, 0, nonByok(shared), nonByok(onlySecond)), null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, twoConsumers);
        // the second batch's COPY waits on the first's uncommitted row of the shared event
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM pg_stat_activity "
                + "WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY usage_records%'")
                >= 1);
        releaseFirst.countDown();

        Applied a = first.get(30, TimeUnit.SECONDS);
        Applied b = second.get(30, TimeUnit.SECONDS);
        twoConsumers.shutdown();
        assertEquals(2, a.applied());
        assertEquals(1, b.applied());
        assertEquals(1, b.duplicates());
        assertEquals(3, records());
        assertEquals(3, generations());
        assertEquals(0, NON_BYOK_COST.multiply(BigDecimal.valueOf(3)).negate().compareTo(db.balance(account)),
                "the shared request is charged once");
        assertEquals(0, NON_BYOK_COST.compareTo(db.charge(onlySecond)));
    }
}
