package io.keyway.keys.service;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Keeps {@code last_used_at} of API keys and BYOK keys from the gateway's usage events ({@code keyway.usage.v1},
 * read by key-service's own consumer group): the gateway never calls key-service on the hot path, so the usage topic
 * is where key-service learns that a key was used. A batch is folded to the latest time per key; a key is only
 * rewritten when the new time is more than {@link #GRANULARITY_SECONDS} later than the stored one (last-used is
 * accurate to a minute, and a busy key costs one write a minute). An event counts only for keys of the account it
 * names, and a time in the future counts as now. Unreadable events are skipped; a failed write is logged and
 * dropped: last-used is informational, never worth stopping the consumer.
 *
 * <p>Each event is read as bytes with a streaming parser that takes the four top-level fields it needs and stops once
 * it has them, skipping nested objects whole: the gateway writes them first, before the event's larger parts (the
 * generation detail, attempts). Building the whole event as a tree, as before, cost ~20 microseconds an event; at a
 * few thousand events a second, in bursts of one producer batch every 200 ms, that took a core for several
 * milliseconds at a time on the gateway's machine and showed in the gateway's one-connection tail
 * (docs/benchmarks.md, "Outside and beside a relay").
 */
@ApplicationScoped
public class LastUsed {

    private static final Logger LOG = Logger.getLogger(LastUsed.class);
    static final int GRANULARITY_SECONDS = 60;

    static final String API_KEYS = "UPDATE api_keys SET last_used_at = LEAST($1, now()) WHERE id = $2 AND account_id = $3"
            + " AND (last_used_at IS NULL OR last_used_at < LEAST($1, now()) - make_interval(secs => " + GRANULARITY_SECONDS + "))";
    static final String BYOK_KEYS = API_KEYS.replace("api_keys", "byok_keys");

    /** A key of an account. */
    record KeyRef(UUID id, UUID accountId) {
    }

    private final Pool pool;
    private final JsonFactory json;

    public LastUsed(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json.getFactory();
    }

    @Incoming("usage-seen")
    public Uni<Void> consume(List<byte[]> values) {
        Map<KeyRef, Instant> apiKeys = new HashMap<>();
        Map<KeyRef, Instant> byokKeys = new HashMap<>();
        int unreadable = 0;
        for (byte[] value : values) {
            try {
                fold(value, apiKeys, byokKeys);
            } catch (Exception e) {
                unreadable++;
            }
        }
        if (unreadable > 0) {
            LOG.warnf("skipped %d unreadable usage events (of %d)", unreadable, values.size());
        }
        return update(API_KEYS, apiKeys).call(() -> update(BYOK_KEYS, byokKeys));
    }

    /**
     * Adds one usage event's API key and BYOK key with its time, keeping the latest time per key. Only top-level
     * fields count (a nested object's fields of the same name are skipped with it); an event without an account or a
     * time is unreadable.
     */
    void fold(byte[] value, Map<KeyRef, Instant> apiKeys, Map<KeyRef, Instant> byokKeys) throws Exception {
        if (value == null) {
            return;
        }
        String account = null, occurredAt = null, apiKeyId = null, byokKeyId = null;
        int seen = 0;
        try (JsonParser p = json.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME && seen < 4; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "account_id" -> { account = text(p, v); seen++; }
                    case "occurred_at" -> { occurredAt = text(p, v); seen++; }
                    case "api_key_id" -> { apiKeyId = text(p, v); seen++; }
                    case "byok_key_id" -> { byokKeyId = text(p, v); seen++; }
                    default -> p.skipChildren();
                }
            }
        }
        if (account == null || occurredAt == null) {
            throw new IllegalArgumentException("no account_id or occurred_at");
        }
        UUID accountId = UUID.fromString(account);
        Instant at = Instant.parse(occurredAt);
        uuid(apiKeyId).ifPresent(id -> apiKeys.merge(new KeyRef(id, accountId), at, LastUsed::later));
        uuid(byokKeyId).ifPresent(id -> byokKeys.merge(new KeyRef(id, accountId), at, LastUsed::later));
    }

    /** A string value's text; null for any other value (a nested one is skipped). */
    private static String text(JsonParser p, JsonToken v) throws java.io.IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return null;
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static java.util.Optional<UUID> uuid(String text) {
        if (text == null) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    private Uni<Void> update(String sql, Map<KeyRef, Instant> times) {
        if (times.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = new ArrayList<>(times.size());
        times.forEach((k, at) -> rows.add(Tuple.of(OffsetDateTime.ofInstant(at, ZoneOffset.UTC), k.id(), k.accountId())));
        return pool.preparedQuery(sql).executeBatch(rows).replaceWithVoid()
                .onFailure().recoverWithUni(f -> {
                    LOG.warnf("could not record last use of %d keys: %s", times.size(), f.getClass().getSimpleName());
                    return Uni.createFrom().voidItem();
                });
    }
}
