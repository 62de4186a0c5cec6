package io.keyway.keys.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.keys.config.KeyServiceConfig;
import io.keyway.keys.model.IdempotencyRecord;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.hibernate.exception.ConstraintViolationException;
import org.jboss.logging.Logger;

/**
 * {@code Idempotency-Key} on creates (DESIGN.md §5). The first request with a key reserves it, runs, and keeps its
 * response; a retry with the same key and the same body gets that response again and creates nothing; the same key
 * with a different body is a 422; a retry while the first is still running is a 409.
 *
 * <p>A plaintext key (API or management key creation) is shown in the first response only and kept nowhere: a replay
 * answers the same metadata with the key field null and a marker that it was shown once (as payment APIs do), so the
 * completion of the record is one update of this table, retried with back-off: a create that committed under a record
 * left pending would let a retry after {@link #ABANDONED_AFTER} create a second account or key.
 */
@ApplicationScoped
public class Idempotency {

    /** A reservation older than this is considered abandoned (the process died mid-request) and may be taken over. */
    static final Duration ABANDONED_AFTER = Duration.ofMinutes(2);
    static final int MAX_KEY_LENGTH = 255;
    static final int PENDING = 0;
    /** Member of a kept response whose first answer carried a plaintext key; the replay says it was shown once. */
    public static final String KEY_SHOWN_ONCE = "key_shown_once";
    /** Attempts to complete a record after its create committed, with back-off, before giving up (and logging). */
    static final int COMPLETE_ATTEMPTS = 6;

    /**
     * What a create produced: its status and body, and the plaintext key to show once (or null); {@code replayed} when
     * it is the kept answer of an earlier request. {@code replayStore} is no longer used (nothing is kept).
     */
    public record Outcome(int status, ObjectNode body, String plaintextKey, String replayStore, UUID accountId,
            boolean replayed) {

        public Outcome(int status, ObjectNode body, String plaintextKey, String replayStore, UUID accountId) {
            this(status, body, plaintextKey, replayStore, accountId, false);
        }

        @Override
        public String toString() {
            return "Outcome[status=" + status + (replayed ? ", replayed" : "") + "]";
        }
    }

    private static final Logger LOG = Logger.getLogger(Idempotency.class);
    private static final int SWEEP_BATCH = 500;

    private final ObjectMapper json;
    private final SecretAccess secrets;
    private final Pool pool;
    private final Duration retention;
    private final Duration sweepInterval;

    public Idempotency(ObjectMapper json, SecretAccess secrets, Pool pool, KeyServiceConfig config) {
        this.json = json;
        this.secrets = secrets;
        this.pool = pool;
        this.retention = config.idempotencyRetention();
        this.sweepInterval = config.idempotencySweepInterval();
    }

    void scheduleSweep(@Observes StartupEvent event, Vertx vertx) {
        vertx.setPeriodic(sweepInterval.toMillis(), id -> sweepExpired().subscribe().with(
                n -> {
                    if (n > 0) {
                        LOG.infof("forgot %d idempotency records older than %s", n, retention);
                    }
                },
                f -> LOG.warnf("idempotency sweep failed: %s", f.getClass().getSimpleName())));
    }

    /**
     * Deletes records older than the retention in batches, with the plaintext keys that versions before issue 18 kept
     * for replays; returns how many records went. A kept key whose store cannot delete it now is logged.
     */
    public Uni<Integer> sweepExpired() {
        OffsetDateTime cutoff = OffsetDateTime.now(ZoneOffset.UTC).minus(retention);
        return pool.preparedQuery("DELETE FROM idempotency_records WHERE ctid IN (SELECT ctid FROM idempotency_records"
                        + " WHERE created_at < $1 LIMIT " + SWEEP_BATCH + ")"
                        + " RETURNING replay_secret_store, replay_secret_locator")
                .execute(Tuple.of(cutoff))
                .flatMap(rows -> {
                    List<String[]> kept = new ArrayList<>();
                    rows.forEach(r -> {
                        if (r.getString("replay_secret_locator") != null) {
                            kept.add(new String[] {r.getString("replay_secret_store"), r.getString("replay_secret_locator")});
                        }
                    });
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (String[] k : kept) {
                        chain = chain.call(() -> dropKept(k[0], k[1]));
                    }
                    int n = rows.rowCount();
                    return chain.replaceWith(n).flatMap(done -> done == SWEEP_BATCH
                            ? sweepExpired().map(more -> done + more) : Uni.createFrom().item(done));
                });
    }

    private Uni<Void> dropKept(String store, String locator) {
        return secrets.delete(store, locator).onFailure().recoverWithUni(f -> {
            LOG.warnf("could not delete a plaintext key kept for an idempotent replay from store '%s': %s", store,
                    f.getClass().getSimpleName());
            return Uni.createFrom().voidItem();
        });
    }

    /**
     * Runs {@code create} at most once per (caller's account or "admin", route, idempotencyKey); without a key it simply
     * runs. A create that fails releases the key (it wrote nothing); one that succeeds always completes the record.
     */
    public Uni<Outcome> once(Caller caller, String route, String idempotencyKey, byte[] body, Supplier<Uni<Outcome>> create) {
        String scope = (caller.accountId() == null ? "admin" : caller.accountId().toString()) + " " + route;
        if (idempotencyKey == null) {
            return Uni.createFrom().deferred(create::get);
        }
        if (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_KEY_LENGTH) {
            return Uni.createFrom().failure(ApiException.badRequest(
                    "header 'Idempotency-Key' must be 1 to " + MAX_KEY_LENGTH + " characters"));
        }
        IdempotencyRecord.Key key = new IdempotencyRecord.Key(scope, idempotencyKey);
        String requestHash = KeyMaterial.sha256Hex(body);
        String[] expiredKept = new String[2];
        return reserve(key, requestHash, expiredKept)
                .call(() -> expiredKept[1] == null ? Uni.createFrom().voidItem() : dropKept(expiredKept[0], expiredKept[1]))
                .flatMap(existing -> {
            if (existing != null) {
                return replay(caller, existing, requestHash);
            }
            return Uni.createFrom().deferred(create::get)
                    .onFailure().call(f -> release(key))
                    .call(outcome -> complete(key, outcome));
        });
    }

    /**
     * Null when this request now holds the key; otherwise the record another request left. A record past the
     * retention is replaced, and the store and locator of the plaintext key it kept go to {@code expiredKept}.
     */
    private Uni<IdempotencyRecord> reserve(IdempotencyRecord.Key key, String requestHash, String[] expiredKept) {
        return Panache.withTransaction(() -> IdempotencyRecord.<IdempotencyRecord>findById(key).flatMap(found -> {
            if (found != null) {
                boolean abandoned = found.status == PENDING
                        && found.createdAt.isBefore(Instant.now().minus(ABANDONED_AFTER));
                boolean expired = found.status != PENDING && found.createdAt.isBefore(Instant.now().minus(retention));
                if (!abandoned && !expired) {
                    return Uni.createFrom().item(found);
                }
                expiredKept[0] = found.replaySecretStore;
                expiredKept[1] = found.replaySecretLocator;
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

    private Uni<Outcome> replay(Caller caller, IdempotencyRecord found, String requestHash) {
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
        if (found.replaySecretLocator != null) {
            // Kept by a version before issue 18; the sweep deletes it. The replay no longer reads it back.
            body.put(KEY_SHOWN_ONCE, true);
        }
        return Uni.createFrom().item(new Outcome(found.status, body, null, null, null, true));
    }

    /**
     * Writes the create's answer into its record: one update of this table, retried with back-off, because the create
     * has committed and a record left pending could be taken over (and the create run again) after
     * {@link #ABANDONED_AFTER}. The plaintext key is not in the kept body, only the marker that there was one.
     * Should every attempt fail, the caller still gets its answer (the create did happen) and the failure is logged.
     */
    private Uni<Void> complete(IdempotencyRecord.Key key, Outcome outcome) {
        String kept;
        try {
            ObjectNode body = outcome.body().deepCopy();
            if (outcome.plaintextKey() != null) {
                body.put(KEY_SHOWN_ONCE, true);
            }
            kept = json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return Uni.createFrom().deferred(() -> completeOnce(key, outcome.status(), kept))
                .onFailure().retry().withBackOff(Duration.ofMillis(50), Duration.ofSeconds(2)).atMost(COMPLETE_ATTEMPTS - 1)
                .onFailure().recoverWithUni(f -> {
                    LOG.errorf("could not complete the idempotency record of a create that succeeded (%s): %s", key.scope,
                            f.getClass().getSimpleName());
                    return Uni.createFrom().voidItem();
                });
    }

    /** One attempt to complete the record (the reactive client directly: no entity state to carry between attempts). */
    Uni<Void> completeOnce(IdempotencyRecord.Key key, int status, String body) {
        return pool.preparedQuery("UPDATE idempotency_records SET status = $1, response_body = $2"
                        + " WHERE scope = $3 AND idempotency_key = $4")
                .execute(Tuple.of(status, body, key.scope, key.idempotencyKey))
                .replaceWithVoid();
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
