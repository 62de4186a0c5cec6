package io.keyway.keys.model;

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

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Version
    public long version;
}
