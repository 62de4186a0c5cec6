package io.keyway.billing.model;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** One movement of an account's credits. Positive amounts add credit, charges are negative. */
@Entity
@Table(name = "ledger_entries")
public class LedgerEntry extends PanacheEntityBase {

    public enum Kind { TOPUP, ADJUSTMENT, CHARGE }

    @Id
    public UUID id;

    @Column(name = "account_id", nullable = false)
    public String accountId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Kind kind;

    @Column(nullable = false, precision = 30, scale = 12)
    public BigDecimal amount;

    public String description;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static LedgerEntry of(String accountId, Kind kind, BigDecimal amount, String description) {
        LedgerEntry e = new LedgerEntry();
        e.id = UUID.randomUUID();
        e.accountId = accountId;
        e.kind = kind;
        e.amount = amount;
        e.description = description;
        e.createdAt = Instant.now();
        return e;
    }
}
