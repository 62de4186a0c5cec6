package io.keyway.billing.service;

import io.keyway.billing.client.KeyDirectory;
import io.keyway.billing.config.BillingConfig.AllowanceKind;
import io.keyway.contracts.AccountApiKeyUsage;
import io.keyway.contracts.AccountState;
import io.keyway.contracts.ApiKeyResolution;
import io.keyway.contracts.ApiKeyUsage;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.jboss.logging.Logger;

/**
 * Publishes account states on the compacted account-state topic after changes. Every change (a committed usage
 * batch, a top-up, an adjustment) marks its accounts; one thread reads each marked account's committed state and sends
 * it, so states of one account leave in the order they were read and their {@code sequence} never goes backwards on
 * the topic. Marks made while a publish runs coalesce into the next one: the published state always includes every
 * committed change. A crash between a commit and its publish is healed by the republish at start.
 * <p>
 * With each state goes the account's usage per API key ({@link AccountApiKeyUsage}, on its own compacted topic for
 * key-service's {@code /api/v1/keys}), read in the same snapshot and carrying the same sequence. It is sent after the
 * state and never holds it up: a usage message that failed is sent again with the next round, one too large for the
 * broker is logged and skipped (key-service keeps showing the account's previous figures).
 * <p>
 * A key's spend limit comes from key-service. Each answer is kept in {@code api_key_limits}, so that when key-service
 * cannot be reached — at billing's start too — the last known limit is used. A key whose limit billing has never
 * known is published with no limit and its whole spend since it was created, BYOK list cost included (the most it can
 * count against any limit): the gateway, which takes the limit from the key itself, then refuses it rather than read
 * its spend as 0 (issue 16); the account is published again, exactly, once key-service answers.
 */
@ApplicationScoped
public class AccountStatePublisher {

    private static final Logger LOG = Logger.getLogger(AccountStatePublisher.class);
    private static final int MAX_ACCOUNTS_PER_ROUND = 1000;
    private static final long KEY_SERVICE_PAUSE_NANOS = Duration.ofSeconds(5).toNanos();
    /** Marks arriving within this pause are published together (a busy consumer marks the same accounts often). */
    private static final long COALESCE_MILLIS = 50;

    private final DataSource dataSource;
    private final BillingOutbound outbound;
    private final KeyDirectory keys;
    private final FeeSchedule fees;
    private final Set<String> marked = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** The limits written to {@code api_key_limits} by this process: a limit is written again only when it changes. */
    private final Map<String, Optional<KeyLimit>> written = new ConcurrentHashMap<>();
    private volatile long keyServiceFailedAt = System.nanoTime() - KEY_SERVICE_PAUSE_NANOS;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "account-state-publisher");
        t.setDaemon(true);
        return t;
    });

    public AccountStatePublisher(DataSource dataSource, BillingOutbound outbound, KeyDirectory keys,
                                 FeeSchedule fees) {
        this.dataSource = dataSource;
        this.outbound = outbound;
        this.keys = keys;
        this.fees = fees;
    }

    /** Marks accounts whose committed state changed; their new state is published shortly. */
    public void changed(Collection<String> accounts) {
        if (accounts.isEmpty()) {
            return;
        }
        marked.addAll(accounts);
        if (scheduled.compareAndSet(false, true)) {
            thread.execute(this::drain);
        }
    }

    /** Marks every account (used at start). */
    public void republishAll() {
        thread.execute(() -> {
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT account_id FROM accounts")) {
                List<String> all = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        all.add(rs.getString(1));
                    }
                }
                changed(all);
            } catch (SQLException e) {
                LOG.warnf("cannot list accounts to republish their state: %s", e.toString());
            }
        });
    }

    private void drain() {
        try {
            Thread.sleep(COALESCE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        scheduled.set(false);
        while (!marked.isEmpty()) {
            List<String> round = new ArrayList<>();
            Iterator<String> it = marked.iterator();
            while (it.hasNext() && round.size() < MAX_ACCOUNTS_PER_ROUND) {
                round.add(it.next());
                it.remove();
            }
            try {
                Snapshot snapshot = snapshot(round, Instant.now());
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (AccountState state : snapshot.states()) {
                    sends.add(outbound.sendState(state));
                }
                BillingOutbound.await(sends, Duration.ofSeconds(30));
                if (!snapshot.unsure().isEmpty()) {
                    LOG.warnf("key-service cannot be reached and %d accounts have API keys whose spend limit billing has"
                            + " never known: their whole spend is published until key-service answers",
                            snapshot.unsure().size());
                    List<String> unsure = List.copyOf(snapshot.unsure());
                    thread.schedule(() -> changed(unsure), KEY_SERVICE_PAUSE_NANOS, TimeUnit.NANOSECONDS);
                }
                List<String> again = publishKeyUsage(snapshot.keyUsage());
                if (!again.isEmpty()) {
                    throw new IllegalStateException(again.size() + " per-API-key usage messages were not acknowledged");
                }
            } catch (Exception e) {
                LOG.warnf("publishing %d account states failed, will retry: %s", round.size(), e.toString());
                marked.addAll(round);
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * What one read publishes: accounts' states and their usage per API key, from one database snapshot; and the
     * accounts with a key whose limit is unknown (key-service unreachable, no answer ever kept), to publish again.
     */
    public record Snapshot(List<AccountState> states, List<AccountApiKeyUsage> keyUsage, Set<String> unsure) {
    }

    /** A key's spend limit as key-service said it; a key without one (or no longer known) has none. */
    record KeyLimit(BigDecimal limit, String limitReset, boolean includeByokInLimit) {

        static Optional<KeyLimit> of(Optional<ApiKeyResolution> key) {
            return key.filter(k -> k.limit() != null)
                    .map(k -> new KeyLimit(k.limit(), k.limitReset(), k.includeByokInLimit()));
        }
    }

    /** No limit known for a key, from key-service or kept. */
    private static final class LimitUnknown extends Exception {
        LimitUnknown() {
            super(null, null, false, false);
        }
    }

    /** The committed state of each account that has one, as of {@code now}. */
    public List<AccountState> read(Collection<String> accounts, Instant now) throws SQLException {
        return snapshot(accounts, now).states();
    }

    /** The committed state and per-API-key usage of each account that has one, as of {@code now}. */
    public Snapshot snapshot(Collection<String> accounts, Instant now) throws SQLException {
        String[] ids = accounts.toArray(String[]::new);
        LocalDate today = now.atOffset(ZoneOffset.UTC).toLocalDate();
        String month = YearMonth.from(today).toString();
        Map<String, AccountState> states = new HashMap<>();
        Map<String, List<AccountState.ApiKeySpend>> keySpend = new HashMap<>();
        Map<String, List<ApiKeyUsage>> keyUsage = new HashMap<>();
        Set<String> unsure = new HashSet<>();
        Map<String, Optional<KeyLimit>> learned = new HashMap<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ); // one snapshot for both queries
            try {
                try (PreparedStatement ps = c.prepareStatement("SELECT a.account_id, a.total_credits - a.total_usage, "
                        + "a.sequence, a.updated_at, coalesce(m.requests, 0), coalesce(m.fees, 0), "
                        + "coalesce(m.list_cost, 0) FROM accounts a "
                        + "LEFT JOIN byok_monthly_usage m ON m.account_id = a.account_id AND m.month = ? "
                        + "WHERE a.account_id = ANY(?::text[])")) {
                    ps.setString(1, month);
                    ps.setArray(2, c.createArrayOf("text", ids));
                    Map<String, FeeSchedule.Terms> terms = fees.termsOf(c, accounts);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            states.put(rs.getString(1), new AccountState(AccountState.SCHEMA_VERSION, rs.getString(1),
                                    Money.wire(rs.getBigDecimal(2)), month, rs.getLong(5), Money.wire(rs.getBigDecimal(6)),
                                    Money.wire(rs.getBigDecimal(7)), wire(terms.get(rs.getString(1))),
                                    List.of(), rs.getLong(3), rs.getTimestamp(4).toInstant()));
                        }
                    }
                }
                LocalDate weekStart = today.with(DayOfWeek.MONDAY);
                LocalDate monthStart = today.withDayOfMonth(1);
                // per period: Keyway's charges (pooled list cost + BYOK fees), and the BYOK list cost (OpenRouter's
                // byok_usage), which counts only for keys with include_byok_in_limit
                StringBuilder sql = new StringBuilder("SELECT api_key_id, account_id");
                for (int i = 0; i < 3; i++) {
                    sql.append(", coalesce(sum(spend + byok_fees) FILTER (WHERE day >= ?::date), 0)")
                            .append(", coalesce(sum(byok_list_cost) FILTER (WHERE day >= ?::date), 0)");
                }
                sql.append(", sum(spend + byok_fees), sum(byok_list_cost) FROM api_key_daily_spend ")
                        .append("WHERE account_id = ANY(?::text[]) GROUP BY api_key_id, account_id ORDER BY api_key_id");
                try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                    int col = 1;
                    for (LocalDate start : List.of(today, weekStart, monthStart)) {
                        ps.setString(col++, start.toString());
                        ps.setString(col++, start.toString());
                    }
                    ps.setArray(col, c.createArrayOf("text", ids));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            // every key with spend, limit or not: OpenRouter's usage* and byok_usage* of the key
                            keyUsage.computeIfAbsent(rs.getString(2), a -> new ArrayList<>()).add(new ApiKeyUsage(
                                    rs.getString(1), Money.wire(rs.getBigDecimal(9)), Money.wire(rs.getBigDecimal(3)),
                                    Money.wire(rs.getBigDecimal(5)), Money.wire(rs.getBigDecimal(7)),
                                    Money.wire(rs.getBigDecimal(10)), Money.wire(rs.getBigDecimal(4)),
                                    Money.wire(rs.getBigDecimal(6)), Money.wire(rs.getBigDecimal(8))));
                            Optional<KeyLimit> key;
                            try {
                                key = limitOf(c, rs.getString(1), learned);
                            } catch (LimitUnknown e) {
                                unsure.add(rs.getString(2));
                                keySpend.computeIfAbsent(rs.getString(2), a -> new ArrayList<>()).add(
                                        new AccountState.ApiKeySpend(rs.getString(1), null, null, null,
                                                Money.wire(rs.getBigDecimal(9).add(rs.getBigDecimal(10)))));
                                continue;
                            }
                            if (key.isEmpty()) {
                                continue;
                            }
                            String reset = key.get().limitReset();
                            int base = switch (reset == null ? "" : reset) {
                                case "daily" -> 3;
                                case "weekly" -> 5;
                                case "monthly" -> 7;
                                default -> 9;
                            };
                            BigDecimal spend = rs.getBigDecimal(base);
                            if (key.get().includeByokInLimit()) {
                                spend = spend.add(rs.getBigDecimal(base + 1));
                            }
                            LocalDate start = switch (base) {
                                case 3 -> today;
                                case 5 -> weekStart;
                                case 7 -> monthStart;
                                default -> null;
                            };
                            keySpend.computeIfAbsent(rs.getString(2), a -> new ArrayList<>()).add(
                                    new AccountState.ApiKeySpend(rs.getString(1), Money.wire(key.get().limit()),
                                            base == 9 ? null : reset,
                                            start == null ? null : start.atStartOfDay().toInstant(ZoneOffset.UTC),
                                            Money.wire(spend)));
                        }
                    }
                }
            } finally {
                c.rollback();
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                c.setAutoCommit(true);
            }
        }
        keep(learned);
        List<AccountState> result = new ArrayList<>(states.size());
        List<AccountApiKeyUsage> usage = new ArrayList<>(states.size());
        for (AccountState s : states.values()) {
            result.add(new AccountState(s.schemaVersion(), s.accountId(), s.balance(), s.month(), s.byokRequestsThisMonth(),
                    s.byokFeesThisMonth(), s.byokListCostThisMonth(), s.byokTerms(),
                    keySpend.getOrDefault(s.accountId(), List.of()), s.sequence(), s.updatedAt()));
            usage.add(new AccountApiKeyUsage(AccountApiKeyUsage.SCHEMA_VERSION, s.accountId(), today,
                    keyUsage.getOrDefault(s.accountId(), List.of()), s.sequence(), s.updatedAt()));
        }
        return new Snapshot(result, usage, unsure);
    }

    /** Sends the usage messages; the accounts whose message should be sent again (too large ones are not). */
    private List<String> publishKeyUsage(List<AccountApiKeyUsage> usage) {
        List<Future<RecordMetadata>> sends = new ArrayList<>(usage.size());
        for (AccountApiKeyUsage u : usage) {
            sends.add(outbound.sendKeyUsage(u));
        }
        List<String> again = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (int i = 0; i < sends.size(); i++) {
            AccountApiKeyUsage u = usage.get(i);
            try {
                sends.get(i).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RecordTooLargeException) {
                    LOG.warnf("usage of the %d API keys of account %s is too large for one message; not published",
                            u.apiKeys().size(), u.accountId());
                } else {
                    again.add(u.accountId());
                }
            } catch (TimeoutException e) {
                again.add(u.accountId());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                again.add(u.accountId());
            }
        }
        return again;
    }

    private static AccountState.ByokTerms wire(FeeSchedule.Terms terms) {
        return new AccountState.ByokTerms(
                terms.allowance() == AllowanceKind.LIST_COST ? AccountState.ByokTerms.LIST_COST
                        : AccountState.ByokTerms.REQUESTS,
                terms.freeRequests(), Money.wire(terms.freeListCost()), Money.wire(terms.rate()));
    }

    /**
     * The key's limit from key-service, noted in {@code learned}; when key-service cannot be reached, the limit kept in
     * {@code api_key_limits} (read in the caller's snapshot), else {@link LimitUnknown}.
     */
    private Optional<KeyLimit> limitOf(Connection c, String apiKeyId, Map<String, Optional<KeyLimit>> learned)
            throws SQLException, LimitUnknown {
        if (System.nanoTime() - keyServiceFailedAt >= KEY_SERVICE_PAUSE_NANOS) {
            // (key-service failed a moment ago: do not ask again for every key of every state)
            try {
                Optional<KeyLimit> limit = KeyLimit.of(keys.byId(apiKeyId).await().atMost(Duration.ofSeconds(5)));
                learned.put(apiKeyId, limit);
                return limit;
            } catch (RuntimeException e) {
                keyServiceFailedAt = System.nanoTime();
            }
        }
        Optional<KeyLimit> written = this.written.get(apiKeyId);
        if (written != null) {
            return written;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT spend_limit, limit_reset, include_byok_in_limit FROM api_key_limits WHERE api_key_id = ?")) {
            ps.setString(1, apiKeyId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new LimitUnknown();
                }
                BigDecimal limit = rs.getBigDecimal(1);
                return limit == null ? Optional.empty()
                        : Optional.of(new KeyLimit(limit, rs.getString(2), rs.getBoolean(3)));
            }
        }
    }

    /** Keeps the limits key-service just gave that differ from what this process last wrote. */
    private void keep(Map<String, Optional<KeyLimit>> learned) {
        Map<String, Optional<KeyLimit>> changed = new HashMap<>();
        learned.forEach((id, limit) -> {
            if (!limit.equals(written.get(id))) {
                changed.put(id, limit);
            }
        });
        if (changed.isEmpty()) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO api_key_limits (api_key_id, spend_limit, "
                        + "limit_reset, include_byok_in_limit, learned_at) VALUES (?, ?, ?, ?, now()) "
                        + "ON CONFLICT (api_key_id) DO UPDATE SET spend_limit = excluded.spend_limit, "
                        + "limit_reset = excluded.limit_reset, include_byok_in_limit = excluded.include_byok_in_limit, "
                        + "learned_at = excluded.learned_at")) {
            for (var e : changed.entrySet()) {
                ps.setString(1, e.getKey());
                ps.setBigDecimal(2, e.getValue().map(KeyLimit::limit).orElse(null));
                ps.setString(3, e.getValue().map(KeyLimit::limitReset).orElse(null));
                ps.setBoolean(4, e.getValue().map(KeyLimit::includeByokInLimit).orElse(false));
                ps.addBatch();
            }
            ps.executeBatch();
            written.putAll(changed);
        } catch (SQLException e) {
            // the states still go out with these limits; the copy is written again with the next answer
            LOG.warnf("cannot keep %d API key limits for when key-service is unreachable: %s", changed.size(), e.toString());
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        thread.shutdown();
        thread.awaitTermination(5, TimeUnit.SECONDS);
    }
}
