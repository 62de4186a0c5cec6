package io.keyway.billing.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.billing.config.BillingConfig;
import io.keyway.contracts.GenerationHistory.ActivityDay;
import io.keyway.contracts.GenerationHistory.Kept;
import io.keyway.contracts.GenerationHistory.Page;
import io.keyway.contracts.UsageEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Reads the requests billing keeps (table generations, written by {@link UsageBatchApplier} with each charge): one by
 * id, an account's newest first in pages, and per-day activity. Rows past the retention that the sweep has not reached
 * yet are not shown, so what is answered never depends on when the sweep last ran.
 *
 * <p>The listing's cursor is the last row's {@code (occurred_at, event_id)} — the index's order — encoded opaquely:
 * a page after it holds exactly the rows below it, so rows inserted meanwhile (newer ones, or a late event) never move a
 * row from one page to another or show it twice.
 */
@ApplicationScoped
public class GenerationHistoryStore {

    /** Days {@code activity} covers: today (UTC, so far) and the 29 before it. */
    public static final int ACTIVITY_DAYS = 30;

    /** A listing's filters (null: any). {@code status}: success, error, or an HTTP status. */
    public record Filter(String apiKeyId, String model, String provider, String status) {
    }

    private static final String COLUMNS = "event_id::text, occurred_at, account_id, api_key_id, model, provider, "
            + "provider_name, is_byok, http_status, prompt_tokens, completion_tokens, list_cost, charge, latency_ms, "
            + "streamed, detail::text";

    private final Pool pool;
    private final ObjectMapper json;
    private final Duration retention;

    public GenerationHistoryStore(Pool pool, ObjectMapper json, BillingConfig config) {
        this.pool = pool;
        this.json = json;
        this.retention = config.generations().retention();
    }

    private OffsetDateTime keptSince() {
        return Instant.now().minus(retention).atOffset(ZoneOffset.UTC);
    }

    /** The account's request with this id, if billing still keeps it. */
    public Uni<Optional<Kept>> find(String accountId, UUID id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM generations WHERE event_id = $1 AND account_id = $2 "
                        + "AND occurred_at >= $3")
                .execute(Tuple.of(id, accountId, keptSince()))
                .map(rows -> {
                    var it = rows.iterator();
                    return it.hasNext() ? Optional.of(kept(it.next())) : Optional.empty();
                });
    }

    /** Up to {@code limit} of the account's requests below {@code cursor} (null: from the newest), newest first. */
    public Uni<Page> list(String accountId, Filter filter, int limit, String cursor) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM generations WHERE account_id = $1 "
                + "AND occurred_at >= $2");
        Tuple args = Tuple.of(accountId, keptSince());
        if (filter.apiKeyId() != null) {
            args.addValue(filter.apiKeyId());
            sql.append(" AND api_key_id = $").append(args.size());
        }
        if (filter.model() != null) {
            args.addValue(filter.model());
            sql.append(" AND model = $").append(args.size());
        }
        if (filter.provider() != null) {
            args.addValue(filter.provider());
            sql.append(" AND provider = $").append(args.size());
        }
        if (filter.status() != null) {
            if (filter.status().equals("success") || filter.status().equals("error")) {
                args.addValue(filter.status());
                sql.append(" AND status = $").append(args.size());
            } else {
                args.addValue(Integer.parseInt(filter.status())); // checked by the resource
                sql.append(" AND http_status = $").append(args.size());
            }
        }
        if (cursor != null) {
            Position after = Position.decode(cursor);
            args.addValue(after.occurredAt().atOffset(ZoneOffset.UTC));
            args.addValue(after.eventId());
            sql.append(" AND (occurred_at, event_id) < ($").append(args.size() - 1).append(", $").append(args.size())
                    .append(")");
        }
        args.addValue(limit + 1);
        sql.append(" ORDER BY occurred_at DESC, event_id DESC LIMIT $").append(args.size());
        return pool.preparedQuery(sql.toString()).execute(args).map(rows -> {
            List<Kept> page = new ArrayList<>(Math.min(limit, 64));
            Position last = null;
            boolean more = false;
            for (Row r : rows) {
                if (page.size() == limit) {
                    more = true;
                    break;
                }
                Kept k = kept(r);
                page.add(k);
                last = new Position(r.getOffsetDateTime(1).toInstant(), UUID.fromString(k.id()));
            }
            return new Page(page, more ? last.encode() : null);
        });
    }

    /**
     * The account's metered requests (successes, and answers cut after part reached the client) per UTC day × model ×
     * provider, newest day first, over the last {@link #ACTIVITY_DAYS} days (or one of them: {@code date}).
     */
    public Uni<List<ActivityDay>> activity(String accountId, LocalDate date, String apiKeyId) {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate from = date != null ? date : today.minusDays(ACTIVITY_DAYS - 1);
        LocalDate to = date != null ? date.plusDays(1) : today.plusDays(1);
        OffsetDateTime since = from.atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime kept = keptSince();
        Tuple args = Tuple.of(accountId, since.isAfter(kept) ? since : kept, to.atStartOfDay().atOffset(ZoneOffset.UTC));
        String byKey = "";
        if (apiKeyId != null) {
            args.addValue(apiKeyId);
            byKey = " AND api_key_id = $4";
        }
        return pool.preparedQuery("SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, model, coalesce(provider, ''), "
                        + "max(provider_name), count(*), sum(prompt_tokens), sum(completion_tokens), "
                        + "coalesce(sum(reasoning_tokens), 0), sum(charge), "
                        + "coalesce(sum(list_cost) FILTER (WHERE is_byok), 0) FROM generations "
                        + "WHERE account_id = $1 AND occurred_at >= $2 AND occurred_at < $3 AND metered" + byKey
                        + " GROUP BY day, model, provider ORDER BY day DESC, model, provider")
                .execute(args)
                .map(rows -> {
                    List<ActivityDay> days = new ArrayList<>();
                    for (Row r : rows) {
                        days.add(new ActivityDay(r.getLocalDate(0), r.getString(1), r.getString(2),
                                r.getString(3) != null ? r.getString(3) : r.getString(2), r.getLong(4), r.getLong(5),
                                r.getLong(6), r.getLong(7), Money.wire(r.getBigDecimal(8)),
                                Money.wire(r.getBigDecimal(9))));
                    }
                    return days;
                });
    }

    private Kept kept(Row r) {
        UsageEvent.GenerationDetail d = null;
        String detail = r.getString(15);
        if (detail != null) {
            try {
                d = json.readValue(detail, UsageEvent.GenerationDetail.class);
            } catch (IOException e) {
                throw new IllegalStateException("unreadable generation detail of " + r.getString(0), e);
            }
        }
        return new Kept(r.getString(0), r.getOffsetDateTime(1).toInstant(), r.getString(2), r.getString(3),
                r.getString(4), r.getString(5), r.getString(6), r.getBoolean(7), r.getInteger(8), r.getLong(9),
                r.getLong(10), d == null ? null : d.cachedTokens(), d == null ? null : d.reasoningTokens(),
                Money.wire(r.getBigDecimal(11)), Money.wire(r.getBigDecimal(12)), r.getLong(13),
                d == null ? null : d.firstByteMs(), r.getBoolean(14), d != null && d.cancelled(),
                d == null ? null : d.finishReason(), d == null ? null : d.nativeFinishReason(),
                d == null ? null : d.user(), d == null ? null : d.httpReferer(),
                d == null ? List.of() : d.attempts());
    }

    /** A row's place in the listing's order; encoded as the opaque cursor. */
    record Position(Instant occurredAt, UUID eventId) {

        String encode() {
            long micros = ChronoUnit.MICROS.between(Instant.EPOCH, occurredAt);
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(("g1:" + micros + ":" + eventId).getBytes(StandardCharsets.US_ASCII));
        }

        /** The position a cursor names; a 400 naming {@code cursor} when it is not one this API gave. */
        static Position decode(String cursor) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII)
                        .split(":", -1);
                if (parts.length == 3 && parts[0].equals("g1")) {
                    return new Position(Instant.EPOCH.plus(Long.parseLong(parts[1]), ChronoUnit.MICROS),
                            UUID.fromString(parts[2]));
                }
            } catch (IllegalArgumentException | ArithmeticException | java.time.DateTimeException e) {
                // answered below
            }
            throw BillingProblem.invalid("cursor", "cursor is not one this API gave (pass next_cursor as it came)");
        }
    }
}
