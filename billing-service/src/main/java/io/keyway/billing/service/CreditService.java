package io.keyway.billing.service;

import io.keyway.billing.model.LedgerEntry;
import io.keyway.billing.model.LedgerEntry.Kind;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Credit top-ups and adjustments: one ledger entry and the account's running total in one transaction, then the new
 * account state is published. A request repeated with the same Idempotency-Key returns the first entry and changes
 * nothing; the same key with a different request is refused (422).
 */
@ApplicationScoped
public class CreditService {

    /** The entry written, and whether it was written by an earlier request with the same Idempotency-Key. */
    public record Recorded(LedgerEntry entry, boolean replayed) {
    }

    /** OpenRouter's credits shape: everything ever credited, everything ever charged. */
    public record Totals(String accountId, BigDecimal totalCredits, BigDecimal totalUsage) {
        public BigDecimal balance() {
            return totalCredits.subtract(totalUsage);
        }
    }

    private final AccountStatePublisher states;
    private final Pool pool;

    public CreditService(AccountStatePublisher states, Pool pool) {
        this.states = states;
        this.pool = pool;
    }

    public Uni<Recorded> record(String accountId, Kind kind, BigDecimal amount, String description,
            String idempotencyKey) {
        String fingerprint = kind + "|" + Money.wire(amount).toPlainString() + "|" + (description == null ? "" : description);
        Uni<Recorded> attempt = Panache.withTransaction(() -> existing(accountId, kind, idempotencyKey)
                .chain(found -> found != null ? Uni.createFrom().item(replay(found, fingerprint))
                        : insert(accountId, kind, amount, description, idempotencyKey, fingerprint)));
        return attempt
                .onFailure(CreditService::isUniqueViolation)
                .recoverWithUni(() -> Panache.withSession(() -> existing(accountId, kind, idempotencyKey))
                        .map(found -> replay(found, fingerprint)))
                .invoke(recorded -> {
                    if (!recorded.replayed()) {
                        states.changed(List.of(accountId));
                    }
                });
    }

    private static Uni<LedgerEntry> existing(String accountId, Kind kind, String idempotencyKey) {
        return idempotencyKey == null ? Uni.createFrom().nullItem()
                : LedgerEntry.findByIdempotencyKey(accountId, kind, idempotencyKey);
    }

    private static Recorded replay(LedgerEntry found, String fingerprint) {
        if (found == null) {
            throw new BillingProblem(409, "a request with this Idempotency-Key is in progress, retry", Map.of());
        }
        if (!fingerprint.equals(found.requestFingerprint)) {
            throw new BillingProblem(422, "Idempotency-Key was already used with a different request",
                    Map.of("header", "Idempotency-Key"));
        }
        return new Recorded(found, true);
    }

    private Uni<Recorded> insert(String accountId, Kind kind, BigDecimal amount, String description,
            String idempotencyKey, String fingerprint) {
        LedgerEntry entry = LedgerEntry.of(accountId, kind, amount, description);
        entry.idempotencyKey = idempotencyKey;
        entry.requestFingerprint = fingerprint;
        return entry.<LedgerEntry>persistAndFlush()
                .chain(() -> Panache.getSession())
                .chain(session -> session.createNativeQuery("INSERT INTO accounts (account_id, total_credits, sequence, "
                        + "updated_at) VALUES (?1, ?2, 1, now()) ON CONFLICT (account_id) DO UPDATE SET "
                        + "total_credits = accounts.total_credits + EXCLUDED.total_credits, "
                        + "sequence = accounts.sequence + 1, updated_at = now()")
                        .setParameter(1, accountId).setParameter(2, amount).executeUpdate())
                .map(updated -> new Recorded(entry, false));
    }

    private static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState())) {
                return true;
            }
            if (t instanceof org.hibernate.exception.ConstraintViolationException) {
                return true;
            }
        }
        return false;
    }

    /** The account's totals; zero for an account billing has never seen. */
    public Uni<Totals> totals(String accountId) {
        return pool.preparedQuery("SELECT total_credits, total_usage FROM accounts WHERE account_id = $1")
                .execute(Tuple.of(accountId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return new Totals(accountId, BigDecimal.ZERO, BigDecimal.ZERO);
                    }
                    Row row = rows.iterator().next();
                    return new Totals(accountId, row.getBigDecimal(0), row.getBigDecimal(1));
                });
    }
}
