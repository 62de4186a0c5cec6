package io.keyway.billing.model;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.smallrye.mutiny.Uni;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * One credit movement an operator made: a top-up or an adjustment. Positive amounts add credit. Usage charges are
 * ledger lines too but live in usage_records (the view {@code ledger} shows both).
 */
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

    /** The client's Idempotency-Key, when it sent one: a retry with the same key returns this entry. */
    @Column(name = "idempotency_key")
    public String idempotencyKey;

    /** What the request asked for (kind, amount, description), to refuse a reused key with a different request. */
    @Column(name = "request_fingerprint")
    public String requestFingerprint;

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

    public static Uni<LedgerEntry> findByIdempotencyKey(String accountId, Kind kind, String key) {
        return find("accountId = ?1 and kind = ?2 and idempotencyKey = ?3", accountId, kind, key).firstResult();
    }
}
