package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;

/**
 * billing-service's answer to {@code GET /internal/v1/api-keys/{api_key_id}/usage} (internal token), in
 * {@code {"data": …}}: one API key's usage, for gateway-service's {@code GET /api/v1/key} (OpenRouter's field names).
 * {@code usage*} is what Keyway charged for the key's requests (pooled list cost and BYOK fees), {@code byok_usage*}
 * the list cost of its BYOK requests; all time, and this UTC day, week (from Monday) and month. Money is a decimal
 * string (USD); a key without requests has zeros.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ApiKeyUsage(
        @JsonProperty("api_key_id") String apiKeyId,
        @JsonProperty("usage") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal usage,
        @JsonProperty("usage_daily") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal usageDaily,
        @JsonProperty("usage_weekly") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal usageWeekly,
        @JsonProperty("usage_monthly") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal usageMonthly,
        @JsonProperty("byok_usage") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal byokUsage,
        @JsonProperty("byok_usage_daily") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal byokUsageDaily,
        @JsonProperty("byok_usage_weekly") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal byokUsageWeekly,
        @JsonProperty("byok_usage_monthly") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal byokUsageMonthly) {
}
