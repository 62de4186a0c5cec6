package io.keyway.billing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

/** Produces to and reads from the real broker in tests. */
final class TestKafka {

    private TestKafka() {
    }

    /**
     * Sends the records in order and waits until the broker acknowledged every one (a lost send fails the test instead
     * of leaving it waiting). One request in flight: a retried batch can never be overtaken by a later one.
     */
    static void send(String topic, List<String[]> keyAndValue) {
        try (var producer = new KafkaProducer<String, byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BillingTestTopics.BOOTSTRAP,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(keyAndValue.size());
            for (String[] kv : keyAndValue) {
                sent.add(producer.send(new ProducerRecord<>(topic, kv[0], kv[1].getBytes(StandardCharsets.UTF_8))));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the broker did not acknowledge a test record on " + topic, e);
        }
    }

    static void send(String topic, String key, String value) {
        send(topic, List.<String[]>of(new String[] {key, value}));
    }

    /** Every record of {@code topic} so far whose key is {@code key}, oldest first. */
    static List<ConsumerRecord<String, byte[]>> readAll(String topic, String key) {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<String, byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BillingTestTopics.BOOTSTRAP,
                ConsumerConfig.GROUP_ID_CONFIG, "billing-test-reader-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                boolean done = partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
                if (done) {
                    break;
                }
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    if (key == null || key.equals(r.key())) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }

    /** Waits until the records of {@code key} on {@code topic} satisfy {@code condition}; returns them. */
    static List<ConsumerRecord<String, byte[]>> awaitRecords(String topic, String key,
            Predicate<List<ConsumerRecord<String, byte[]>>> condition) {
        List<List<ConsumerRecord<String, byte[]>>> holder = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
            List<ConsumerRecord<String, byte[]>> records = readAll(topic, key);
            if (condition.test(records)) {
                holder.add(records);
                return true;
            }
            return false;
        });
        return holder.get(0);
    }

    static String value(ConsumerRecord<String, byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }
}
