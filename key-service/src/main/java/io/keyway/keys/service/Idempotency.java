package io.keyway.keys.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.keys.model.IdempotencyRecord;
import io.keyway.keys.secrets.SecretOwner;
import io.keyway.keys.secrets.SecretValue;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.hibernate.exception.ConstraintViolationException;

/**
 * {@code Idempotency-Key} on creates (DESIGN.md §5). The first request with a key reserves it, runs, and keeps its
 * response; a retry with the same key and the same body gets that response again and creates nothing; the same key
 * with a different body is a 422; a retry while the first is still running is a 409. A response that carried a
 * plaintext key (API or management key creation) keeps that key in a secret store, never in this table.
 */
@ApplicationScoped
public class Idempotency {

    /** A reservation older than this is considered abandoned (the process died mid-request) and may be taken over. */
    static final Duration ABANDONED_AFTER = Duration.ofMinutes(2);
    static final int MAX_KEY_LENGTH = 255;
    static final int PENDING = 0;

    /** What a create produced: its status and body, and the plaintext key to show once (or null). */
    public record Outcome(int status, ObjectNode body, String plaintextKey, String replayStore, UUID accountId) {
        @Override
        public String toString() {
            return "Outcome[status=" + status + "]";
        }
    }

    private final ObjectMapper json;
    private final SecretAccess secrets;

    public Idempotency(ObjectMapper json, SecretAccess secrets) {
        this.json = json;
        this.secrets = secrets;
    }

    /** Runs {@code create} at most once per (scope, idempotencyKey); without a key it simply runs. */
    public Uni<Outcome> once(String scope, String idempotencyKey, byte[] body, Supplier<Uni<Outcome>> create) {
        if (idempotencyKey == null) {
            return Uni.createFrom().deferred(create::get);
        }
        if (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_KEY_LENGTH) {
            return Uni.createFrom().failure(ApiException.badRequest(
                    "header 'Idempotency-Key' must be 1 to " + MAX_KEY_LENGTH + " characters"));
        }
        IdempotencyRecord.Key key = new IdempotencyRecord.Key(scope, idempotencyKey);
        String requestHash = KeyMaterial.sha256Hex(body);
        return reserve(key, requestHash).flatMap(existing -> {
            if (existing != null) {
                return replay(existing, requestHash);
            }
            return Uni.createFrom().deferred(create::get)
                    .onFailure().call(f -> release(key))
                    .flatMap(outcome -> keep(key, outcome).replaceWith(outcome));
        });
    }

    /** Null when this request now holds the key; otherwise the record another request left. */
    private Uni<IdempotencyRecord> reserve(IdempotencyRecord.Key key, String requestHash) {
        return Panache.withTransaction(() -> IdempotencyRecord.<IdempotencyRecord>findById(key).flatMap(found -> {
            if (found != null) {
                boolean abandoned = found.status == PENDING
                        && found.createdAt.isBefore(Instant.now().minus(ABANDONED_AFTER));
                if (!abandoned) {
                    return Uni.createFrom().item(found);
                }
                return found.delete().flatMap(v -> Panache.getSession()).flatMap(s -> s.flush())
                        .flatMap(v -> insertPending(key, requestHash));
            }
            return insertPending(key, requestHash);
        })).onFailure(Idempotency::isUniqueViolation).recoverWithUni(f -> Panache.withSession(
                () -> IdempotencyRecord.<IdempotencyRecord>findById(key)));
    }

    private Uni<IdempotencyRecord> insertPending(IdempotencyRecord.Key key, String requestHash) {
        IdempotencyRecord r = new IdempotencyRecord();
        r.key = key;
        r.requestHash = requestHash;
        r.status = PENDING;
        r.responseBody = "";
        r.createdAt = Instant.now();
        return r.persistAndFlush().replaceWith((IdempotencyRecord) null);
    }

    private Uni<Outcome> replay(IdempotencyRecord found, String requestHash) {
        if (!found.requestHash.equals(requestHash)) {
            return Uni.createFrom().failure(new ApiException(422,
                    "this Idempotency-Key was already used with a different request body"));
        }
        if (found.status == PENDING) {
            return Uni.createFrom().failure(new ApiException(409,
                    "a request with this Idempotency-Key is still in progress; retry later"));
        }
        ObjectNode body;
        try {
            body = (ObjectNode) json.readTree(found.responseBody);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("stored idempotent response is not JSON"));
        }
        if (found.replaySecretLocator == null) {
            return Uni.createFrom().item(new Outcome(found.status, body, null, null, null));
        }
        return secrets.read(found.replaySecretStore, found.replaySecretLocator)
                .map(secret -> new Outcome(found.status, body, secret.value(), null, null));
    }

    private Uni<Void> keep(IdempotencyRecord.Key key, Outcome outcome) {
        Uni<String> locator = outcome.plaintextKey() == null
                ? Uni.createFrom().nullItem()
                : secrets.create(outcome.replayStore(), new SecretOwner(String.valueOf(outcome.accountId()),
                        "idempotent-replay", key.idempotencyKey), new SecretValue(outcome.plaintextKey()));
        return locator.flatMap(loc -> Panache.withTransaction(() -> IdempotencyRecord.<IdempotencyRecord>findById(key)
                .flatMap(r -> {
                    try {
                        r.responseBody = json.writeValueAsString(outcome.body());
                    } catch (JsonProcessingException e) {
                        return Uni.createFrom().failure(e);
                    }
                    r.status = outcome.status();
                    r.replaySecretStore = loc == null ? null : outcome.replayStore();
                    r.replaySecretLocator = loc;
                    return Uni.createFrom().voidItem();
                })));
    }

    private Uni<Void> release(IdempotencyRecord.Key key) {
        return Panache.withTransaction(() -> IdempotencyRecord.delete("key.scope = ?1 and key.idempotencyKey = ?2",
                key.scope, key.idempotencyKey)).replaceWithVoid()
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    static boolean isUniqueViolation(Throwable f) {
        for (Throwable t = f; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException) {
                return true;
            }
            if (t.getMessage() != null && t.getMessage().contains("23505")) {
                return true;
            }
        }
        return false;
    }

    static Map<String, Object> none() {
        return Map.of();
    }
}
