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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    private final Map<String, Optional<ApiKeyResolution>> lastKnownKeys = new ConcurrentHashMap<>();
    private volatile long keyServiceFailedAt = System.nanoTime() - KEY_SERVICE_PAUSE_NANOS;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
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

    /** What one read publishes: accounts' states and their usage per API key, from one database snapshot. */
    public record Snapshot(List<AccountState> states, List<AccountApiKeyUsage> keyUsage) {
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
                            Optional<ApiKeyResolution> key = limitsOf(rs.getString(1));
                            if (key.isEmpty() || key.get().limit() == null) {
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
        List<AccountState> result = new ArrayList<>(states.size());
        List<AccountApiKeyUsage> usage = new ArrayList<>(states.size());
        for (AccountState s : states.values()) {
            result.add(new AccountState(s.schemaVersion(), s.accountId(), s.balance(), s.month(), s.byokRequestsThisMonth(),
                    s.byokFeesThisMonth(), s.byokListCostThisMonth(), s.byokTerms(),
                    keySpend.getOrDefault(s.accountId(), List.of()), s.sequence(), s.updatedAt()));
            usage.add(new AccountApiKeyUsage(AccountApiKeyUsage.SCHEMA_VERSION, s.accountId(), today,
                    keyUsage.getOrDefault(s.accountId(), List.of()), s.sequence(), s.updatedAt()));
        }
        return new Snapshot(result, usage);
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

    /** The key's limit from key-service; the last answer when key-service cannot be reached now. */
    private Optional<ApiKeyResolution> limitsOf(String apiKeyId) {
        if (System.nanoTime() - keyServiceFailedAt < KEY_SERVICE_PAUSE_NANOS) {
            // key-service failed a moment ago: do not ask again for every key of every state
            return lastKnownKeys.getOrDefault(apiKeyId, Optional.empty());
        }
        try {
            Optional<ApiKeyResolution> key = keys.byId(apiKeyId).await().atMost(Duration.ofSeconds(5));
            lastKnownKeys.put(apiKeyId, key);
            return key;
        } catch (RuntimeException e) {
            keyServiceFailedAt = System.nanoTime();
            return lastKnownKeys.getOrDefault(apiKeyId, Optional.empty());
        }
    }

    @PreDestroy
    void close() throws InterruptedException {
        thread.shutdown();
        thread.awaitTermination(5, TimeUnit.SECONDS);
    }
}
