package io.keyway.keys.mapping;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyway.contracts.ApiKeyUsage;
import io.keyway.contracts.RateLimit;
import io.keyway.keys.model.ApiKey;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * An API key as the management API shows it: OpenRouter's /api/v1/keys shape, every field {@code @openrouter/sdk}
 * validates. Usage figures (USD) come from billing-service through {@code service.ApiKeyUsages}.
 */
public record ApiKeyJson(
        @JsonProperty("hash") String hash,
        @JsonProperty("name") String name,
        @JsonProperty("label") String label,
        @JsonProperty("disabled") boolean disabled,
        @JsonProperty("limit") BigDecimal limit,
        /** What is left of the limit in its current period; null when the key has no limit. */
        @JsonProperty("limit_remaining") BigDecimal limitRemaining,
        @JsonProperty("limit_reset") String limitReset,
        @JsonProperty("include_byok_in_limit") boolean includeByokInLimit,
        /** Keyway's charges for the key's requests (pooled list cost and BYOK fees): all time, UTC day, week, month. */
        @JsonProperty("usage") BigDecimal usage,
        @JsonProperty("usage_daily") BigDecimal usageDaily,
        @JsonProperty("usage_weekly") BigDecimal usageWeekly,
        @JsonProperty("usage_monthly") BigDecimal usageMonthly,
        /** List cost of the key's BYOK requests (what the customer's own provider accounts paid). */
        @JsonProperty("byok_usage") BigDecimal byokUsage,
        @JsonProperty("byok_usage_daily") BigDecimal byokUsageDaily,
        @JsonProperty("byok_usage_weekly") BigDecimal byokUsageWeekly,
        @JsonProperty("byok_usage_monthly") BigDecimal byokUsageMonthly,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("updated_at") Instant updatedAt,
        @JsonProperty("expires_at") Instant expiresAt,
        @JsonProperty("last_used_at") Instant lastUsedAt,
        @JsonProperty("creator_user_id") String creatorUserId,
        @JsonProperty("external_user") String externalUser,
        /** OpenRouter requires a workspace; each Keyway account is one workspace until workspaces exist: its id. */
        @JsonProperty("workspace_id") String workspaceId,
        /** OpenRouter's {@code rate_limit}: requests per interval; null = none (enforced by the gateway, per replica). */
        @JsonProperty("rate_limit") RateLimit rateLimit,
        /** Requests of this key in flight at once; null = none. */
        @JsonProperty("max_concurrent_requests") Integer maxConcurrentRequests,
        @JsonProperty("version") long version) {

    /** The key with its usage as it reads today. */
    public static ApiKeyJson of(ApiKey k, ApiKeyUsage u) {
        return new ApiKeyJson(k.hash, k.name, k.label, k.disabled, plain(k.limit),
                plain(u.limitRemaining(k.limit, k.limitReset, k.includeByokInLimit)), k.limitReset,
                k.includeByokInLimit, plain(u.usage()), plain(u.usageDaily()), plain(u.usageWeekly()),
                plain(u.usageMonthly()), plain(u.byokUsage()), plain(u.byokUsageDaily()), plain(u.byokUsageWeekly()),
                plain(u.byokUsageMonthly()), k.createdAt, k.updatedAt, k.expiresAt, k.lastUsedAt, k.creatorUserId,
                k.externalUser, k.accountId.toString(), k.rateLimit(), k.maxConcurrentRequests, k.version);
    }

    /** 5.00000000 from NUMERIC(20,8) is shown as 5. */
    static BigDecimal plain(BigDecimal d) {
        if (d == null) {
            return null;
        }
        BigDecimal s = d.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }
}
