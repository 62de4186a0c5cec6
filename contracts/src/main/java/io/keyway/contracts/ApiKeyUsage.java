package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.YearMonth;

/**
 * billing-service's answer to {@code GET /internal/v1/api-keys/{api_key_id}/usage} (internal token), in
 * {@code {"data": …}}: one API key's usage, for gateway-service's {@code GET /api/v1/key} (OpenRouter's field names).
 * {@code usage*} is what Keyway charged for the key's requests (pooled list cost and BYOK fees), {@code byok_usage*}
 * the list cost of its BYOK requests; all time, and this UTC day, week (from Monday) and month. Money is a decimal
 * string (USD); a key without requests has zeros. Also each entry of {@link AccountApiKeyUsage} (the compacted
 * {@link Topics#API_KEY_USAGE}), whose readers apply {@link #asOf} and {@link #limitRemaining} below.
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

    /** A key without recorded spend: every figure 0. */
    public static ApiKeyUsage none(String apiKeyId) {
        BigDecimal z = BigDecimal.ZERO;
        return new ApiKeyUsage(apiKeyId, z, z, z, z, z, z, z, z);
    }

    /**
     * These figures, computed for the UTC day {@code computedFor}, as they read on {@code today}: a day, week (from
     * Monday) or month that has ended since holds no spend of today's, so its figures read 0; all-time figures stay.
     * Figures computed for a later day than {@code today} (the writer's clock ahead of the reader's) stay as they are.
     */
    public ApiKeyUsage asOf(LocalDate computedFor, LocalDate today) {
        boolean dayOver = computedFor.isBefore(today);
        boolean weekOver = computedFor.with(DayOfWeek.MONDAY).isBefore(today.with(DayOfWeek.MONDAY));
        boolean monthOver = YearMonth.from(computedFor).isBefore(YearMonth.from(today));
        BigDecimal z = BigDecimal.ZERO;
        return new ApiKeyUsage(apiKeyId, usage, dayOver ? z : usageDaily, weekOver ? z : usageWeekly,
                monthOver ? z : usageMonthly, byokUsage, dayOver ? z : byokUsageDaily, weekOver ? z : byokUsageWeekly,
                monthOver ? z : byokUsageMonthly);
    }

    /**
     * What is left of a key's spend limit: {@code max(0, limit - spend)}, with spend counted as billing counts it
     * against the limit ({@link AccountState.ApiKeySpend#spend()}): Keyway's charges in the limit period
     * ({@code limitReset} daily, weekly or monthly; null = all time), plus the BYOK list cost only when
     * {@code includeByokInLimit}. Null when the key has no limit.
     */
    public BigDecimal limitRemaining(BigDecimal limit, String limitReset, boolean includeByokInLimit) {
        if (limit == null) {
            return null;
        }
        BigDecimal spend;
        BigDecimal byok;
        switch (limitReset == null ? "" : limitReset) {
            case "daily" -> {
                spend = usageDaily;
                byok = byokUsageDaily;
            }
            case "weekly" -> {
                spend = usageWeekly;
                byok = byokUsageWeekly;
            }
            case "monthly" -> {
                spend = usageMonthly;
                byok = byokUsageMonthly;
            }
            default -> {
                spend = usage;
                byok = byokUsage;
            }
        }
        if (includeByokInLimit) {
            spend = spend.add(byok);
        }
        BigDecimal left = limit.subtract(spend);
        return left.signum() < 0 ? BigDecimal.ZERO : left;
    }
}
