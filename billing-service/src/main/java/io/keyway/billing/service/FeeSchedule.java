package io.keyway.billing.service;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyway.billing.config.BillingConfig;
import io.keyway.billing.config.BillingConfig.AllowanceKind;
import io.keyway.contracts.ByokFee;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The fee rules of DESIGN.md §4, stated once:
 * <ul>
 * <li>a failed request ({@code status: error}) is neither charged nor counted;</li>
 * <li>a non-BYOK request is charged its list cost;</li>
 * <li>a BYOK request is counted in its account's calendar month (UTC, by {@code occurred_at}); while the month's
 * allowance lasts it carries no fee, after that it is charged {@code rate × list cost}. The allowance is a number of
 * requests (default 1,000,000) or an amount of list cost (USD); a request that crosses a list-cost allowance pays the
 * rate on the part beyond it. Rate and allowance come from configuration or the account's override.</li>
 * </ul>
 * Amounts are exact; a fee is rounded half-up to {@link #SCALE} decimal places (the ledger's NUMERIC scale).
 */
@ApplicationScoped
public class FeeSchedule {

    public static final int SCALE = ByokFee.SCALE;

    /** The terms an account is billed on. A null override field falls back to the configured default. */
    public record Terms(
            @JsonProperty("byok_allowance") AllowanceKind allowance,
            @JsonProperty("byok_free_requests") long freeRequests,
            @JsonProperty("byok_free_list_cost") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal freeListCost,
            @JsonProperty("byok_fee_rate") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal rate) {
    }

    /** An account's BYOK usage in one month before a request: requests counted and their list cost. */
    public record MonthToDate(long requests, BigDecimal listCost) {
        public static final MonthToDate EMPTY = new MonthToDate(0, BigDecimal.ZERO);
    }

    /** What one request costs the account and how it moves the month's counters. */
    public record Outcome(BigDecimal charge, boolean counted, boolean free, MonthToDate after) {
    }

    private final Terms defaults;

    @Inject
    public FeeSchedule(BillingConfig config) {
        this(new Terms(config.byokAllowance(), config.byokFreeRequestsPerMonth(), config.byokFreeListCostPerMonth(),
                config.byokFeeRate()));
    }

    public FeeSchedule(Terms defaults) {
        this.defaults = defaults;
    }

    public Terms defaults() {
        return defaults;
    }

    /** The account's terms: each field of its override where set, the configured default otherwise. */
    public Terms termsFor(FeeOverride override) {
        if (override == null) {
            return defaults;
        }
        return new Terms(
                override.allowance() != null ? override.allowance() : defaults.allowance(),
                override.freeRequests() != null ? override.freeRequests() : defaults.freeRequests(),
                override.freeListCost() != null ? override.freeListCost() : defaults.freeListCost(),
                override.rate() != null ? override.rate() : defaults.rate());
    }

    /** The terms of each of {@code accounts} (its override from {@code fee_overrides}, or the defaults), read on {@code c}. */
    public Map<String, Terms> termsOf(Connection c, Collection<String> accounts) throws SQLException {
        Map<String, Terms> terms = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT account_id, byok_allowance, byok_free_requests, "
                + "byok_free_list_cost, byok_fee_rate FROM fee_overrides WHERE account_id = ANY(?::text[])")) {
            ps.setArray(1, c.createArrayOf("text", new TreeSet<>(accounts).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String allowance = rs.getString(2);
                    long freeRequests = rs.getLong(3);
                    Long free = rs.wasNull() ? null : freeRequests;
                    terms.put(rs.getString(1), termsFor(new FeeOverride(
                            allowance == null ? null : AllowanceKind.valueOf(allowance), free, rs.getBigDecimal(4),
                            rs.getBigDecimal(5))));
                }
            }
        }
        for (String account : accounts) {
            terms.putIfAbsent(account, defaults);
        }
        return terms;
    }

    /** A negotiated deal for one account (admin API); null fields keep the defaults. */
    public record FeeOverride(
            @JsonProperty("byok_allowance") AllowanceKind allowance,
            @JsonProperty("byok_free_requests") Long freeRequests,
            @JsonProperty("byok_free_list_cost") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal freeListCost,
            @JsonProperty("byok_fee_rate") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal rate) {
    }

    /** Applies the rules to one request, given the account's BYOK usage in the request's month so far. */
    public Outcome apply(Terms terms, boolean success, boolean byok, BigDecimal listCost, MonthToDate before) {
        if (!success) {
            return new Outcome(BigDecimal.ZERO, false, false, before);
        }
        if (!byok) {
            return new Outcome(listCost, false, false, before);
        }
        MonthToDate after = new MonthToDate(before.requests() + 1, before.listCost().add(listCost));
        BigDecimal feeBase = ByokFee.base(terms.allowance() == AllowanceKind.LIST_COST, terms.freeRequests(),
                terms.freeListCost(), listCost, before.requests(), before.listCost());
        return new Outcome(ByokFee.fee(terms.rate(), feeBase), true, feeBase.signum() == 0, after);
    }

    /** Free BYOK requests left in a month (request allowance), or -1 when the allowance is an amount. */
    public long freeRequestsLeft(Terms terms, MonthToDate monthToDate) {
        if (terms.allowance() != AllowanceKind.REQUESTS) {
            return -1;
        }
        return Math.max(0, terms.freeRequests() - monthToDate.requests());
    }

    /** Free BYOK list cost left in a month (amount allowance), or null when the allowance is a count. */
    public BigDecimal freeListCostLeft(Terms terms, MonthToDate monthToDate) {
        if (terms.allowance() != AllowanceKind.LIST_COST) {
            return null;
        }
        return terms.freeListCost().subtract(monthToDate.listCost()).max(BigDecimal.ZERO);
    }
}
