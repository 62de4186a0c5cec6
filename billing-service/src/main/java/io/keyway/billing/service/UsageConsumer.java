package io.keyway.billing.service;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * One Kafka consumer of the usage topic on its own thread. Each poll is applied as one transaction by
 * {@link UsageBatchApplier}; the partition positions come from PostgreSQL (seeked to on every assignment and after a
 * failed batch), Kafka's committed offsets are only written for lag monitoring. A failing batch is retried from the
 * stored offsets after a pause; the consumer never stops on a bad event (those are dead-lettered by the applier).
 */
public final class UsageConsumer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(UsageConsumer.class);

    /** Thrown by a test hook to end the consumer as a crash would: no commit, no clean-up of the batch. */
    public static final class Crash extends RuntimeException {
        public Crash(String message) {
            super(message);
        }
    }

    public record Settings(Map<String, Object> kafka, String topic, String groupId, String clientId, int maxPollRecords,
            String autoOffsetReset, Duration retryBackoff) {
    }

    private final Settings settings;
    private final UsageBatchApplier applier;
    private final AccountStatePublisher states;
    private final UsageBatchApplier.BeforeCommit beforeCommit;
    private final Runnable afterDatabaseCommit;
    private final UsageTracing tracing;
    private final ConsumerLag lag;
    private final AtomicBoolean running = new AtomicBoolean();
    private final Thread thread;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile Throwable crash;

    /**
     * @param beforeCommit test seam inside the batch's transaction (null in production)
     * @param afterDatabaseCommit test seam after the batch's transaction committed, before its state is published and
     *            Kafka's offsets are committed (null in production)
     */
    public UsageConsumer(Settings settings, UsageBatchApplier applier, AccountStatePublisher states,
            UsageBatchApplier.BeforeCommit beforeCommit, Runnable afterDatabaseCommit, UsageTracing tracing, ConsumerLag lag) {
        this.settings = settings;
        this.lag = lag;
        this.applier = applier;
        this.states = states;
        this.beforeCommit = beforeCommit;
        this.afterDatabaseCommit = afterDatabaseCommit;
        this.tracing = tracing;
        this.thread = new Thread(this::loop, settings.clientId());
        this.thread.setDaemon(true);
    }

    public UsageConsumer start() {
        running.set(true);
        thread.start();
        return this;
    }

    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Why the consumer ended, when a {@link Crash} ended it. */
    public Throwable crash() {
        return crash;
    }

    private void loop() {
        // The service's kafka.* settings (bootstrap servers, SASL, TLS), then the consumer's own.
        Map<String, Object> props = KafkaClientSettings.only(settings.kafka(), ConsumerConfig.configNames());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.clientId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, settings.autoOffsetReset());
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> kafka = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = kafka;
            kafka.subscribe(List.of(settings.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // nothing in flight: batches are applied synchronously between polls
                    lag.forget(settings.clientId(), partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    seekToStored(kafka, partitions);
                }
            });
            while (running.get()) {
                List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
                Set<String> committed = new TreeSet<>();
                try {
                    ConsumerRecords<String, byte[]> polled = kafka.poll(Duration.ofMillis(500));
                    lag.measure(settings.clientId(), kafka, polled);
                    if (polled.isEmpty()) {
                        continue;
                    }
                    polled.forEach(batch::add);
                    applyIsolatingRefused(batch, committed);
                    if (afterDatabaseCommit != null) {
                        afterDatabaseCommit.run();
                    }
                    states.changed(committed);
                    Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
                    for (TopicPartition tp : polled.partitions()) {
                        List<ConsumerRecord<String, byte[]>> of = polled.records(tp);
                        positions.put(tp, new OffsetAndMetadata(of.get(of.size() - 1).offset() + 1));
                    }
                    kafka.commitAsync(positions, null);
                } catch (Crash | WakeupException e) {
                    throw e;
                } catch (Exception e) {
                    LOG.warnf("usage batch of %d records failed, retrying from stored offsets: %s", batch.size(),
                            e.toString());
                    if (!committed.isEmpty()) {
                        states.changed(committed); // parts of a split batch that did commit
                    }
                    rewind(kafka);
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                LOG.error("usage consumer woken up unexpectedly", e);
            }
        } catch (Crash e) {
            crash = e;
            LOG.infof("usage consumer %s crashed on purpose: %s", settings.clientId(), e.getMessage());
        } catch (RuntimeException e) {
            crash = e;
            LOG.error("usage consumer stopped", e);
        } finally {
            consumer = null;
            lag.forgetAll(settings.clientId());
        }
    }

    /**
     * Applies {@code records} in one transaction. When PostgreSQL refuses it with a data error (SQLState class 22 or
     * 23, see {@link UsageBatchApplier#dataErrorState}), the batch is split in halves, each applied (and split again)
     * on its own, in order, so that the record the database refuses ends up alone and goes to the dead-letter topic
     * with the reason, while every other record is applied once (each part stores its own offsets with its writes).
     * Any other failure is thrown: the caller retries the whole batch from the stored offsets after a pause.
     *
     * @param committed collects the accounts of the parts that committed
     */
    private void applyIsolatingRefused(List<ConsumerRecord<String, byte[]>> records, Set<String> committed)
            throws SQLException {
        try {
            committed.addAll(tracing.process(settings.topic(), settings.groupId(), records,
                    () -> applier.apply(settings.topic(), records, beforeCommit)).accounts());
        } catch (SQLException e) {
            String state = UsageBatchApplier.dataErrorState(e);
            if (state == null) {
                throw e;
            }
            if (records.size() == 1) {
                ConsumerRecord<String, byte[]> record = records.get(0);
                String reason = UsageBatchApplier.databaseRefusal(e);
                if (applier.deadLetterRefused(settings.topic(), record, reason)) {
                    LOG.warnf("usage record %s/%d@%d dead-lettered: %s", record.topic(), record.partition(),
                            record.offset(), reason);
                }
                return;
            }
            LOG.warnf("usage batch of %d records refused by the database (SQLState %s), applying it in halves to "
                    + "isolate the record", records.size(), state);
            int half = records.size() / 2;
            // halves keep each partition's order: the first half holds a partition's earlier offsets
            applyIsolatingRefused(records.subList(0, half), committed);
            applyIsolatingRefused(records.subList(half, records.size()), committed);
        }
    }

    private void seekToStored(KafkaConsumer<String, byte[]> kafka, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<Integer, Long> stored;
        try {
            stored = applier.storedOffsets(settings.topic());
        } catch (Exception e) {
            throw new IllegalStateException("cannot read stored offsets", e);
        }
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long next = stored.get(tp.partition());
            if (next != null) {
                kafka.seek(tp, next);
            } else {
                fresh.add(tp);
            }
        }
        if (!fresh.isEmpty()) {
            if ("latest".equals(settings.autoOffsetReset())) {
                kafka.seekToEnd(fresh);
            } else {
                kafka.seekToBeginning(fresh);
            }
        }
    }

    /** After a failure: back to the stored offsets, retried until it works, so no record is ever skipped. */
    private void rewind(KafkaConsumer<String, byte[]> kafka) {
        while (running.get()) {
            pause(settings.retryBackoff());
            try {
                seekToStored(kafka, kafka.assignment());
                return;
            } catch (RuntimeException e) {
                LOG.warnf("cannot rewind to stored offsets yet: %s", e.toString());
            }
        }
    }

    private void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.set(false);
        }
    }

    @Override
    public void close() {
        running.set(false);
        KafkaConsumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
