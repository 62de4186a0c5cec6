package io.keyway.keys.model;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/** A tenant: owns API keys, management keys, BYOK keys and settings. */
@Entity
@Table(name = "accounts")
public class Account extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(nullable = false)
    public String name;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Bumped (by a bulk update) with every change the account's routing view or key resolution depends on. */
    @Column(name = "change_seq", nullable = false)
    public long changeSeq;

    @Version
    public long version;

    public static Account create(String name) {
        Account a = new Account();
        a.id = UUID.randomUUID();
        a.name = name;
        a.createdAt = Instant.now();
        a.updatedAt = a.createdAt;
        return a;
    }
}
