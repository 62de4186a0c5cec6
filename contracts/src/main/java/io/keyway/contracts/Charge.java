package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * One applied usage event as billing-service charged it, on {@link Topics#CHARGES} (key = account id) for finance
 * tools. Published for every successful request billing applies, including free BYOK requests (amount "0").
 * {@code charge_id} equals the usage event's {@code event_id}: a consumer that sees one twice keeps one.
 * Schema: {@code schemas/charges.v1.schema.json}. Money is a decimal string (USD).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Charge(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("charge_id") String chargeId,
        @JsonProperty("account_id") String accountId,
        @JsonProperty("api_key_id") String apiKeyId,
        @JsonProperty("occurred_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant occurredAt,
        /** Calendar month in UTC the request counts in, e.g. "2026-11". */
        @JsonProperty("month") String month,
        @JsonProperty("model") String model,
        @JsonProperty("provider") String provider,
        @JsonProperty("is_byok") boolean byok,
        @JsonProperty("list_cost") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal listCost,
        /** What the account pays: the list cost (non-BYOK), 0 (BYOK within the allowance) or the BYOK fee. */
        @JsonProperty("amount") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal amount,
        /** For BYOK: this request's number in its month (1 = first); null for non-BYOK. */
        @JsonProperty("byok_request_number") Long byokRequestNumber,
        @JsonProperty("applied_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant appliedAt) {

    public static final int SCHEMA_VERSION = 1;
    public static final String SCHEMA_RESOURCE = "schemas/charges.v1.schema.json";
}
