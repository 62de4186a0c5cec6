package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * key-service's answer to {@code GET /internal/v1/api-keys/{sha256hex}} (internal token; 404 when unknown): who a
 * presented key belongs to. Inference (API) keys and management keys share this lookup; the caller checks
 * {@link #management()} — the gateway refuses management keys, billing-service accepts only them.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ApiKeyResolution(
        @JsonProperty("api_key_id") String apiKeyId,
        @JsonProperty("account_id") String accountId,
        @JsonProperty("name") String name,
        @JsonProperty("is_management_key") boolean management,
        @JsonProperty("disabled") boolean disabled,
        @JsonProperty("expires_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant expiresAt,
        @JsonProperty("limit") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal limit,
        /** daily | weekly | monthly | null */
        @JsonProperty("limit_reset") String limitReset,
        @JsonProperty("include_byok_in_limit") boolean includeByokInLimit,
        /** Who created the key, as its creator said ({@code creator_user_id} on create); null when not said. */
        @JsonProperty("creator_user_id") String creatorUserId,
        /** Requests per interval the key may make; null (or absent, from an older key-service) = no limit. */
        @JsonProperty("rate_limit") RateLimit rateLimit,
        /** Requests of the key in flight at once; null (or absent) = no limit. */
        @JsonProperty("max_concurrent_requests") Integer maxConcurrentRequests) {

    /** A resolution without request limits. */
    public ApiKeyResolution(String apiKeyId, String accountId, String name, boolean management, boolean disabled,
                            Instant expiresAt, BigDecimal limit, String limitReset, boolean includeByokInLimit,
                            String creatorUserId) {
        this(apiKeyId, accountId, name, management, disabled, expiresAt, limit, limitReset, includeByokInLimit,
                creatorUserId, null, null);
    }

    /** A resolution without a creator (a management key, or a key-service that does not send one). */
    public ApiKeyResolution(String apiKeyId, String accountId, String name, boolean management, boolean disabled,
                            Instant expiresAt, BigDecimal limit, String limitReset, boolean includeByokInLimit) {
        this(apiKeyId, accountId, name, management, disabled, expiresAt, limit, limitReset, includeByokInLimit, null);
    }
}
