package io.keyway.billing.service;

import io.keyway.billing.config.BillingConfig;
import io.keyway.contracts.BudgetLease;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Grants budget leases to gateway replicas (docs/decisions.md, "Budget leases"). The rule, per budget (an account's
 * balance, or an API key's limit in one limit period):
 * <pre>
 *   base     = balance (credits − charges applied)          | limit − the key's applied spend in the period
 *   others   = Σ other leases' hold: live → granted − charged; lapsed → settled − charged (for the grace), then 0
 *   headroom = base − others − (this lease's settled + reserved − charged)
 *   granted  = settled + reserved + min(want, headroom)⁺
 * </pre>
 * so the sum of what every replica may still spend never exceeds the budget. A charge applied from a usage event
 * counts against its leases ({@link UsageBatchApplier}) in the charge's own transaction, so the same money is never held
 * twice. Syncs of one budget are serialised by a transaction-scoped advisory lock, and everything is read in one
 * statement after it (one snapshot). Blocking JDBC: call from a worker thread.
 */
@ApplicationScoped
public class BudgetLeases {

    /** A lease id that exists for another budget (another account, scope or key). */
    public static final class ForeignLease extends RuntimeException {
        ForeignLease() {
            super("lease_id belongs to another budget", null, false, false);
        }
    }

    private static final String HOLD = "CASE WHEN expires_at > now() THEN greatest(granted - charged, 0) "
            + "WHEN expires_at + ?::interval > now() THEN greatest(settled - charged, 0) ELSE 0 END";

    private final DataSource dataSource;
    private final BillingConfig.BudgetLeases config;

    public BudgetLeases(DataSource dataSource, BillingConfig config) {
        this.dataSource = dataSource;
        this.config = config.budgetLeases();
    }

    public BudgetLease.Grant sync(UUID leaseId, BudgetLease.Sync sync) throws SQLException {
        boolean account = BudgetLease.ACCOUNT.equals(sync.scope());
        String grace = config.grace().toSeconds() + " seconds";
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                    ps.setString(1, account ? "budget:account:" + sync.accountId() : "budget:api_key:" + sync.apiKeyId());
                    ps.executeQuery().close();
                }
                BigDecimal base;
                BigDecimal others;
                BigDecimal chargedSelf;
                if (account) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT "
                            + "(SELECT total_credits - total_usage FROM accounts WHERE account_id = ?), "
                            + "(SELECT coalesce(sum(" + HOLD + "), 0) FROM budget_leases "
                            + "  WHERE scope = 'account' AND account_id = ? AND lease_id <> ?), "
                            + "(SELECT charged FROM budget_leases WHERE lease_id = ?)")) {
                        ps.setString(1, sync.accountId());
                        ps.setString(2, grace);
                        ps.setString(3, sync.accountId());
                        ps.setObject(4, leaseId);
                        ps.setObject(5, leaseId);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            base = orZero(rs.getBigDecimal(1));
                            others = rs.getBigDecimal(2);
                            chargedSelf = orZero(rs.getBigDecimal(3));
                        }
                    }
                } else {
                    LocalDate firstDay = sync.periodStart().atOffset(ZoneOffset.UTC).toLocalDate();
                    try (PreparedStatement ps = c.prepareStatement("SELECT "
                            + "(SELECT coalesce(sum(spend + byok_fees) + CASE WHEN ? THEN sum(byok_list_cost) ELSE 0 END, 0)"
                            + "   FROM api_key_daily_spend WHERE api_key_id = ? AND day >= ?), "
                            + "(SELECT coalesce(sum(" + HOLD + "), 0) FROM budget_leases "
                            + "  WHERE scope = 'api_key' AND api_key_id = ? AND period_start = ? AND lease_id <> ?), "
                            + "(SELECT charged FROM budget_leases WHERE lease_id = ?)")) {
                        ps.setBoolean(1, sync.includeByok());
                        ps.setString(2, sync.apiKeyId());
                        ps.setObject(3, firstDay);
                        ps.setString(4, grace);
                        ps.setString(5, sync.apiKeyId());
                        ps.setTimestamp(6, Timestamp.from(sync.periodStart()));
                        ps.setObject(7, leaseId);
                        ps.setObject(8, leaseId);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            base = sync.limit().subtract(rs.getBigDecimal(1));
                            others = rs.getBigDecimal(2);
                            chargedSelf = orZero(rs.getBigDecimal(3));
                        }
                    }
                }
                BigDecimal used = sync.settled().add(sync.reserved());
                BigDecimal committed = used.subtract(chargedSelf).max(BigDecimal.ZERO);
                BigDecimal headroom = base.subtract(others).subtract(committed);
                BigDecimal extra = sync.want().min(headroom).max(BigDecimal.ZERO);
                BigDecimal granted = used.add(extra);
                Instant expires = Instant.now().plus(config.ttl());
                upsert(c, leaseId, sync, granted, expires);
                deleteLapsed(c, sync, account);
                c.commit();
                return new BudgetLease.Grant(leaseId.toString(), Money.wire(granted),
                        Money.wire(headroom.subtract(extra).max(BigDecimal.ZERO)), expires);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private void upsert(Connection c, UUID leaseId, BudgetLease.Sync sync, BigDecimal granted, Instant expires)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO budget_leases (lease_id, account_id, scope, "
                + "api_key_id, period_start, include_byok, granted, settled, reserved, synced_at, expires_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?) ON CONFLICT (lease_id) DO UPDATE SET "
                + "granted = EXCLUDED.granted, settled = EXCLUDED.settled, reserved = EXCLUDED.reserved, "
                + "include_byok = EXCLUDED.include_byok, synced_at = now(), expires_at = EXCLUDED.expires_at "
                + "WHERE budget_leases.account_id = EXCLUDED.account_id AND budget_leases.scope = EXCLUDED.scope "
                + "AND budget_leases.api_key_id IS NOT DISTINCT FROM EXCLUDED.api_key_id "
                + "AND budget_leases.period_start IS NOT DISTINCT FROM EXCLUDED.period_start")) {
            ps.setObject(1, leaseId);
            ps.setString(2, sync.accountId());
            ps.setString(3, sync.scope());
            ps.setString(4, sync.apiKeyId());
            ps.setTimestamp(5, sync.periodStart() == null ? null : Timestamp.from(sync.periodStart()));
            ps.setBoolean(6, sync.includeByok());
            ps.setBigDecimal(7, granted);
            ps.setBigDecimal(8, sync.settled());
            ps.setBigDecimal(9, sync.reserved());
            ps.setTimestamp(10, Timestamp.from(expires));
            if (ps.executeUpdate() == 0) {
                throw new ForeignLease();
            }
        }
    }

    /** Leases of this budget that hold nothing any more (past their TTL and grace): their rows go. */
    private void deleteLapsed(Connection c, BudgetLease.Sync sync, boolean account) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(account
                ? "DELETE FROM budget_leases WHERE scope = 'account' AND account_id = ? AND expires_at + ?::interval < now()"
                : "DELETE FROM budget_leases WHERE scope = 'api_key' AND api_key_id = ? AND expires_at + ?::interval < now()")) {
            ps.setString(1, account ? sync.accountId() : sync.apiKeyId());
            ps.setString(2, config.grace().toSeconds() + " seconds");
            ps.executeUpdate();
        }
    }

    private static BigDecimal orZero(BigDecimal value) {
        return value == null ? BigDecimal.ZERO : value;
    }
}
