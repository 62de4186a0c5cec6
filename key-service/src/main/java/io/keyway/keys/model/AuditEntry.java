package io.keyway.keys.model;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One line of the audit log: who did what to which object, when. Never holds secret material. */
@Entity
@Table(name = "audit_log")
public class AuditEntry extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public Instant at;

    /** "admin", "management_key:<id>", "service:<name>" (secret reads; rows before V56: "internal"). */
    @Column(nullable = false)
    public String actor;

    @Column(name = "account_id")
    public UUID accountId;

    /** One of {@link io.keyway.keys.service.AuditTrail#ACTIONS}. */
    @Column(nullable = false)
    public String action;

    @Column(name = "object_type", nullable = false)
    public String objectType;

    @Column(name = "object_id")
    public String objectId;

    /** Which fields changed (names only, never values of secrets). */
    public String detail;
}
