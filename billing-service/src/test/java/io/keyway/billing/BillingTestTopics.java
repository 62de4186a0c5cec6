package io.keyway.billing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Gives each test run its own topics on the shared broker, so other engineers' events never reach these tests and
 * leftover records of earlier runs never count.
 */
@io.quarkus.test.common.QuarkusTestResource(BillingTestTopics.class)
public class BillingTestTopics implements QuarkusTestResourceLifecycleManager {

    public static final String BOOTSTRAP = System.getenv().getOrDefault("KEYWAY_KAFKA_BOOTSTRAP", "127.0.0.1:19092");

    @Override
    public Map<String, String> start() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String usage = "keyway.test.usage." + run;
        String dlq = "keyway.test.usage-dlq." + run;
        String state = "keyway.test.account-state." + run;
        String charges = "keyway.test.charges." + run;
        String keyUsage = "keyway.test.api-key-usage." + run;
        createTopics(List.of(new NewTopic(usage, 4, (short) 1), new NewTopic(dlq, 1, (short) 1),
                new NewTopic(state, 4, (short) 1), new NewTopic(charges, 4, (short) 1),
                new NewTopic(keyUsage, 4, (short) 1)));
        return Map.of(
                "keyway.billing.usage-topic", usage,
                "keyway.billing.dead-letter-topic", dlq,
                "keyway.billing.account-state-topic", state,
                "keyway.billing.charges-topic", charges,
                "keyway.billing.api-key-usage-topic", keyUsage);
    }

    /**
     * Creates the topics and waits until the broker reports a leader for every partition: an idempotent producer that
     * sends before the broker has applied the creation can lose a batch silently (KAFKA-15591: the first request fails
     * with NOT_LEADER_OR_FOLLOWER, a later one lands, the first is retried with OUT_OF_ORDER_SEQUENCE_NUMBER until it
     * expires).
     */
    public static void createTopics(List<NewTopic> topics) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", BOOTSTRAP))) {
            admin.createTopics(topics).all().get();
            List<String> names = topics.stream().map(NewTopic::name).toList();
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            while (true) {
                boolean ready;
                try {
                    ready = admin.describeTopics(names).allTopicNames().get().values().stream()
                            .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null
                                    && !p.leader().isEmpty()));
                } catch (java.util.concurrent.ExecutionException notYetKnown) {
                    ready = false;
                }
                if (ready) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("test topics have no leader after 30 s: " + names);
                }
                Thread.sleep(50);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create test topics", e);
        }
    }

    @Override
    public void stop() {
        // topics are left for inspection; their names are unique per run
    }
}
