package io.keyway.billing;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Reads billing's tables directly, to check what a test did. */
final class TestDb {

    private final DataSource dataSource;

    TestDb(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    Object one(String sql, Object... params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getObject(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long count(String sql, Object... params) {
        Object v = one(sql, params);
        return v == null ? 0 : ((Number) v).longValue();
    }

    BigDecimal money(String sql, Object... params) {
        Object v = one(sql, params);
        return v == null ? null : (BigDecimal) v;
    }

    void execute(String sql, Object... params) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    BigDecimal balance(String account) {
        return money("SELECT total_credits - total_usage FROM accounts WHERE account_id = ?", account);
    }

    /** The charge billing applied to one event, or null when it was not applied. */
    BigDecimal charge(String eventId) {
        return money("SELECT charge FROM usage_records WHERE event_id = ?::uuid", eventId);
    }

    Long byokNumber(String eventId) {
        Object v = one("SELECT byok_request_number FROM usage_records WHERE event_id = ?::uuid", eventId);
        return v == null ? null : ((Number) v).longValue();
    }
}
