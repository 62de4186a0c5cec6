package io.keyway.keys.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.KeyChange;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Publishes {@link KeyChange} on {@code keyway.key-changes.v1} (key = account id, or "platform") after a change has
 * committed. A failed publish does not undo the change: gateways also revalidate their cached views by ETag.
 */
@ApplicationScoped
public class ChangeFeed {

    private static final Logger LOG = Logger.getLogger(ChangeFeed.class);

    static final java.time.Duration PUBLISH_WAIT = java.time.Duration.ofSeconds(5);

    private final MutinyEmitter<String> emitter;
    private final ObjectMapper json;

    public ChangeFeed(@Channel("key-changes") MutinyEmitter<String> emitter, ObjectMapper json) {
        this.emitter = emitter;
        this.json = json;
    }

    public Uni<Void> accountChanged(UUID accountId, KeyChange.Kind kind, Object objectId, String apiKeyHash) {
        return publish(new KeyChange(KeyChange.SCHEMA_VERSION, accountId.toString(), kind,
                objectId == null ? null : objectId.toString(), apiKeyHash, Instant.now()));
    }

    public Uni<Void> platformChanged(Object pooledCredentialId) {
        return publish(new KeyChange(KeyChange.SCHEMA_VERSION, KeyChange.PLATFORM, KeyChange.Kind.POOLED_CREDENTIAL,
                pooledCredentialId.toString(), null, Instant.now()));
    }

    private Uni<Void> publish(KeyChange change) {
        String payload;
        try {
            payload = json.writeValueAsString(change);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        Message<String> message = Message.of(payload).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(change.accountId()).build());
        // Wait for the broker's ack, but never hold a management call for long when Kafka is slow or down.
        return emitter.sendMessage(message)
                .ifNoItem().after(PUBLISH_WAIT).failWith(() -> new java.util.concurrent.TimeoutException("no ack"))
                .onFailure().recoverWithItem(f -> {
                    LOG.warnf("could not publish %s change of %s %s: %s", change.kind(), change.accountId(),
                            change.objectId(), f.getClass().getSimpleName());
                    return null;
                });
    }
}
