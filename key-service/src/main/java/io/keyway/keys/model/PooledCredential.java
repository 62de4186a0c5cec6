package io.keyway.keys.model;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.UUID;

/** One of the platform's own provider credentials, used by the gateway as shared (pooled) capacity. */
@Entity
@Table(name = "pooled_credentials")
public class PooledCredential extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(nullable = false)
    public String provider;

    public String name;

    /** 0-based order within the provider. */
    @Column(nullable = false)
    public int position;

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

    @Version
    public long version;
}
