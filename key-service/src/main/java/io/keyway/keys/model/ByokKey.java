package io.keyway.keys.model;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A customer's own provider key (DESIGN.md §3). The secret lives in {@link #secretStore} at {@link #secretLocator};
 * this row keeps only the last four characters ({@link #hint}) and the masked {@link #label}.
 */
@Entity
@Table(name = "byok_keys")
public class ByokKey extends PanacheEntityBase {

    public static final String PRIORITIZED = "PRIORITIZED";
    public static final String FALLBACK = "FALLBACK";

    @Id
    public UUID id;

    @Column(name = "account_id", nullable = false)
    public UUID accountId;

    @Column(nullable = false)
    public String provider;

    public String name;

    /** PRIORITIZED | FALLBACK */
    @Column(nullable = false)
    public String section;

    /** 0-based, contiguous within (account, provider, section). */
    @Column(nullable = false)
    public int position;

    @Column(nullable = false)
    public boolean enabled;

    /** "Always use for this provider"; OpenRouter's {@code is_required}. */
    @Column(name = "always_use", nullable = false)
    public boolean alwaysUse;

    /** OpenRouter's {@code is_byok_only}: the account never uses pooled capacity of this provider. Prioritized only. */
    @Column(name = "byok_only", nullable = false)
    public boolean byokOnly;

    /** The tenant's zero-data-retention declaration for the provider account behind the key; null inherits. */
    @Column(name = "declared_zdr")
    public Boolean declaredZdr;

    /** null = every model. */
    @Convert(converter = StringListJson.class)
    @Column(name = "allowed_models")
    public List<String> allowedModels;

    /** null = every API key of the account; API key ids (the API shows their hashes). */
    @Convert(converter = StringListJson.class)
    @Column(name = "allowed_api_key_ids")
    public List<String> allowedApiKeyIds;

    /** null = every end user; the request's {@code user} values that may use the key. */
    @Convert(converter = StringListJson.class)
    @Column(name = "allowed_user_ids")
    public List<String> allowedUserIds;

    @Column(name = "secret_store", nullable = false)
    public String secretStore;

    @Column(name = "secret_locator", nullable = false)
    public String secretLocator;

    @Column(nullable = false)
    public String hint;

    @Column(nullable = false)
    public String label;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Written only by {@code service.LastUsed} (from usage events), never by an entity update. */
    @Column(name = "last_used_at", insertable = false, updatable = false)
    public Instant lastUsedAt;

    @Version
    public long version;

    public boolean isFallback() {
        return FALLBACK.equals(section);
    }
}
