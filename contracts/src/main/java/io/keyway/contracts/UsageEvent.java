package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * One request's usage, as gateway-service publishes it on {@link Topics#USAGE} (key = account id) and
 * billing-service and finance tools consume it. DESIGN.md §5; schema: {@code schemas/usage-event.v1.schema.json}.
 * Money is a decimal string on the wire; {@code occurred_at} is RFC 3339 in UTC.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record UsageEvent(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("event_id") String eventId,
        @JsonProperty("occurred_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant occurredAt,
        @JsonProperty("account_id") String accountId,
        @JsonProperty("api_key_id") String apiKeyId,
        @JsonProperty("model") String model,
        @JsonProperty("provider") String provider,
        @JsonProperty("is_byok") boolean byok,
        @JsonProperty("byok_key_id") String byokKeyId,
        @JsonProperty("prompt_tokens") long promptTokens,
        @JsonProperty("completion_tokens") long completionTokens,
        @JsonProperty("list_cost") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal listCost,
        @JsonProperty("status") Status status,
        @JsonProperty("http_status") int httpStatus,
        @JsonProperty("latency_ms") long latencyMs,
        @JsonProperty("streamed") boolean streamed,
        @JsonProperty("attempts") int attempts) {

    public static final int SCHEMA_VERSION = 1;
    public static final String SCHEMA_RESOURCE = "schemas/usage-event.v1.schema.json";

    public enum Status {
        @JsonProperty("success") SUCCESS,
        @JsonProperty("error") ERROR
    }
}
