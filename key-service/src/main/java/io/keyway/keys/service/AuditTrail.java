package io.keyway.keys.service;

import io.keyway.keys.mapping.AuditEntryJson;
import io.keyway.keys.model.AuditEntry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Reads the audit log for {@code GET /api/v1/audit} (the caller's account) and {@code GET /admin/v1/audit} (every
 * account, or one): newest first, paged by the entry id (keyset), so a page never repeats or skips an entry while
 * others are written. {@link AuditLog} writes the entries, inside the transaction of the change they record.
 */
@ApplicationScoped
public class AuditTrail {

    public static final String CREATE = "create";
    public static final String UPDATE = "update";
    public static final String ROTATE = "rotate";
    public static final String DELETE = "delete";
    /** A secret read by another service; written once per routing view built, never once per completion request. */
    public static final String SECRET_READ = "secret_read";
    /** Every action an entry may have, the values of the {@code action} filter. */
    public static final Set<String> ACTIONS = Set.of(CREATE, UPDATE, ROTATE, DELETE, SECRET_READ);
    /** Why a secret was read: the gateway built a routing view (the only reader today). */
    public static final String PURPOSE_ROUTING_VIEW = "routing-view";

    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    /**
     * What to read: {@code account} (empty = every account, admin only), entries older than {@code before} (the
     * cursor: an entry id), written at or after {@code from} and before {@code to}, with {@code action}.
     */
    public record Query(Optional<UUID> account, Optional<Long> before, Optional<Instant> from, Optional<Instant> to,
            Optional<String> action, int limit) {

        /** From the query parameters as sent; a bad one is a 400 naming it. */
        public static Query parse(String limit, String cursor, String from, String to, String action) {
            Optional<Instant> start = AuditTrail.instant(from, "from");
            Optional<Instant> end = AuditTrail.instant(to, "to");
            if (start.isPresent() && end.isPresent() && !start.get().isBefore(end.get())) {
                throw bad("from", "query parameter 'from' must be before 'to'");
            }
            return new Query(Optional.empty(), AuditTrail.cursor(cursor), start, end, AuditTrail.action(action),
                    AuditTrail.limit(limit));
        }

        public Query forAccount(UUID accountId) {
            return new Query(Optional.of(accountId), before, from, to, action, limit);
        }
    }

    /** One page and the cursor of the next (null on the last page). */
    public record Page(List<AuditEntryJson> data, String nextCursor) {
    }

    public Uni<Page> page(Query q) {
        StringBuilder where = new StringBuilder("1 = 1");
        Parameters params = new Parameters();
        q.account().ifPresent(a -> {
            where.append(" and accountId = :account");
            params.and("account", a);
        });
        q.before().ifPresent(b -> {
            where.append(" and id < :before");
            params.and("before", b);
        });
        q.from().ifPresent(f -> {
            where.append(" and at >= :from");
            params.and("from", f);
        });
        q.to().ifPresent(t -> {
            where.append(" and at < :to");
            params.and("to", t);
        });
        q.action().ifPresent(a -> {
            where.append(" and action = :action");
            params.and("action", a);
        });
        // One row more than asked tells whether there is a next page.
        return Panache.withSession(() -> AuditEntry.<AuditEntry>find(where.toString(), Sort.descending("id"), params)
                        .range(0, q.limit()).list())
                .map(rows -> {
                    boolean more = rows.size() > q.limit();
                    List<AuditEntry> page = more ? rows.subList(0, q.limit()) : rows;
                    String next = more ? String.valueOf(page.get(page.size() - 1).id) : null;
                    return new Page(page.stream().map(AuditEntryJson::of).toList(), next);
                });
    }

    /** An {@code account_id} filter (admin): a UUID, else 400 naming it. */
    public static Optional<UUID> accountFilter(String param) {
        if (param == null || param.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(param.trim()));
        } catch (IllegalArgumentException e) {
            throw bad("account_id", "query parameter 'account_id' must be an account id (a UUID)");
        }
    }

    static int limit(String param) {
        if (param == null || param.isBlank()) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(param.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw bad("limit", "query parameter 'limit' must be an integer between 1 and " + MAX_LIMIT);
    }

    static Optional<Long> cursor(String param) {
        if (param == null || param.isBlank()) {
            return Optional.empty();
        }
        try {
            long id = Long.parseLong(param.trim());
            if (id > 0) {
                return Optional.of(id);
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw bad("cursor", "query parameter 'cursor' must be a next_cursor value of an earlier page");
    }

    /** ISO-8601 with an offset: {@code 2026-12-01T00:00:00Z} or {@code 2026-12-01T01:00:00+01:00} (send + as %2B). */
    static Optional<Instant> instant(String param, String name) {
        if (param == null || param.isBlank()) {
            return Optional.empty();
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(param.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw bad(name, "query parameter '" + name + "' must be an ISO-8601 date-time with an offset,"
                    + " e.g. 2026-12-01T00:00:00Z");
        }
        // PostgreSQL's timestamptz ends long before Instant does: a far year would be a database error, not a 400
        if (at.isBefore(EARLIEST) || at.isAfter(LATEST)) {
            throw bad(name, "query parameter '" + name + "' must be between years 0001 and 9999");
        }
        return Optional.of(at);
    }

    static Optional<String> action(String param) {
        if (param == null || param.isBlank()) {
            return Optional.empty();
        }
        if (!ACTIONS.contains(param.trim())) {
            throw bad("action", "query parameter 'action' must be one of " + ACTIONS.stream().sorted().toList());
        }
        return Optional.of(param.trim());
    }

    private static ApiException bad(String parameter, String message) {
        return new ApiException(400, message, Map.of("parameter", parameter));
    }
}
