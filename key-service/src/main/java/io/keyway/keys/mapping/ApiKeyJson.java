package io.keyway.keys.mapping;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyway.keys.model.ApiKey;
import java.math.BigDecimal;
import java.time.Instant;

/** An API key as the management API shows it (OpenRouter's /api/v1/keys shape; usage lives in billing-service). */
public record ApiKeyJson(
        @JsonProperty("hash") String hash,
        @JsonProperty("name") String name,
        @JsonProperty("label") String label,
        @JsonProperty("disabled") boolean disabled,
        @JsonProperty("limit") BigDecimal limit,
        @JsonProperty("limit_reset") String limitReset,
        @JsonProperty("include_byok_in_limit") boolean includeByokInLimit,
        @JsonProperty("created_at") Instant createdAt,
        @JsonProperty("updated_at") Instant updatedAt,
        @JsonProperty("expires_at") Instant expiresAt,
        @JsonProperty("last_used_at") Instant lastUsedAt,
        /** OpenRouter's field; Keyway has no workspaces, so always null. */
        @JsonProperty("workspace_id") String workspaceId,
        @JsonProperty("version") long version) {

    public static ApiKeyJson of(ApiKey k) {
        return new ApiKeyJson(k.hash, k.name, k.label, k.disabled, plain(k.limit), k.limitReset, k.includeByokInLimit,
                k.createdAt, k.updatedAt, k.expiresAt, k.lastUsedAt, null, k.version);
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
