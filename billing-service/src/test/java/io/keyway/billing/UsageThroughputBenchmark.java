package io.keyway.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.billing.config.BillingConfig;
import io.keyway.billing.service.UsageConsumer;
import io.keyway.billing.service.UsageConsumers;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Rerunnable throughput benchmark (not in the default test run): N usage events (system property benchmark.events,
 * default 1,000,000) are produced to a fresh 8-partition topic on the real broker first; then billing consumers
 * (benchmark.threads, default: the service's keyway.billing.consumer.threads, i.e. 2) are started and the time until
 * every event is applied (stored offsets = N) is measured. Afterwards the totals are checked: exactly N usage records and the exact expected charges.
 * Run: {@code ./mvnw -B -ntp -pl billing-service verify -Pbenchmark -Dbenchmark.events=1000000}
 */
@QuarkusTest
class UsageThroughputBenchmark {

    @Inject
    UsageConsumers consumers;

    @Inject
    DataSource dataSource;

    @Inject
    BillingConfig config;

    @Test
    void appliesUsageEventsExactlyOnceAtSustainedRate() throws Exception {
        int events = Integer.getInteger("benchmark.events", 1_000_000);
        int threads = Integer.getInteger("benchmark.threads", config.consumer().threads());
        int accountCount = Integer.getInteger("benchmark.accounts", 1000);
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic = "keyway.bench.usage." + run;
        BillingTestTopics.createTopics(List.of(new NewTopic(topic, 8, (short) 1)));
        List<String> accounts = new ArrayList<>();
        for (int i = 0; i < accountCount; i++) {
            accounts.add("bench-" + run + "-" + i);
        }

        AtomicLong lost = new AtomicLong();
        long produceStart = System.nanoTime();
        try (var producer = new KafkaProducer<String, byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BillingTestTopics.BOOTSTRAP,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new ByteArraySerializer())) {
            Instant base = Instant.parse("2026-11-10T00:00:00Z");
            for (int i = 0; i < events; i++) {
                String account = accounts.get(i % accountCount);
                boolean byok = i % 2 == 0;
                String json = UsageEvents.event(UUID.randomUUID().toString(), account, "key-" + account,
                        base.plusMillis(i).toString(), byok, byok ? "0.002" : "0.001", "success");
                producer.send(new ProducerRecord<>(topic, account, json.getBytes(StandardCharsets.UTF_8)), (m, e) -> {
                    if (e != null) {
                        lost.incrementAndGet();
                    }
                });
            }
            producer.flush();
        }
        if (lost.get() > 0) {
            throw new AssertionError(lost.get() + " of " + events + " events were not acknowledged by the broker");
        }
        double produceSeconds = (System.nanoTime() - produceStart) / 1e9;

        TestDb db = new TestDb(dataSource);
        List<UsageConsumer> running = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            running.add(consumers.newConsumer(topic, "bench-" + run, null).start());
        }
        long applied = 0;
        while (applied < events) {
            Thread.sleep(200);
            applied = db.count("SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets WHERE topic = ?", topic);
            if (System.nanoTime() - start > Duration.ofMinutes(30).toNanos()) {
                throw new AssertionError("only " + applied + " of " + events + " applied after 30 minutes");
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        running.forEach(UsageConsumer::close);

        long records = db.count("SELECT count(*) FROM usage_records WHERE account_id LIKE ?", "bench-" + run + "-%");
        BigDecimal usage = db.money("SELECT sum(total_usage) FROM accounts WHERE account_id LIKE ?", "bench-" + run + "-%");
        // non-BYOK events pay their list cost; BYOK ones are within the default 1,000,000 free a month
        BigDecimal expected = new BigDecimal("0.001").multiply(BigDecimal.valueOf(events / 2));
        String result = String.format(
                "billing benchmark: %d events, %d accounts, %d consumer thread(s): applied in %.1f s = %.0f events/s "
                        + "(produced in %.1f s); usage records %d, total charged %s (expected %s), cores %d",
                events, accountCount, threads, seconds, events / seconds, produceSeconds, records,
                usage.stripTrailingZeros().toPlainString(), expected.toPlainString(),
                Runtime.getRuntime().availableProcessors());
        System.out.println(result);
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "benchmark-result.txt"), result + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        assertEquals(events, records, "each event applied exactly once");
        assertEquals(0, expected.compareTo(usage), "charges exact");
    }
}
