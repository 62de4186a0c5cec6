package io.keyway.billing.service;

import io.keyway.billing.config.BillingConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Starts the configured usage consumer threads with the application and stops them with it. */
@ApplicationScoped
public class UsageConsumers {

    private final BillingConfig config;
    private final Map<String, Object> kafka;
    private final UsageBatchApplier applier;
    private final AccountStatePublisher states;
    private final UsageTracing tracing;
    private final ConsumerLag lag;
    private final List<UsageConsumer> running = new ArrayList<>();

    public UsageConsumers(BillingConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafka,
            UsageBatchApplier applier, AccountStatePublisher states, UsageTracing tracing, ConsumerLag lag) {
        this.config = config;
        this.kafka = kafka;
        this.applier = applier;
        this.states = states;
        this.tracing = tracing;
        this.lag = lag;
    }

    void onStart(@Observes StartupEvent event) {
        if (config.republishStateOnStart()) {
            states.republishAll();
        }
        if (!config.consumer().enabled()) {
            return;
        }
        for (int i = 0; i < config.consumer().threads(); i++) {
            running.add(newConsumer(config.usageTopic(), config.consumer().groupId(), null).start());
        }
    }

    /** A consumer of {@code topic} with this service's settings (tests start extra ones on their own topics). */
    public UsageConsumer newConsumer(String topic, String groupId, UsageBatchApplier.BeforeCommit beforeCommit) {
        return newConsumer(topic, groupId, beforeCommit, null);
    }

    /** As above, with a hook run after each batch's database commit and before Kafka's offset commit (tests). */
    public UsageConsumer newConsumer(String topic, String groupId, UsageBatchApplier.BeforeCommit beforeCommit,
            Runnable afterDatabaseCommit) {
        String prefix = config.consumer().clientIdPrefix().orElse("billing-usage");
        return new UsageConsumer(new UsageConsumer.Settings(kafka, topic, groupId,
                prefix + "-" + UUID.randomUUID().toString().substring(0, 8), config.consumer().maxPollRecords(),
                config.consumer().autoOffsetReset(), config.consumer().retryBackoff()), applier, states, beforeCommit,
                afterDatabaseCommit, tracing, lag);
    }

    void onStop(@Observes ShutdownEvent event) {
        running.forEach(UsageConsumer::close);
        running.clear();
    }
}
