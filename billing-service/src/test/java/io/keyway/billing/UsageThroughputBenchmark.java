package io.keyway.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.billing.config.BillingConfig;
import io.keyway.billing.service.UsageConsumer;
import io.keyway.billing.service.UsageConsumers;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Rerunnable throughput benchmark of the usage consumer (not in the default test run), on the real broker and the real
 * PostgreSQL, on a topic of the run's own ({@code keyway.bench.usage.<run>}, deleted afterwards), so that nobody
 * else's events are counted and nobody else's consumer sees these. Two modes ({@code benchmark.mode}):
 * <ul>
 * <li>{@code backlog} (default), the catch-up rate: N events are produced first while billing does not consume them,
 * then billing's consumers start and the clock runs until every event is applied (the stored offsets cover N);
 * the applied count is sampled every {@code benchmark.sample-seconds} so the rate along the catch-up is reported too;
 * <li>{@code live}: billing's consumers run first, then N events are produced at {@code benchmark.rate} events/s (0: as
 * fast as the producer can); reported are the rate from the first send to the last event applied, the largest
 * backlog seen, and per sample the applied rate and the backlog.
 * </ul>
 * Events are version 3 with a generation detail, as the gateway publishes them (half BYOK, half not, round-robin over
 * {@code benchmark.accounts} accounts, keyed by account). Afterwards exactly-once is checked: N usage records, N
 * generations and the exact expected total charged. Results go to stdout and {@code target/benchmark-result.txt}.
 * Commands: docs/benchmarks.md, billing-service.
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
        String mode = System.getProperty("benchmark.mode", "backlog");
        int rate = Integer.getInteger("benchmark.rate", 0);
        int sampleSeconds = Integer.getInteger("benchmark.sample-seconds", 5);
        if (!mode.equals("backlog") && !mode.equals("live")) {
            throw new IllegalArgumentException("benchmark.mode must be backlog or live, not " + mode);
        }
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic = "keyway.bench.usage." + run;
        BillingTestTopics.createTopics(List.of(new NewTopic(topic, 8, (short) 1)));
        List<String> accounts = new ArrayList<>();
        for (int i = 0; i < accountCount; i++) {
            accounts.add("bench-" + run + "-" + i);
        }
        TestDb db = new TestDb(dataSource);
        String load = loadAverage();
        try {
            List<UsageConsumer> running = new ArrayList<>();
            long applyStart = 0;
            ProcessCpu cpu;
            double produceSeconds;
            List<String> samples = java.util.Collections.synchronizedList(new ArrayList<>());
            long[] last = new long[2]; // the last sample: when, and the applied count then
            long maxBacklog;
            if (mode.equals("backlog")) {
                produceSeconds = produce(topic, accounts, events, 0, null);
                cpu = ProcessCpu.start(() -> backends(db));
                applyStart = System.nanoTime();
                startConsumers(running, threads, topic, run);
                maxBacklog = events;
            } else {
                startConsumers(running, threads, topic, run);
                Thread.sleep(3000); // the group's first assignment
                ProcessCpu liveCpu = ProcessCpu.start(() -> backends(db));
                cpu = liveCpu;
                long start = System.nanoTime();
                applyStart = start;
                last[0] = start;
                AtomicLong sent = new AtomicLong();
                long[] backlog = {0};
                // while producing: the largest backlog, and the applied rate and the backlog every sample-seconds
                Thread watcher = new Thread(() -> {
                    int polls = 0;
                    while (!Thread.currentThread().isInterrupted()) {
                        long applied = applied(db, topic);
                        long behind = sent.get() - applied;
                        backlog[0] = Math.max(backlog[0], behind);
                        long now = System.nanoTime();
                        if (++polls % 2 == 0) {
                            liveCpu.sample();
                        }
                        if (now - last[0] >= Duration.ofSeconds(sampleSeconds).toNanos()) {
                            samples.add(String.format("%.0fs:%.0f/s(backlog %d)", (now - start) / 1e9,
                                    (applied - last[1]) / ((now - last[0]) / 1e9), behind));
                            last[0] = now;
                            last[1] = applied;
                        }
                        LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
                    }
                }, "bench-backlog-watcher");
                watcher.setDaemon(true);
                watcher.start();
                produceSeconds = produce(topic, accounts, events, rate, sent);
                watcher.interrupt();
                watcher.join();
                maxBacklog = backlog[0];
            }
            long applied = 0;
            long lastSample = mode.equals("live") ? last[0] : applyStart;
            long lastApplied = last[1];
            int polls = 0;
            while (applied < events) {
                Thread.sleep(200);
                applied = applied(db, topic);
                long now = System.nanoTime();
                if (++polls % 5 == 0) {
                    cpu.sample(); // once a second: the sampling itself costs this JVM a little CPU
                }
                if (now - lastSample >= Duration.ofSeconds(sampleSeconds).toNanos()) {
                    samples.add(String.format("%.0fs:%.0f/s", (now - applyStart) / 1e9,
                            (applied - lastApplied) / ((now - lastSample) / 1e9)));
                    lastSample = now;
                    lastApplied = applied;
                }
                if (now - applyStart > Duration.ofMinutes(30).toNanos()) {
                    throw new AssertionError("only " + applied + " of " + events + " applied after 30 minutes");
                }
            }
            double seconds = (System.nanoTime() - applyStart) / 1e9;
            cpu.sample();
            running.forEach(UsageConsumer::close);

            long records = db.count("SELECT count(*) FROM usage_records WHERE account_id LIKE ?", "bench-" + run + "-%");
            long generations = db.count("SELECT count(*) FROM generations WHERE account_id LIKE ?", "bench-" + run + "-%");
            BigDecimal usage = db.money("SELECT sum(total_usage) FROM accounts WHERE account_id LIKE ?",
                    "bench-" + run + "-%");
            // non-BYOK events pay their list cost; BYOK ones are within the default 1,000,000 free a month
            BigDecimal expected = new BigDecimal("0.001").multiply(BigDecimal.valueOf(events / 2));
            String result = String.format(
                    "billing benchmark (%s%s): %d events, %d accounts, %d consumer thread(s): applied in %.1f s = %.0f "
                            + "events/s (produced in %.1f s%s); along the way %s; usage records %d, generations %d, total "
                            + "charged %s (expected %s); CPU: %s%s; load average at start %s, at end %s; cores %d; %s",
                    mode, mode.equals("live") ? ", rate " + (rate == 0 ? "unbounded" : rate + "/s") : "", events,
                    accountCount, threads, seconds, events / seconds, produceSeconds,
                    mode.equals("live") ? ", largest backlog " + maxBacklog : "", String.join(" ", samples), records,
                    generations, usage.stripTrailingZeros().toPlainString(), expected.toPlainString(),
                    cpu.perEvent(events), mode.equals("live") ? " (the JVM's share includes producing)" : "", load,
                    loadAverage(), Runtime.getRuntime().availableProcessors(), Instant.now());
            System.out.println(result);
            Files.writeString(Path.of("target", "benchmark-result.txt"), result + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            assertEquals(events, records, "each event applied exactly once");
            assertEquals(events, generations, "each event kept once for /generation");
            assertEquals(0, expected.compareTo(usage), "charges exact");
        } finally {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", BillingTestTopics.BOOTSTRAP))) {
                admin.deleteTopics(List.of(topic)).all().get(); // a million events is a gigabyte of the shared broker
            }
        }
    }

    private void startConsumers(List<UsageConsumer> running, int threads, String topic, String run) {
        for (int i = 0; i < threads; i++) {
            running.add(consumers.newConsumer(topic, "bench-" + run, null).start());
        }
    }

    /** PostgreSQL backends (and autovacuum workers) connected to billing's database. */
    private static List<Long> backends(TestDb db) {
        String pids = (String) db.one("SELECT coalesce(string_agg(pid::text, ','), '') FROM pg_stat_activity "
                + "WHERE datname = current_database() AND pid <> pg_backend_pid()");
        return pids.isEmpty() ? List.of() : java.util.Arrays.stream(pids.split(",")).map(Long::valueOf).toList();
    }

    private static long applied(TestDb db, String topic) {
        return db.count("SELECT coalesce(sum(next_offset), 0) FROM consumer_offsets WHERE topic = ?", topic);
    }

    /** Produces the events (every send acknowledged, or the run fails), at {@code rate} per second when above 0. */
    private static double produce(String topic, List<String> accounts, int events, int rate, AtomicLong sent) {
        AtomicLong lost = new AtomicLong();
        long start = System.nanoTime();
        try (var producer = new KafkaProducer<String, byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BillingTestTopics.BOOTSTRAP,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new ByteArraySerializer())) {
            Instant base = Instant.parse("2026-11-10T00:00:00Z");
            for (int i = 0; i < events; i++) {
                if (rate > 0 && i % 100 == 0) {
                    long due = start + (long) (i * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                String account = accounts.get(i % accounts.size());
                boolean byok = i % 2 == 0;
                String json = event(UUID.randomUUID().toString(), account, base.plusMillis(i).toString(), byok);
                producer.send(new ProducerRecord<>(topic, account, json.getBytes(StandardCharsets.UTF_8)), (m, e) -> {
                    if (e != null) {
                        lost.incrementAndGet();
                    } else if (sent != null) {
                        sent.incrementAndGet();
                    }
                });
            }
            producer.flush();
        }
        if (lost.get() > 0) {
            throw new AssertionError(lost.get() + " of " + events + " events were not acknowledged by the broker");
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** A version-3 success as the gateway publishes it, with its generation detail (one attempt, served). */
    private static String event(String id, String account, String at, boolean byok) {
        String provider = byok ? "openai" : "io-net";
        return """
                {"schema_version":3,"event_id":"%s","occurred_at":"%s","account_id":"%s","api_key_id":"key-%s",\
                "model":"openai/gpt-4o-mini","provider":"%s","is_byok":%s,"byok_key_id":%s,"prompt_tokens":120,\
                "completion_tokens":30,"list_cost":"%s","status":"success","http_status":200,"latency_ms":420,\
                "streamed":true,"attempts":1,"abandoned_attempts":[],"interrupted":null,"tokens_estimated":false,\
                "budget_leases":[],"generation":{"provider_name":"%s","finish_reason":"stop",\
                "native_finish_reason":"stop","first_byte_ms":90,"cached_tokens":0,"reasoning_tokens":null,\
                "cancelled":false,"user":null,"http_referer":null,"attempts":[{"model":"openai/gpt-4o-mini",\
                "provider":"%s","credential":"%s","byok_key_id":%s,"status":200,"outcome":"success",\
                "latency_ms":400}]}}"""
                .formatted(id, at, account, account, provider, byok, byok ? "\"byok-bench-1\"" : "null",
                        byok ? "0.002" : "0.001", provider, provider, byok ? "byok_prioritized" : "pooled",
                        byok ? "\"byok-bench-1\"" : "null");
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim().replaceAll("^(\\S+ \\S+ \\S+).*", "$1");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
