package io.keyway.billing.service;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * An account's requests and charges per UTC day of one month, from the usage records (the console's chart). Days
 * without requests are left out; failed requests are counted apart and never charged (DESIGN.md §4).
 */
@ApplicationScoped
public class DailyUsage {

    public record Day(
            @JsonProperty("day") LocalDate day,
            @JsonProperty("requests") long requests,
            @JsonProperty("byok_requests") long byokRequests,
            @JsonProperty("failed_requests") long failedRequests,
            @JsonProperty("list_cost") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal listCost,
            @JsonProperty("charged") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal charged) {
    }

    private final Pool pool;

    public DailyUsage(Pool pool) {
        this.pool = pool;
    }

    /** {@code month} as YYYY-MM (checked by the caller); days in order. */
    public Uni<List<Day>> of(String accountId, String month) {
        return pool.preparedQuery("SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, "
                + "count(*) FILTER (WHERE status = 'success'), "
                + "count(*) FILTER (WHERE status = 'success' AND is_byok), "
                + "count(*) FILTER (WHERE status = 'error'), "
                + "coalesce(sum(list_cost) FILTER (WHERE status = 'success'), 0), coalesce(sum(charge), 0) "
                + "FROM usage_records WHERE account_id = $1 AND month = $2 GROUP BY day ORDER BY day")
                .execute(Tuple.of(accountId, month))
                .map(rows -> {
                    List<Day> days = new ArrayList<>();
                    for (Row r : rows) {
                        days.add(new Day(r.getLocalDate(0), r.getLong(1), r.getLong(2), r.getLong(3),
                                Money.wire(r.getBigDecimal(4)), Money.wire(r.getBigDecimal(5))));
                    }
                    return days;
                });
    }
}
