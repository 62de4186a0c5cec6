package io.keyway.gateway.health;

import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready until this instance has read billing's compacted account-state topic up to where it ended when first
 * asked: before that every account would look like balance 0 and get a 402. The goal is those first end offsets, not
 * the end at each check: billing publishes states all the time while it works through usage, so a consumer is nearly
 * always a record or two behind the current end, and a check against it could stay down for as long as billing is
 * busy. Once caught up it stays ready (later lag is normal operation, not a reason to take the pod out of the load
 * balancer).
 */
@Readiness
@ApplicationScoped
public class AccountStateReadinessCheck implements HealthCheck {

    static final String CHANNEL = "account-state";

    private final KafkaClientService kafka;
    private volatile boolean caughtUp;
    /** End offsets when each partition was first seen assigned: what "loaded" means. Polling thread only. */
    private final Map<TopicPartition, Long> goal = new HashMap<>();

    public AccountStateReadinessCheck(KafkaClientService kafka) {
        this.kafka = kafka;
    }

    @Override
    public HealthCheckResponse call() {
        var check = HealthCheckResponse.named("Account state loaded");
        if (caughtUp) {
            return check.up().build();
        }
        try {
            var consumer = kafka.getConsumer(CHANNEL);
            if (consumer == null) {
                return check.down().withData("reason", "consumer not started").build();
            }
            String lag = consumer.runOnPollingThread(c -> {
                Set<TopicPartition> assigned = c.assignment();
                if (assigned.isEmpty()) {
                    return "no partition assigned yet";
                }
                Set<TopicPartition> unseen = new HashSet<>(assigned);
                unseen.removeAll(goal.keySet());
                if (!unseen.isEmpty()) {
                    goal.putAll(c.endOffsets(unseen, Duration.ofSeconds(2)));
                }
                long behind = 0;
                for (TopicPartition tp : assigned) {
                    behind += Math.max(0, goal.get(tp) - c.position(tp, Duration.ofSeconds(2)));
                }
                return behind == 0 ? null : behind + " records behind";
            }).await().atMost(Duration.ofSeconds(4));
            if (lag == null) {
                caughtUp = true;
                return check.up().build();
            }
            return check.down().withData("reason", lag).build();
        } catch (RuntimeException e) {
            return check.down().withData("reason", e.getClass().getSimpleName()).build();
        }
    }
}
