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
        createTopics(List.of(new NewTopic(usage, 4, (short) 1), new NewTopic(dlq, 1, (short) 1),
                new NewTopic(state, 4, (short) 1), new NewTopic(charges, 4, (short) 1)));
        return Map.of(
                "keyway.billing.usage-topic", usage,
                "keyway.billing.dead-letter-topic", dlq,
                "keyway.billing.account-state-topic", state,
                "keyway.billing.charges-topic", charges);
    }

    public static void createTopics(List<NewTopic> topics) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", BOOTSTRAP))) {
            admin.createTopics(topics).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create test topics", e);
        }
    }

    @Override
    public void stop() {
        // topics are left for inspection; their names are unique per run
    }
}
