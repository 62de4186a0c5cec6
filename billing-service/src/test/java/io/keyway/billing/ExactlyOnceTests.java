package io.keyway.billing;

import static io.keyway.billing.UsageEvents.id;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.billing.config.BillingConfig;
import io.keyway.billing.service.UsageConsumer;
import io.keyway.billing.service.UsageConsumers;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Exactly once in effect (DESIGN.md §4): extra consumers on their own per-test topics of the real broker, crashed,
 * restarted, replayed and run side by side; every account's count, fees and balance must come out exact.
 */
@QuarkusTest
class ExactlyOnceTests {

    private static final int FREE = 3;
    private static final BigDecimal BYOK_COST = new BigDecimal("0.10");
    private static final BigDecimal BYOK_FEE = new BigDecimal("0.005");
    private static final BigDecimal NON_BYOK_COST = new BigDecimal("0.02");

    @Inject
    UsageConsumers consumers;

    @Inject
    DataSource dataSource;

    @Inject
    BillingConfig config;

    @Inject
    MeterRegistry metrics;

    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(dataSource);
    }

    /** Events for {@code accounts}: per account, alternating BYOK and non-BYOK, in order. */
    private record Workload(String topic, List<String> accounts, List<String[]> records, int perAccount) {

        /** What the rules say each account ends with: BYOK count, fees, balance. */
        BigDecimal expectedBalance() {
            BigDecimal charged = BigDecimal.ZERO;
            int byok = 0;
            for (int i = 0; i < perAccount; i++) {
                if (i % 2 == 0) {
                    byok++;
                    charged = charged.add(byok <= FREE ? BigDecimal.ZERO : BYOK_FEE);
                } else {
                    charged = charged.add(NON_BYOK_COST);
                }
            }
            return charged.negate();
        }

        long expectedByok() {
            return (perAccount + 1) / 2;
        }
    }

    private Workload workload(int accountCount, int perAccount) {
        String topic = "keyway.test.usage.eo." + UUID.randomUUID();
        BillingTestTopics.createTopics(List.of(new NewTopic(topic, 4, (short) 1)));
        List<String> accounts = new ArrayList<>();
        for (int a = 0; a < accountCount; a++) {
            String account = UsageEvents.newAccount();
            accounts.add(account);
            db.execute("INSERT INTO fee_overrides (account_id, byok_free_requests) VALUES (?, ?)", account, FREE);
        }
        List<String[]> records = new ArrayList<>();
        for (int i = 0; i < perAccount; i++) {
            for (String account : accounts) {
                String at = "2026-11-20T10:%02d:%02dZ".formatted(i / 60, i % 60);
                records.add(new String[] {account, i % 2 == 0
                        ? UsageEvents.byok(id(), account, at, BYOK_COST.toPlainString())
                        : UsageEvents.nonByok(id(), account, at, NON_BYOK_COST.toPlainString())});
            }
        }
        return new Workload(topic, accounts, records, perAccount);
    }

    private long storedPosition(String topic) {
        return db.count("SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets WHERE topic = ?", topic);
    }

    private void awaitPosition(String topic, long position) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> storedPosition(topic) == position);
    }

    private Map<String, String> snapshot(Workload w) {
        Map<String, String> state = new LinkedHashMap<>();
        for (String account : w.accounts()) {
            state.put(account, db.balance(account).stripTrailingZeros().toPlainString() + " / "
                    + db.count("SELECT requests FROM byok_monthly_usage WHERE account_id = ?", account) + " / "
                    + db.count("SELECT count(*) FROM usage_records WHERE account_id = ?", account) + " / "
                    + db.count("SELECT sequence FROM accounts WHERE account_id = ?", account));
        }
        return state;
    }

    private void assertExact(Workload w) {
        for (String account : w.accounts()) {
            assertEquals(0, w.expectedBalance().compareTo(db.balance(account)), "balance of " + account);
            assertEquals(w.expectedByok(), db.count("SELECT requests FROM byok_monthly_usage WHERE account_id = ?",
                    account), "BYOK count of " + account);
            assertEquals(w.perAccount(), db.count("SELECT count(*) FROM usage_records WHERE account_id = ?", account),
                    "usage records of " + account);
        }
    }

    @Test
    void replayFromOffsetZeroChangesNothing() {
        Workload w = workload(4, 30);
        TestKafka.send(w.topic(), w.records());
        try (UsageConsumer first = consumers.newConsumer(w.topic(), "eo-" + UUID.randomUUID(), null).start()) {
            awaitPosition(w.topic(), w.records().size());
        }
        assertExact(w);
        Map<String, String> before = snapshot(w);

        // forget every stored position: a new consumer group reads the whole topic again from offset 0
        db.execute("DELETE FROM consumer_offsets WHERE topic = ?", w.topic());
        try (UsageConsumer replay = consumers.newConsumer(w.topic(), "eo-replay-" + UUID.randomUUID(), null).start()) {
            awaitPosition(w.topic(), w.records().size());
        }
        assertEquals(before, snapshot(w), "balances, counters, records and sequences are unchanged by the replay");
    }

    @Test
    void consumerStoppedMidBatchAndRestartedAppliesEachEventOnce() {
        Workload w = workload(4, 40);
        TestKafka.send(w.topic(), w.records());
        String group = "eo-" + UUID.randomUUID();
        AtomicInteger calls = new AtomicInteger();
        UsageConsumer crashing = consumers.newConsumer(w.topic(), group, records -> {
            calls.incrementAndGet();
            throw new UsageConsumer.Crash("killed after writing " + records + " records, before the commit");
        }).start();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !crashing.isAlive());
        assertInstanceOf(UsageConsumer.Crash.class, crashing.crash());
        assertEquals(1, calls.get());
        for (String account : w.accounts()) {
            assertEquals(0, db.count("SELECT count(*) FROM usage_records WHERE account_id = ?", account),
                    "the crashed batch left nothing behind");
        }
        assertEquals(0, storedPosition(w.topic()));

        // restarted in the same group; Kafka never got a committed offset from the crashed one
        try (UsageConsumer restarted = consumers.newConsumer(w.topic(), group, null).start()) {
            awaitPosition(w.topic(), w.records().size());
        }
        assertExact(w);
    }

    @Test
    void crashBetweenTheDatabaseCommitAndTheKafkaOffsetCommitNeitherLosesNorDoublesAnything() throws Exception {
        Workload w = workload(4, 40);
        TestKafka.send(w.topic(), w.records());
        String group = "eo-" + UUID.randomUUID();
        UsageConsumer crashing = consumers.newConsumer(w.topic(), group, null, () -> {
            throw new UsageConsumer.Crash("killed after the database commit, before Kafka's offset commit");
        }).start();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> !crashing.isAlive());
        assertInstanceOf(UsageConsumer.Crash.class, crashing.crash());
        long committedInDatabase = storedPosition(w.topic());
        assertTrue(committedInDatabase > 0, "the first batch was committed in PostgreSQL");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", BillingTestTopics.BOOTSTRAP))) {
            assertTrue(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().values().stream()
                    .allMatch(o -> o == null), "Kafka never got an offset commit from the crashed consumer");
        }

        // restarted in the same group: Kafka would hand out the committed batch again
        try (UsageConsumer restarted = consumers.newConsumer(w.topic(), group, null).start()) {
            awaitPosition(w.topic(), w.records().size());
        }
        assertExact(w);
    }

    @Test
    void batchFailingAfterItsWritesIsRetriedWithoutDoublingAnything() {
        Workload w = workload(3, 20);
        TestKafka.send(w.topic(), w.records());
        AtomicInteger failures = new AtomicInteger();
        try (UsageConsumer flaky = consumers.newConsumer(w.topic(), "eo-" + UUID.randomUUID(), records -> {
            if (failures.getAndIncrement() < 2) {
                throw new IllegalStateException("database went away mid-batch");
            }
        }).start()) {
            awaitPosition(w.topic(), w.records().size());
            assertFalse(flaky.crash() != null, "a failed batch does not stop the consumer");
        }
        assertExact(w);
    }

    @Test
    void twoConsumerInstancesAndRebalancesApplyEachEventOnce() throws Exception {
        Workload w = workload(12, 60);
        String group = "eo-" + UUID.randomUUID();
        int half = w.records().size() / 2;
        UsageConsumer a = consumers.newConsumer(w.topic(), group, null).start();
        UsageConsumer b = consumers.newConsumer(w.topic(), group, null).start();
        try {
            TestKafka.send(w.topic(), w.records().subList(0, half));
            // a third instance joins and the first leaves while events are flowing: two rebalances
            UsageConsumer c = consumers.newConsumer(w.topic(), group, null).start();
            try {
                a.close();
                TestKafka.send(w.topic(), w.records().subList(half, w.records().size()));
                awaitPosition(w.topic(), w.records().size());
            } finally {
                c.close();
            }
        } finally {
            a.close();
            b.close();
        }
        assertExact(w);
    }

    /**
     * A test-only trigger on usage_records that raises {@code errcode} when the row of {@code eventId} is written (COPY
     * fires row triggers), the first {@code times} times; as a constraint, a bad value or a lost connection would.
     */
    private void refuseUsageRecord(String eventId, String errcode, int times) {
        db.execute("DROP TRIGGER IF EXISTS refuse_test_usage ON usage_records");
        db.execute("DROP SEQUENCE IF EXISTS refuse_test_usage_calls");
        db.execute("CREATE SEQUENCE refuse_test_usage_calls");
        db.execute("CREATE OR REPLACE FUNCTION refuse_test_usage() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "IF NEW.event_id = '" + eventId + "'::uuid THEN "
                + "IF nextval('refuse_test_usage_calls') <= " + times + " THEN "
                + "RAISE EXCEPTION 'refused by test trigger' USING ERRCODE = '" + errcode + "'; END IF; END IF; "
                + "RETURN NEW; END $$");
        db.execute("CREATE TRIGGER refuse_test_usage BEFORE INSERT ON usage_records FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_test_usage()");
    }

    private void dropRefusal() {
        db.execute("DROP TRIGGER IF EXISTS refuse_test_usage ON usage_records");
        db.execute("DROP FUNCTION IF EXISTS refuse_test_usage()");
        db.execute("DROP SEQUENCE IF EXISTS refuse_test_usage_calls");
    }

    private double deadLetteredByTheDatabase() {
        return metrics.find("keyway.billing.usage.dead_lettered").tag("reason", "database").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void eventTheDatabaseRefusesWithADataErrorIsDeadLetteredAloneWithItsReasonAndEveryOtherEventOfItsBatchIsAppliedOnce() {
        Workload w = workload(3, 20);
        String victim = UsageEvents.newAccount();
        String refused = id();
        String afterRefused = id();
        String refusedJson = UsageEvents.nonByok(refused, victim, "2026-11-20T10:30:00Z", "0.3");
        List<String[]> records = new ArrayList<>(w.records());
        // in the middle of the batch, followed by a good event of the same account (same partition, later offset)
        records.add(records.size() / 2, new String[] {victim, refusedJson});
        records.add(new String[] {victim, UsageEvents.nonByok(afterRefused, victim, "2026-11-20T10:31:00Z", "0.2")});
        double before = deadLetteredByTheDatabase();
        refuseUsageRecord(refused, "check_violation", Integer.MAX_VALUE);
        try {
            // all on the broker before the consumer starts: its first poll holds the refused event among the others
            TestKafka.send(w.topic(), records);
            try (UsageConsumer consumer = consumers.newConsumer(w.topic(), "eo-" + UUID.randomUUID(), null).start()) {
                awaitPosition(w.topic(), records.size());
                assertNull(consumer.crash(), "the consumer keeps going");
            }
        } finally {
            dropRefusal();
        }
        assertExact(w);
        assertNull(db.charge(refused), "the refused event is not applied");
        assertEquals(0, new BigDecimal("-0.2").compareTo(db.balance(victim)), "the account's later event is applied once");
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.readAll(config.deadLetterTopic(), victim);
        assertEquals(1, dead.size(), "dead-lettered once");
        assertEquals("database refused the event (SQLState 23514): refused by test trigger",
                header(dead.get(0), "keyway.dlq.reason"));
        assertTrue(header(dead.get(0), "keyway.dlq.source").startsWith(w.topic() + "/"));
        assertEquals(refusedJson, TestKafka.value(dead.get(0)), "the original value is kept");
        assertEquals(before + 1, deadLetteredByTheDatabase(), "counted in the dead-letter metric");
    }

    @Test
    void transientDatabaseErrorIsRetriedWholeAfterABackoffAndNothingIsDeadLettered() {
        Workload w = workload(2, 10);
        String account = UsageEvents.newAccount();
        String delayed = id();
        List<String[]> records = new ArrayList<>(w.records());
        records.add(records.size() / 2,
                new String[] {account, UsageEvents.nonByok(delayed, account, "2026-11-20T10:30:00Z", "0.3")});
        double before = deadLetteredByTheDatabase();
        // serialization_failure (class 40): not the record's fault, the first three attempts fail
        refuseUsageRecord(delayed, "40001", 3);
        try {
            TestKafka.send(w.topic(), records);
            try (UsageConsumer consumer = consumers.newConsumer(w.topic(), "eo-" + UUID.randomUUID(), null).start()) {
                awaitPosition(w.topic(), records.size());
                assertNull(consumer.crash());
            }
            assertTrue(db.count("SELECT last_value FROM refuse_test_usage_calls") > 3, "retried after each failure");
        } finally {
            dropRefusal();
        }
        assertExact(w);
        assertEquals(0, new BigDecimal("-0.3").compareTo(db.balance(account)), "applied once it could be");
        assertEquals(0, TestKafka.readAll(config.deadLetterTopic(), account).size(), "nothing dead-lettered");
        assertEquals(before, deadLetteredByTheDatabase());
    }
}
