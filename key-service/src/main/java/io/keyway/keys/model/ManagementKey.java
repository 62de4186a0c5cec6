package io.keyway.keys.model;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A management key (sk-kw-mgmt-v1-...): manages one account's keys and settings, never calls inference. */
@Entity
@Table(name = "management_keys")
public class ManagementKey extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "account_id", nullable = false)
    public UUID accountId;

    @Column(nullable = false)
    public String hash;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public String label;

    @Column(nullable = false)
    public boolean disabled;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** Written only when the key authenticates (AccountService), never by an entity update. */
    @Column(name = "last_used_at", insertable = false, updatable = false)
    public Instant lastUsedAt;
}
