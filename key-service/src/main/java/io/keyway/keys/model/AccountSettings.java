package io.keyway.keys.model;

import io.keyway.contracts.RateLimit;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Per-account settings: ignored providers, default secret store, BYOK precedence (DESIGN.md §2, §3). */
@Entity
@Table(name = "account_settings")
public class AccountSettings extends PanacheEntityBase {

    public static final String BYOK_FIRST = "byok_first";
    public static final String ORDER_FIRST = "order_first";

    @Id
    @Column(name = "account_id")
    public UUID accountId;

    @Convert(converter = StringListJson.class)
    @Column(name = "ignored_providers", nullable = false)
    public List<String> ignoredProviders = new ArrayList<>();

    @Column(name = "default_secret_store", nullable = false)
    public String defaultSecretStore;

    @Column(name = "byok_precedence", nullable = false)
    public String byokPrecedence = BYOK_FIRST;

    /** Requests per {@link #rateLimitInterval} (OpenRouter's {@code rate_limit}); null with it = no limit. */
    @Column(name = "rate_limit_requests")
    public Integer rateLimitRequests;

    /** {@code 10s}, {@code 1m}, … as given (checked by {@code contracts.RateLimit}). */
    @Column(name = "rate_limit_interval")
    public String rateLimitInterval;

    /** Requests in flight at once; null = no limit. */
    @Column(name = "max_concurrent_requests")
    public Integer maxConcurrentRequests;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Version
    public long version;

    /** The rate limit as the API and the gateway show it, or null. */
    public RateLimit rateLimit() {
        return rateLimitRequests == null ? null : new RateLimit(rateLimitRequests, rateLimitInterval);
    }
}
