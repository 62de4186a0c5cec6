package io.keyway.billing.service;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyway.billing.config.BillingConfig.AllowanceKind;
import io.keyway.billing.service.FeeSchedule.FeeOverride;
import io.keyway.billing.service.FeeSchedule.MonthToDate;
import io.keyway.billing.service.FeeSchedule.Terms;
import io.keyway.contracts.ApiKeyUsage;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** Monthly statements, the ledger (paged) and per-account fee terms, read from PostgreSQL with the reactive client. */
@ApplicationScoped
public class StatementService {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Statement(
            @JsonProperty("account_id") String accountId,
            @JsonProperty("month") String month,
            @JsonProperty("byok") Byok byok,
            @JsonProperty("non_byok") NonByok nonByok,
            @JsonProperty("total_charged") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal totalCharged,
            @JsonProperty("failed_requests") long failedRequests,
            @JsonProperty("by_model_and_provider") List<Line> lines) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Byok(
            @JsonProperty("requests") long requests,
            @JsonProperty("allowance") String allowance,
            @JsonProperty("free_requests_per_month") Long freeRequestsPerMonth,
            @JsonProperty("free_requests_left") Long freeRequestsLeft,
            @JsonProperty("free_list_cost_per_month") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal freeListCost,
            @JsonProperty("free_list_cost_left") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal freeListCostLeft,
            @JsonProperty("fee_rate") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal feeRate,
            @JsonProperty("list_cost") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal listCost,
            @JsonProperty("fees") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal fees) {
    }

    public record NonByok(
            @JsonProperty("requests") long requests,
            @JsonProperty("spend") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal spend) {
    }

    public record Line(
            @JsonProperty("model") String model,
            @JsonProperty("provider") String provider,
            @JsonProperty("is_byok") boolean byok,
            @JsonProperty("requests") long requests,
            @JsonProperty("failed_requests") long failed,
            @JsonProperty("list_cost") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal listCost,
            @JsonProperty("charged") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal charged) {
    }

    public record LedgerLine(
            @JsonProperty("id") String id,
            @JsonProperty("at") OffsetDateTime at,
            @JsonProperty("kind") String kind,
            @JsonProperty("amount") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal amount,
            @JsonProperty("description") String description,
            @JsonProperty("model") String model,
            @JsonProperty("provider") String provider,
            @JsonProperty("is_byok") Boolean byok) {
    }

    public record LedgerPage(
            @JsonProperty("data") List<LedgerLine> data,
            @JsonProperty("page") int page,
            @JsonProperty("page_size") int pageSize,
            @JsonProperty("has_more") boolean hasMore) {
    }

    /** An account's fee terms: the override as stored, and the terms in effect. */
    public record FeeTerms(
            @JsonProperty("account_id") String accountId,
            @JsonProperty("override") FeeOverride override,
            @JsonProperty("effective") Terms effective) {
    }

    private final Pool pool;
    private final FeeSchedule feeSchedule;
    private final AccountStatePublisher states;

    public StatementService(Pool pool, FeeSchedule feeSchedule, AccountStatePublisher states) {
        this.pool = pool;
        this.feeSchedule = feeSchedule;
        this.states = states;
    }

    public Uni<Statement> statement(String accountId, String month) {
        Uni<List<Line>> lines = pool.preparedQuery("SELECT model, provider, is_byok, "
                + "count(*) FILTER (WHERE status = 'success'), count(*) FILTER (WHERE status = 'error'), "
                + "coalesce(sum(list_cost) FILTER (WHERE status = 'success'), 0), coalesce(sum(charge), 0) "
                + "FROM usage_records WHERE account_id = $1 AND month = $2 "
                + "GROUP BY model, provider, is_byok ORDER BY model, provider NULLS LAST, is_byok")
                .execute(Tuple.of(accountId, month))
                .map(rows -> {
                    List<Line> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new Line(r.getString(0), r.getString(1), r.getBoolean(2), r.getLong(3), r.getLong(4),
                                Money.wire(r.getBigDecimal(5)), Money.wire(r.getBigDecimal(6))));
                    }
                    return out;
                });
        Uni<MonthToDate> counter = pool.preparedQuery(
                "SELECT requests, list_cost FROM byok_monthly_usage WHERE account_id = $1 AND month = $2")
                .execute(Tuple.of(accountId, month))
                .map(rows -> rows.size() == 0 ? MonthToDate.EMPTY
                        : new MonthToDate(rows.iterator().next().getLong(0), rows.iterator().next().getBigDecimal(1)));
        return Uni.combine().all().unis(lines, counter, terms(accountId)).asTuple().map(t -> {
            List<Line> all = t.getItem1();
            MonthToDate used = t.getItem2();
            Terms terms = t.getItem3().effective();
            long byokRequests = 0;
            long nonByokRequests = 0;
            long failed = 0;
            BigDecimal byokListCost = BigDecimal.ZERO;
            BigDecimal fees = BigDecimal.ZERO;
            BigDecimal spend = BigDecimal.ZERO;
            for (Line l : all) {
                failed += l.failed();
                if (l.byok()) {
                    byokRequests += l.requests();
                    byokListCost = byokListCost.add(l.listCost());
                    fees = fees.add(l.charged());
                } else {
                    nonByokRequests += l.requests();
                    spend = spend.add(l.charged());
                }
            }
            boolean byCount = terms.allowance() == AllowanceKind.REQUESTS;
            Byok byok = new Byok(byokRequests, byCount ? "requests" : "list-cost",
                    byCount ? terms.freeRequests() : null,
                    byCount ? feeSchedule.freeRequestsLeft(terms, used) : null,
                    byCount ? null : Money.wire(terms.freeListCost()),
                    byCount ? null : Money.wire(feeSchedule.freeListCostLeft(terms, used)),
                    Money.wire(terms.rate()), Money.wire(byokListCost), Money.wire(fees));
            return new Statement(accountId, month, byok, new NonByok(nonByokRequests, Money.wire(spend)),
                    Money.wire(fees.add(spend)), failed, all);
        });
    }

    public Uni<LedgerPage> ledger(String accountId, int page, int pageSize) {
        return pool.preparedQuery("SELECT entry_id, at, kind, amount, description, model, provider, is_byok FROM ledger "
                + "WHERE account_id = $1 ORDER BY at, occurred_at, entry_id LIMIT $2 OFFSET $3")
                .execute(Tuple.of(accountId, pageSize + 1, (long) (page - 1) * pageSize))
                .map(rows -> {
                    List<LedgerLine> lines = new ArrayList<>();
                    for (Row r : rows) {
                        lines.add(new LedgerLine(r.getString(0), r.getOffsetDateTime(1), r.getString(2),
                                Money.wire(r.getBigDecimal(3)), r.getString(4), r.getString(5), r.getString(6),
                                r.getBoolean(7)));
                    }
                    boolean more = lines.size() > pageSize;
                    return new LedgerPage(more ? lines.subList(0, pageSize) : lines, page, pageSize, more);
                });
    }

    /** One API key's usage (see {@link ApiKeyUsage}) as of {@code today} (UTC). */
    public Uni<ApiKeyUsage> keyUsage(String apiKeyId, LocalDate today) {
        LocalDate week = today.with(DayOfWeek.MONDAY);
        LocalDate month = today.withDayOfMonth(1);
        return pool.preparedQuery("SELECT coalesce(sum(spend + byok_fees), 0), "
                + "coalesce(sum(spend + byok_fees) FILTER (WHERE day >= $2), 0), "
                + "coalesce(sum(spend + byok_fees) FILTER (WHERE day >= $3), 0), "
                + "coalesce(sum(spend + byok_fees) FILTER (WHERE day >= $4), 0), "
                + "coalesce(sum(byok_list_cost), 0), "
                + "coalesce(sum(byok_list_cost) FILTER (WHERE day >= $2), 0), "
                + "coalesce(sum(byok_list_cost) FILTER (WHERE day >= $3), 0), "
                + "coalesce(sum(byok_list_cost) FILTER (WHERE day >= $4), 0) "
                + "FROM api_key_daily_spend WHERE api_key_id = $1")
                .execute(Tuple.of(apiKeyId, today, week, month))
                .map(rows -> {
                    Row r = rows.iterator().next();
                    return new ApiKeyUsage(apiKeyId, Money.wire(r.getBigDecimal(0)), Money.wire(r.getBigDecimal(1)),
                            Money.wire(r.getBigDecimal(2)), Money.wire(r.getBigDecimal(3)),
                            Money.wire(r.getBigDecimal(4)), Money.wire(r.getBigDecimal(5)),
                            Money.wire(r.getBigDecimal(6)), Money.wire(r.getBigDecimal(7)));
                });
    }

    public Uni<FeeTerms> terms(String accountId) {
        return pool.preparedQuery("SELECT byok_allowance, byok_free_requests, byok_free_list_cost, byok_fee_rate "
                + "FROM fee_overrides WHERE account_id = $1")
                .execute(Tuple.of(accountId))
                .map(rows -> {
                    FeeOverride override = null;
                    if (rows.size() > 0) {
                        Row r = rows.iterator().next();
                        String allowance = r.getString(0);
                        override = new FeeOverride(allowance == null ? null : AllowanceKind.valueOf(allowance),
                                r.getLong(1), Money.wire(r.getBigDecimal(2)), Money.wire(r.getBigDecimal(3)));
                    }
                    return new FeeTerms(accountId, override, feeSchedule.termsFor(override));
                });
    }

    public Uni<FeeTerms> setOverride(String accountId, FeeOverride override) {
        return pool.preparedQuery("INSERT INTO fee_overrides (account_id, byok_allowance, byok_free_requests, "
                + "byok_free_list_cost, byok_fee_rate, updated_at) VALUES ($1, $2, $3, $4, $5, now()) "
                + "ON CONFLICT (account_id) DO UPDATE SET byok_allowance = EXCLUDED.byok_allowance, "
                + "byok_free_requests = EXCLUDED.byok_free_requests, byok_free_list_cost = EXCLUDED.byok_free_list_cost, "
                + "byok_fee_rate = EXCLUDED.byok_fee_rate, updated_at = now()")
                .execute(Tuple.tuple().addString(accountId)
                        .addString(override.allowance() == null ? null : override.allowance().name())
                        .addLong(override.freeRequests())
                        .addBigDecimal(override.freeListCost())
                        .addBigDecimal(override.rate()))
                .invoke(() -> states.changed(List.of(accountId))) // the state carries the terms (byok_terms)
                .chain(() -> terms(accountId));
    }

    public Uni<Boolean> clearOverride(String accountId) {
        return pool.preparedQuery("DELETE FROM fee_overrides WHERE account_id = $1").execute(Tuple.of(accountId))
                .invoke(() -> states.changed(List.of(accountId)))
                .map(rows -> rows.rowCount() > 0);
    }
}
