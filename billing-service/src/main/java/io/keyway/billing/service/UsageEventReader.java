package io.keyway.billing.service;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.UsageEvent;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Turns a record value from the usage topic into a {@link UsageEvent}, or names why it cannot be applied. Checks what
 * billing depends on (schema version, ids, time, tokens, money); every problem becomes a dead-letter reason.
 */
public final class UsageEventReader {

    /** Either an event or the reason it was refused. */
    public record Read(UsageEvent event, String reason) {
        static Read ok(UsageEvent event) {
            return new Read(event, null);
        }

        static Read bad(String reason) {
            return new Read(null, reason);
        }

        public boolean ok() {
            return event != null;
        }
    }

    private static final Pattern UUID_PATTERN =
            Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
    private static final int MAX_MONEY_SCALE = FeeSchedule.SCALE;
    private static final int MAX_ID_LENGTH = 128;
    /** Times PostgreSQL and a YYYY-MM month can hold; anything outside is a broken producer clock. */
    private static final Instant EARLIEST = Instant.parse("2000-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z").plusMillis(1);

    private final ObjectMapper mapper;

    public UsageEventReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Reads one record value with Jackson's streaming parser (no tree): the consumer's hot path. */
    public Read read(byte[] value) {
        if (value == null) {
            return Read.bad("empty record value");
        }
        Fields f = new Fields();
        try (JsonParser p = mapper.getFactory().createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Read.bad("malformed JSON: not an object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "schema_version" -> f.schemaVersion = t == JsonToken.VALUE_NUMBER_INT ? p.getText() : "?";
                    case "event_id" -> f.eventId = string(p, t);
                    case "occurred_at" -> f.occurredAt = string(p, t);
                    case "account_id" -> f.accountId = string(p, t);
                    case "api_key_id" -> f.apiKeyId = string(p, t);
                    case "model" -> f.model = string(p, t);
                    case "provider" -> f.provider = string(p, t);
                    case "byok_key_id" -> f.byokKeyId = string(p, t);
                    case "status" -> f.status = string(p, t);
                    case "is_byok" -> f.byok = t == JsonToken.VALUE_TRUE ? Boolean.TRUE
                            : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
                    case "list_cost" -> {
                        f.listCostIsString = t == JsonToken.VALUE_STRING;
                        f.listCost = t == JsonToken.VALUE_NULL ? null : p.getText();
                    }
                    case "prompt_tokens" -> f.promptTokens = integer(p, t);
                    case "completion_tokens" -> f.completionTokens = integer(p, t);
                    case "http_status" -> f.httpStatus = (int) integer(p, t);
                    case "latency_ms" -> f.latencyMs = integer(p, t);
                    case "attempts" -> f.attempts = (int) integer(p, t);
                    case "streamed" -> f.streamed = t == JsonToken.VALUE_TRUE;
                    case "interrupted" -> f.interrupted = string(p, t);
                    case "tokens_estimated" -> f.tokensEstimated = t == JsonToken.VALUE_TRUE;
                    case "abandoned_attempts" -> f.abandoned = abandoned(p, t);
                    case "budget_leases" -> f.leases = leases(p, t);
                    case "generation" -> f.generation = GenerationDetailReader.read(p, t);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return Read.bad("malformed JSON");
            }
        } catch (java.io.IOException e) {
            return Read.bad("malformed JSON");
        }
        return check(f);
    }

    private static final class Fields {
        String schemaVersion;
        String eventId;
        String occurredAt;
        String accountId;
        String apiKeyId;
        String model;
        String provider;
        String byokKeyId;
        String status;
        Boolean byok;
        String listCost;
        boolean listCostIsString;
        long promptTokens;
        long completionTokens;
        int httpStatus;
        long latencyMs;
        int attempts;
        boolean streamed;
        String interrupted;
        boolean tokensEstimated;
        /** Null when absent (version 1) or not an array of objects ({@link #BAD_ABANDONED}). */
        List<UsageEvent.AbandonedAttempt> abandoned;
        /** Null when absent (versions 1 and 2) or not an array of strings ({@link #BAD_LEASES}). */
        List<String> leases;
        /** Null when absent or null (versions 1 and 2); a detail or the reason it is refused. */
        GenerationDetailReader.Result generation;
    }

    /** Marks a {@code budget_leases} that is not an array of strings. */
    private static final List<String> BAD_LEASES = List.of();

    /** Version 3's {@code budget_leases}: lease ids (UUIDs, checked in {@link #check}). */
    private static List<String> leases(JsonParser p, JsonToken t) throws java.io.IOException {
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return BAD_LEASES;
        }
        List<String> list = new ArrayList<>(2);
        JsonToken item;
        while ((item = p.nextToken()) == JsonToken.VALUE_STRING) {
            list.add(p.getText());
        }
        if (item == JsonToken.END_ARRAY) {
            return list;
        }
        for (; item != JsonToken.END_ARRAY && item != null; item = p.nextToken()) { // the rest of the array
            p.skipChildren();
        }
        return BAD_LEASES;
    }

    /** Marks an {@code abandoned_attempts} that is not an array of objects. */
    private static final List<UsageEvent.AbandonedAttempt> BAD_ABANDONED = List.of();

    /** Version 2's {@code abandoned_attempts}: kept for the record (billing charges none of them). */
    private static List<UsageEvent.AbandonedAttempt> abandoned(JsonParser p, JsonToken t) throws java.io.IOException {
        if (t != JsonToken.START_ARRAY) {
            p.skipChildren();
            return BAD_ABANDONED;
        }
        List<UsageEvent.AbandonedAttempt> list = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String model = null;
            String provider = null;
            String byokKeyId = null;
            String reason = null;
            boolean byok = false;
            long latency = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "model" -> model = string(p, v);
                    case "provider" -> provider = string(p, v);
                    case "byok_key_id" -> byokKeyId = string(p, v);
                    case "reason" -> reason = string(p, v);
                    case "is_byok" -> byok = v == JsonToken.VALUE_TRUE;
                    case "latency_ms" -> latency = integer(p, v);
                    default -> p.skipChildren();
                }
            }
            list.add(new UsageEvent.AbandonedAttempt(model, provider, byok, byokKeyId, reason, latency));
        }
        if (p.currentToken() != JsonToken.END_ARRAY) {
            p.skipChildren();
            return BAD_ABANDONED;
        }
        return list;
    }

    private static String string(JsonParser p, JsonToken t) throws java.io.IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        return p.getText();
    }

    private static long integer(JsonParser p, JsonToken t) throws java.io.IOException {
        if (t == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        p.skipChildren();
        return 0;
    }

    private static Read check(Fields f) {
        if (f.schemaVersion == null) {
            return Read.bad("schema_version missing");
        }
        int version;
        if ("1".equals(f.schemaVersion)) {
            version = 1;
        } else if ("2".equals(f.schemaVersion)) {
            version = 2;
        } else if (String.valueOf(UsageEvent.SCHEMA_VERSION).equals(f.schemaVersion)) {
            version = UsageEvent.SCHEMA_VERSION;
        } else {
            return Read.bad("unknown schema_version " + f.schemaVersion);
        }
        if (f.eventId == null) {
            return Read.bad("event_id missing");
        }
        if (!UUID_PATTERN.matcher(f.eventId).matches()) {
            return Read.bad("event_id is not a UUID");
        }
        if (f.accountId == null || f.accountId.isBlank()) {
            return Read.bad("account_id missing");
        }
        if (f.apiKeyId == null || f.apiKeyId.isBlank()) {
            return Read.bad("api_key_id missing");
        }
        if (f.model == null || f.model.isBlank()) {
            return Read.bad("model missing");
        }
        // PostgreSQL text cannot hold NUL: such an event would fail its batch again and again
        for (String[] field : new String[][] {{"account_id", f.accountId}, {"api_key_id", f.apiKeyId},
                {"model", f.model}, {"provider", f.provider}, {"byok_key_id", f.byokKeyId}}) {
            if (field[1] != null && field[1].indexOf('\u0000') >= 0) {
                return Read.bad(field[0] + " contains a NUL character");
            }
        }
        // both are parts of primary keys (a B-tree entry must stay small); Keyway's ids are UUIDs
        if (f.accountId.length() > MAX_ID_LENGTH) {
            return Read.bad("account_id is longer than " + MAX_ID_LENGTH + " characters");
        }
        if (f.apiKeyId.length() > MAX_ID_LENGTH) {
            return Read.bad("api_key_id is longer than " + MAX_ID_LENGTH + " characters");
        }
        if (f.occurredAt == null) {
            return Read.bad("occurred_at missing");
        }
        Instant occurredAt;
        try {
            occurredAt = Instant.parse(f.occurredAt);
        } catch (DateTimeParseException e) {
            return Read.bad("occurred_at is not an RFC 3339 UTC time");
        }
        if (occurredAt.isBefore(EARLIEST) || !occurredAt.isBefore(LATEST)) {
            return Read.bad("occurred_at is outside the years 2000-9999");
        }
        UsageEvent.Status status;
        if ("success".equals(f.status)) {
            status = UsageEvent.Status.SUCCESS;
        } else if ("error".equals(f.status)) {
            status = UsageEvent.Status.ERROR;
        } else {
            return Read.bad("status must be success or error");
        }
        if (f.byok == null) {
            return Read.bad("is_byok missing or not a boolean");
        }
        if (f.promptTokens < 0 || f.completionTokens < 0) {
            return Read.bad("negative token count");
        }
        if (f.listCost == null || !f.listCostIsString) {
            return Read.bad("list_cost missing or not a decimal string");
        }
        BigDecimal listCost;
        try {
            listCost = new BigDecimal(f.listCost);
        } catch (NumberFormatException e) {
            return Read.bad("list_cost is not a decimal number");
        }
        if (listCost.signum() < 0) {
            return Read.bad("list_cost is negative");
        }
        if (listCost.stripTrailingZeros().scale() > MAX_MONEY_SCALE) {
            return Read.bad("list_cost has more than " + MAX_MONEY_SCALE + " decimal places");
        }
        if (listCost.precision() - listCost.scale() > 18) {
            return Read.bad("list_cost is too large");
        }
        UsageEvent.Interruption interrupted = null;
        if (version >= 2 && f.interrupted != null) {
            interrupted = switch (f.interrupted) {
                case "client" -> UsageEvent.Interruption.CLIENT;
                case "upstream" -> UsageEvent.Interruption.UPSTREAM;
                case "timeout" -> UsageEvent.Interruption.TIMEOUT;
                default -> null;
            };
            if (interrupted == null) {
                return Read.bad("interrupted must be client, upstream, timeout or null");
            }
        }
        if (f.abandoned == BAD_ABANDONED && version >= 2) {
            return Read.bad("abandoned_attempts is not an array of objects");
        }
        List<UsageEvent.AbandonedAttempt> abandoned = version >= 2 && f.abandoned != null ? f.abandoned : List.of();
        List<String> leases = List.of();
        if (version >= 3 && f.leases != null) {
            if (f.leases == BAD_LEASES || f.leases.size() > 2) {
                return Read.bad("budget_leases is not an array of at most two lease ids");
            }
            for (String lease : f.leases) {
                if (!UUID_PATTERN.matcher(lease).matches()) {
                    return Read.bad("budget_leases holds a lease id that is not a UUID");
                }
            }
            leases = f.leases.stream().map(l -> l.toLowerCase(java.util.Locale.ROOT)).distinct().toList();
        }
        UsageEvent.GenerationDetail generation = null;
        if (version >= 3 && f.generation != null) {
            if (f.generation.reason() != null) {
                return Read.bad("generation " + f.generation.reason());
            }
            generation = f.generation.detail();
        }
        // Older versions have none of these: their members of those names, if any, are ignored as unknown.
        return Read.ok(new UsageEvent(version, f.eventId, occurredAt, f.accountId, f.apiKeyId,
                f.model, f.provider, f.byok, f.byokKeyId, f.promptTokens, f.completionTokens, listCost, status,
                f.httpStatus, f.latencyMs, f.streamed, f.attempts, abandoned, interrupted,
                version >= 2 && f.tokensEstimated, leases, generation));
    }
}
