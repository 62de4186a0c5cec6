package io.keyway.gateway.service;

import io.keyway.contracts.UsageEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Publishes one usage event per request on keyway.usage.v1, keyed by account so each account's events stay in order. */
@ApplicationScoped
public class UsagePublisher {

    private final MutinyEmitter<UsageEvent> emitter;

    public UsagePublisher(@Channel("usage-out") MutinyEmitter<UsageEvent> emitter) {
        this.emitter = emitter;
    }

    /** Completes when the broker has acknowledged the event (acks=all). */
    public Uni<Void> publish(UsageEvent event) {
        var metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(event.accountId()).build();
        return emitter.sendMessage(Message.of(event).addMetadata(metadata));
    }
}
