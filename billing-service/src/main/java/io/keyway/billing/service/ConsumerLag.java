package io.keyway.billing.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Usage consumer lag: records of a topic this replica's consumers hold that are not applied yet, summed over their
 * partitions — the gauge {@value #METRIC} per topic (summed across replicas in a query). Each consumer measures it on
 * its own thread after every poll, from what the Kafka client already knows (its position and the log end it learned
 * from its last fetch, {@link Consumer#currentLag}: no request to the broker), plus the records just polled, which are
 * applied next. A partition whose log end the consumer has not learned yet (just assigned, not fetched) counts 0
 * until its first fetch; a revoked partition no longer counts here (its new owner counts it).
 */
@ApplicationScoped
public class ConsumerLag {

    public static final String METRIC = "keyway.billing.usage.consumer.lag";

    private record Held(String consumer, TopicPartition partition) {
    }

    private final MeterRegistry registry;
    private final Map<Held, Long> behind = new ConcurrentHashMap<>();
    private final Set<String> topics = ConcurrentHashMap.newKeySet();

    public ConsumerLag(MeterRegistry registry) {
        this.registry = registry;
    }

    /** After a poll of {@code consumer} (named {@code name}), whose {@code polled} records are applied next. */
    public void measure(String name, Consumer<?, ?> consumer, ConsumerRecords<?, ?> polled) {
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong lag = consumer.currentLag(tp);
            Held held = new Held(name, tp);
            if (lag.isPresent()) {
                behind.put(held, lag.getAsLong() + polled.records(tp).size());
                if (topics.add(tp.topic())) {
                    register(tp.topic());
                }
            } else {
                behind.remove(held);
            }
        }
    }

    /** The consumer no longer holds these partitions. */
    public void forget(String name, Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            behind.remove(new Held(name, tp));
        }
    }

    /** The consumer has ended. */
    public void forgetAll(String name) {
        behind.keySet().removeIf(h -> h.consumer().equals(name));
    }

    /** Records behind on {@code topic}, summed over this replica's consumers and their partitions. */
    public long behind(String topic) {
        long sum = 0;
        for (var e : behind.entrySet()) {
            if (e.getKey().partition().topic().equals(topic)) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    private void register(String topic) {
        Gauge.builder(METRIC, this, c -> c.behind(topic)).baseUnit("records")
                .description("Usage records not yet applied by this replica's consumers (log end minus position, plus"
                        + " the batch in hand)")
                .tag("topic", topic).strongReference(true).register(registry);
    }
}
