package io.keyway.keys.model;

import io.keyway.contracts.RateLimit;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** An inference key (sk-kw-v1-...). Only its SHA-256 hash is stored; the key itself is shown once, at creation. */
@Entity
@Table(name = "api_keys")
public class ApiKey extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "account_id", nullable = false)
    public UUID accountId;

    @Column(nullable = false)
    public String hash;

    @Column(nullable = false)
    public String name;

    /** Masked form of the key, e.g. "sk-kw-v1-3fa...b2c". */
    @Column(nullable = false)
    public String label;

    @Column(nullable = false)
    public boolean disabled;

    /** Spend limit in USD (null = none). Enforced by billing-service. */
    @Column(name = "spend_limit")
    public BigDecimal limit;

    /** daily | weekly | monthly | null */
    @Column(name = "limit_reset")
    public String limitReset;

    @Column(name = "include_byok_in_limit", nullable = false)
    public boolean includeByokInLimit;

    /** OpenRouter's {@code creator_user_id}: the tenant's user who created the key (free-form, null = not given). */
    @Column(name = "creator_user_id")
    public String creatorUserId;

    /** OpenRouter's {@code external_user}: the tenant's end user the key was made for ({@code external.user}). */
    @Column(name = "external_user")
    public String externalUser;

    /** Requests per {@link #rateLimitInterval} (OpenRouter's {@code rate_limit}); null with it = no limit. */
    @Column(name = "rate_limit_requests")
    public Integer rateLimitRequests;

    /** {@code 10s}, {@code 1m}, … as given (checked by {@code contracts.RateLimit}). */
    @Column(name = "rate_limit_interval")
    public String rateLimitInterval;

    /** Requests in flight at once; null = no limit. */
    @Column(name = "max_concurrent_requests")
    public Integer maxConcurrentRequests;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Written only by {@code service.LastUsed} (from usage events), never by an entity update. */
    @Column(name = "last_used_at", insertable = false, updatable = false)
    public Instant lastUsedAt;

    @Version
    public long version;

    public boolean isExpired(Instant now) {
        return expiresAt != null && !expiresAt.isAfter(now);
    }

    /** The rate limit as the API and the gateway show it, or null. */
    public RateLimit rateLimit() {
        return rateLimitRequests == null ? null : new RateLimit(rateLimitRequests, rateLimitInterval);
    }
}
