package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.UsageEvent;
import io.keyway.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

/**
 * Publishes one usage event per request on keyway.usage.v1, keyed by account so each account's events stay in order
 * (idempotent producer, acks=all). Never blocks a response: events wait in a bounded buffer for the broker's ack.
 * Never loses one silently: an event the broker did not take, or the full buffer refused, is logged at ERROR with its
 * full JSON (it holds no secret) and counted in {@code keyway_usage_events_failed_total}; the pending count is the
 * gauge {@code keyway_usage_events_pending}.
 */
@ApplicationScoped
public class UsagePublisher {

    private static final Logger LOG = Logger.getLogger(UsagePublisher.class);

    private final MutinyEmitter<UsageEvent> emitter;
    private final ObjectMapper json;
    private final int maxPending;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean brokerTrouble = new AtomicBoolean();
    private final Counter published;
    private final Counter failed;

    public UsagePublisher(@Channel("usage-out") @OnOverflow(value = OnOverflow.Strategy.UNBOUNDED_BUFFER)
                          MutinyEmitter<UsageEvent> emitter, ObjectMapper json, GatewayConfig config,
                          MeterRegistry registry) {
        this.emitter = emitter;
        this.json = json;
        this.maxPending = config.usage().maxPending();
        this.published = registry.counter("keyway.usage.events.published");
        this.failed = registry.counter("keyway.usage.events.failed");
        registry.gauge("keyway.usage.events.pending", pending);
    }

    /** Completes when the broker has acknowledged the event (acks=all). */
    public Uni<Void> publish(UsageEvent event) {
        var metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(event.accountId()).build();
        return emitter.sendMessage(Message.of(event).addMetadata(metadata));
    }

    /** Fire and forget, bounded; the outcome is counted and, when bad, logged with the event. */
    public void publishInBackground(UsageEvent event) {
        if (pending.incrementAndGet() > maxPending) {
            pending.decrementAndGet();
            lost(event, "buffer full (" + maxPending + " events await the broker)");
            return;
        }
        publish(event).subscribe().with(ok -> {
            pending.decrementAndGet();
            published.increment();
            if (brokerTrouble.compareAndSet(true, false)) {
                LOG.info("Usage events are being published again");
            }
        }, failure -> {
            pending.decrementAndGet();
            brokerTrouble.set(true);
            lost(event, failure.getClass().getSimpleName() + ": " + failure.getMessage());
        });
    }

    public int pending() {
        return pending.get();
    }

    private void lost(UsageEvent event, String reason) {
        failed.increment();
        String body;
        try {
            body = json.writeValueAsString(event);
        } catch (Exception e) {
            body = event.eventId();
        }
        LOG.errorf("Usage event NOT published (%s); replay it from this line: %s", reason, body);
    }
}
