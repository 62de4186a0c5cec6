package io.keyway.billing.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.UsageEvent;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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

    private final ObjectMapper mapper;

    public UsageEventReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    public Read read(byte[] value) {
        if (value == null) {
            return Read.bad("empty record value");
        }
        JsonNode node;
        try {
            node = mapper.readTree(value);
        } catch (JsonProcessingException e) {
            return Read.bad("malformed JSON");
        } catch (java.io.IOException e) {
            return Read.bad("unreadable record value");
        }
        if (node == null || !node.isObject()) {
            return Read.bad("malformed JSON: not an object");
        }
        JsonNode version = node.get("schema_version");
        if (version == null || !version.isIntegralNumber()) {
            return Read.bad("schema_version missing");
        }
        if (version.asInt() != UsageEvent.SCHEMA_VERSION) {
            return Read.bad("unknown schema_version " + version.asText());
        }
        String eventId = text(node, "event_id");
        if (eventId == null) {
            return Read.bad("event_id missing");
        }
        if (!UUID_PATTERN.matcher(eventId).matches()) {
            return Read.bad("event_id is not a UUID");
        }
        String accountId = text(node, "account_id");
        if (accountId == null || accountId.isBlank()) {
            return Read.bad("account_id missing");
        }
        String apiKeyId = text(node, "api_key_id");
        if (apiKeyId == null || apiKeyId.isBlank()) {
            return Read.bad("api_key_id missing");
        }
        String model = text(node, "model");
        if (model == null || model.isBlank()) {
            return Read.bad("model missing");
        }
        Instant occurredAt;
        try {
            String at = text(node, "occurred_at");
            if (at == null) {
                return Read.bad("occurred_at missing");
            }
            occurredAt = Instant.parse(at);
        } catch (DateTimeParseException e) {
            return Read.bad("occurred_at is not an RFC 3339 UTC time");
        }
        String status = text(node, "status");
        UsageEvent.Status parsedStatus;
        if ("success".equals(status)) {
            parsedStatus = UsageEvent.Status.SUCCESS;
        } else if ("error".equals(status)) {
            parsedStatus = UsageEvent.Status.ERROR;
        } else {
            return Read.bad("status must be success or error");
        }
        JsonNode byok = node.get("is_byok");
        if (byok == null || !byok.isBoolean()) {
            return Read.bad("is_byok missing or not a boolean");
        }
        long promptTokens = node.path("prompt_tokens").asLong(0);
        long completionTokens = node.path("completion_tokens").asLong(0);
        if (promptTokens < 0 || completionTokens < 0) {
            return Read.bad("negative token count");
        }
        JsonNode cost = node.get("list_cost");
        if (cost == null || !cost.isTextual()) {
            return Read.bad("list_cost missing or not a decimal string");
        }
        BigDecimal listCost;
        try {
            listCost = new BigDecimal(cost.asText());
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
        return Read.ok(new UsageEvent(UsageEvent.SCHEMA_VERSION, eventId, occurredAt, accountId, apiKeyId, model,
                text(node, "provider"), byok.asBoolean(), text(node, "byok_key_id"), promptTokens, completionTokens,
                listCost, parsedStatus, node.path("http_status").asInt(0), node.path("latency_ms").asLong(0),
                node.path("streamed").asBoolean(false), node.path("attempts").asInt(0)));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
