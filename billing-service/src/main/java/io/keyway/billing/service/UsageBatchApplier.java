package io.keyway.billing.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.billing.service.FeeSchedule.MonthToDate;
import io.keyway.billing.service.FeeSchedule.Outcome;
import io.keyway.billing.service.FeeSchedule.Terms;
import io.keyway.contracts.Charge;
import io.keyway.contracts.UsageEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.io.IOException;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.postgresql.PGConnection;
import org.postgresql.util.PSQLException;

/**
 * Applies one polled batch of usage records in ONE PostgreSQL transaction: the usage records (deduplicated by
 * {@code event_id}, see {@link #applyOptimistically}), the BYOK monthly counters, the balances, the API keys' daily spend and the partitions' next
 * offsets. Offsets are stored with the charges, so a crash anywhere before the commit changes nothing and a crash after
 * it is resumed from the stored offsets; the offset rows are locked first, so two consumers that briefly own the same
 * partition during a rebalance apply each record once. Runs on the consumer's own thread (blocking JDBC), never on the
 * event loop.
 */
@ApplicationScoped
public class UsageBatchApplier {

    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);
    /** usage_records' primary key (event_id): the constraint that tells an event was applied before. */
    private static final String USAGE_RECORDS_KEY = "usage_records_pkey";
    /** Rounds of {@link #applyOptimistically}: the optimistic one, one after a lookup, one for a concurrent commit. */
    private static final int APPLY_ROUNDS = 3;

    /** What a committed batch changed. */
    public record Applied(Set<String> accounts, int applied, int duplicates, int deadLettered, int skippedBehindOffset) {
    }

    /** Test seam: called inside the transaction after the writes, before the offsets are stored and committed. */
    public interface BeforeCommit {
        void run(int recordsInBatch);
    }

    private record Pending(UsageEvent event, String month, int partition, long offset) {
    }

    private final DataSource dataSource;
    private final FeeSchedule feeSchedule;
    private final BillingOutbound outbound;
    private final UsageEventReader reader;
    private final ObjectMapper mapper;
    private final MeterRegistry metrics;
    private final Counter appliedCounter;
    private final Counter duplicateCounter;
    private final io.micrometer.core.instrument.Timer batchTimer;

    public UsageBatchApplier(DataSource dataSource, FeeSchedule feeSchedule, BillingOutbound outbound, ObjectMapper mapper,
            MeterRegistry metrics) {
        this.dataSource = dataSource;
        this.feeSchedule = feeSchedule;
        this.outbound = outbound;
        this.reader = new UsageEventReader(mapper);
        this.mapper = mapper;
        this.metrics = metrics;
        this.appliedCounter = metrics.counter("keyway.billing.usage.applied");
        this.duplicateCounter = metrics.counter("keyway.billing.usage.duplicates");
        this.batchTimer = metrics.timer("keyway.billing.usage.batch");
    }

    /** The stored next offset of each partition of {@code topic} that has one. */
    public Map<Integer, Long> storedOffsets(String topic) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT kafka_partition, next_offset FROM consumer_offsets WHERE topic = ?")) {
            ps.setString(1, topic);
            Map<Integer, Long> offsets = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    offsets.put(rs.getInt(1), rs.getLong(2));
                }
            }
            return offsets;
        }
    }

    public Applied apply(String topic, List<ConsumerRecord<String, byte[]>> records, BeforeCommit beforeCommit)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long start = System.nanoTime();
                List<String> deadLetterTags = new ArrayList<>();
                Applied applied = applyOptimistically(c, topic, records, beforeCommit, deadLetterTags);
                c.commit();
                // counted once committed: a batch that is retried or split does not count its dead letters twice
                deadLetterTags.forEach(tag -> metrics.counter("keyway.billing.usage.dead_lettered", "reason", tag)
                        .increment());
                batchTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
                appliedCounter.increment(applied.applied());
                duplicateCounter.increment(applied.duplicates());
                return applied;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * The SQLState of a data error in {@code failure} — class 22 (data exception) or 23 (integrity constraint
     * violation): what one record's values can cause, so the batch is worth splitting. Null for anything else
     * (connection, serialization failure, deadlock, resources), which is retried whole after a pause.
     */
    public static String dataErrorState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException s = sql; s != null; s = s.getNextException()) {
                    String state = s.getSQLState();
                    if (state != null && (state.startsWith("22") || state.startsWith("23"))) {
                        return state;
                    }
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /** The dead-letter reason for a record PostgreSQL refused: SQLState and the server's primary message. */
    public static String databaseRefusal(Throwable failure) {
        String state = dataErrorState(failure);
        String message = null;
        for (Throwable t = failure; t != null && message == null; t = t.getCause()) {
            if (t instanceof PSQLException psql && psql.getServerErrorMessage() != null) {
                message = psql.getServerErrorMessage().getMessage();
            } else if (t instanceof SQLException sql && state != null && state.equals(sql.getSQLState())) {
                message = sql.getMessage();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        String reason = "database refused the event (SQLState " + state + ")"
                + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
        return reason.length() > 500 ? reason.substring(0, 500) : reason;
    }

    /**
     * Sends one record that PostgreSQL refuses to the dead-letter topic and stores its partition's next offset, in one
     * transaction (the dead letter is acknowledged before the commit). Nothing happens when the stored offset is
     * already past the record (another consumer dealt with it).
     *
     * @return whether the record was dead-lettered by this call
     */
    public boolean deadLetterRefused(String topic, ConsumerRecord<String, byte[]> record, String reason)
            throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Map<Integer, Long> stored = lockOffsets(c, topic, List.of(record));
                if (record.offset() < stored.getOrDefault(record.partition(), 0L)) {
                    c.rollback();
                    return false;
                }
                BillingOutbound.await(List.of(outbound.sendDeadLetter(record.key(), record.value(), reason,
                        record.topic() + "/" + record.partition() + "@" + record.offset())), ACK_TIMEOUT);
                storeOffsets(c, topic, Map.of(record.partition(), record.offset() + 1));
                c.commit();
                metrics.counter("keyway.billing.usage.dead_lettered", "reason", reasonTag(reason)).increment();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * The duplicate rule: an event whose {@code event_id} is already in {@code usage_records} changes nothing. A batch
     * is first applied as if none of its events were applied before (duplicates inside the batch are dropped in
     * memory), so the COPY into {@code usage_records} — whose primary key is {@code event_id} — is the only check:
     * no lookup per batch on the common path. When the COPY meets an event already applied (a redelivery, a replay,
     * the same event on two partitions), PostgreSQL refuses it on that key, the transaction is rolled back, and the
     * batch is applied again with one set-based lookup of its ids first ({@link #alreadyApplied}), leaving those
     * events out. A concurrent consumer that commits the same id between that lookup and the COPY causes one more
     * round; after {@link #APPLY_ROUNDS} the refusal goes to the consumer, which treats it as a data error.
     */
    private Applied applyOptimistically(Connection c, String topic, List<ConsumerRecord<String, byte[]>> records,
            BeforeCommit beforeCommit, List<String> deadLetterTags) throws SQLException {
        for (int round = 1;; round++) {
            try {
                return applyIn(c, topic, records, beforeCommit, deadLetterTags, round > 1);
            } catch (SQLException e) {
                if (round >= APPLY_ROUNDS || !refusedAsAlreadyApplied(e)) {
                    throw e;
                }
                c.rollback();
                deadLetterTags.clear();
            }
        }
    }

    /** Whether PostgreSQL refused the batch because an event in it is already in usage_records (its primary key). */
    static boolean refusedAsAlreadyApplied(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PSQLException psql && "23505".equals(psql.getSQLState())
                    && psql.getServerErrorMessage() != null
                    && USAGE_RECORDS_KEY.equals(psql.getServerErrorMessage().getConstraint())) {
                return true;
            }
        }
        return false;
    }

    private Applied applyIn(Connection c, String topic, List<ConsumerRecord<String, byte[]>> records,
            BeforeCommit beforeCommit, List<String> deadLetterTags, boolean checkApplied) throws SQLException {
        Map<Integer, Long> stored = lockOffsets(c, topic, records);
        Map<Integer, Long> nextOffsets = new TreeMap<>();
        List<Pending> pending = new ArrayList<>(records.size());
        Set<String> idsInBatch = new HashSet<>();
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        List<Runnable> deadLetterSends = new ArrayList<>();
        int behind = 0;
        int deadLettered = 0;
        int duplicates = 0;
        for (ConsumerRecord<String, byte[]> record : records) {
            if (record.offset() < stored.getOrDefault(record.partition(), 0L)) {
                behind++; // another consumer applied it already (rebalance overlap)
                continue;
            }
            nextOffsets.merge(record.partition(), record.offset() + 1, Math::max);
            UsageEventReader.Read read = reader.read(record.value());
            if (!read.ok()) {
                deadLettered++;
                deadLetterTags.add(reasonTag(read.reason()));
                deadLetterSends.add(() -> acks.add(outbound.sendDeadLetter(record.key(), record.value(),
                        read.reason(), record.topic() + "/" + record.partition() + "@" + record.offset())));
                continue;
            }
            String eventId = read.event().eventId().toLowerCase();
            if (!idsInBatch.add(eventId)) {
                duplicates++;
                continue;
            }
            pending.add(new Pending(read.event(), monthOf(read.event().occurredAt()), record.partition(), record.offset()));
        }
        Set<String> known = checkApplied ? alreadyApplied(c, idsInBatch) : Set.of();
        if (!known.isEmpty()) {
            int before = pending.size();
            pending.removeIf(p -> known.contains(p.event().eventId().toLowerCase()));
            duplicates += before - pending.size();
        }

        Instant now = Instant.now();
        List<Charge> charges = new ArrayList<>();
        Set<String> touched = new TreeSet<>();
        if (!pending.isEmpty()) {
            Map<String, Terms> terms = feeSchedule.termsOf(c, pending.stream().map(p -> p.event().accountId()).toList());
            Map<String, MonthToDate> counters = lockCounters(c, pending);
            Map<String, BigDecimal[]> counterDeltas = new TreeMap<>();
            Map<String, BigDecimal> usageByAccount = new TreeMap<>();
            Map<String, BigDecimal[]> spendByKeyDay = new TreeMap<>();
            Map<String, String> accountOfKey = new HashMap<>();
            // per budget lease: the account charge, and the BYOK list cost (a key lease that includes BYOK counts it)
            Map<String, BigDecimal[]> leaseCharges = new TreeMap<>();
            BigDecimal[] charged = new BigDecimal[pending.size()];
            Long[] byokNumbers = new Long[pending.size()];
            for (int i = 0; i < pending.size(); i++) {
                Pending p = pending.get(i);
                UsageEvent e = p.event();
                // a success, or a failure cut after part of the answer reached the client (charged for that part)
                boolean success = e.billable();
                String counterKey = e.accountId() + '\u0000' + p.month();
                MonthToDate before = counters.getOrDefault(counterKey, MonthToDate.EMPTY);
                Outcome outcome = feeSchedule.apply(terms.get(e.accountId()), success, e.byok(), e.listCost(), before);
                charged[i] = outcome.charge();
                if (outcome.counted()) {
                    counters.put(counterKey, outcome.after());
                    byokNumbers[i] = outcome.after().requests();
                    counterDeltas.computeIfAbsent(counterKey,
                            k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
                    BigDecimal[] delta = counterDeltas.get(counterKey);
                    delta[0] = delta[0].add(BigDecimal.ONE);
                    delta[1] = delta[1].add(e.listCost());
                    delta[2] = delta[2].add(outcome.charge());
                }
                if (success) {
                    touched.add(e.accountId());
                    usageByAccount.merge(e.accountId(), outcome.charge(), BigDecimal::add);
                    String keyDay = e.apiKeyId() + '\u0000' + e.occurredAt().atOffset(ZoneOffset.UTC).toLocalDate();
                    accountOfKey.put(e.apiKeyId(), e.accountId());
                    BigDecimal[] spend = spendByKeyDay.computeIfAbsent(keyDay,
                            k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
                    if (e.byok()) {
                        spend[1] = spend[1].add(outcome.charge());
                        spend[2] = spend[2].add(e.listCost());
                    } else {
                        spend[0] = spend[0].add(outcome.charge());
                    }
                    for (String lease : e.budgetLeases()) {
                        BigDecimal[] held = leaseCharges.computeIfAbsent(lease,
                                k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
                        held[0] = held[0].add(outcome.charge());
                        if (e.byok()) {
                            held[1] = held[1].add(e.listCost());
                        }
                    }
                    charges.add(new Charge(Charge.SCHEMA_VERSION, e.eventId().toLowerCase(), e.accountId(), e.apiKeyId(),
                            e.occurredAt(), p.month(), e.model(), e.provider(), e.byok(), Money.wire(e.listCost()),
                            Money.wire(outcome.charge()), outcome.counted() ? outcome.after().requests() : null, now));
                }
            }
            insertUsage(c, pending, charged, byokNumbers, now);
            insertGenerations(c, pending, charged);
            upsertCounters(c, counterDeltas);
            upsertAccounts(c, usageByAccount, now);
            upsertKeySpend(c, spendByKeyDay, accountOfKey);
            chargeLeases(c, leaseCharges);
        }
        // sent once the usage records are in: a round refused for an already-applied event sends none
        deadLetterSends.forEach(Runnable::run);
        if (beforeCommit != null) {
            beforeCommit.run(records.size());
        }
        storeOffsets(c, topic, nextOffsets);
        acks.addAll(outbound.sendCharges(charges));
        BillingOutbound.await(acks, ACK_TIMEOUT);
        return new Applied(touched, pending.size(), duplicates, deadLettered, behind);
    }

    private static String reasonTag(String reason) {
        int space = reason.indexOf(' ');
        // bounded tag values: the first word or field name of the reason
        return space > 0 ? reason.substring(0, space) : reason;
    }

    static String monthOf(Instant occurredAt) {
        return YearMonth.from(occurredAt.atOffset(ZoneOffset.UTC)).toString();
    }

    private Map<Integer, Long> lockOffsets(Connection c, String topic, List<ConsumerRecord<String, byte[]>> records)
            throws SQLException {
        Integer[] partitions = records.stream().map(ConsumerRecord::partition).distinct().sorted().toArray(Integer[]::new);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO consumer_offsets (topic, kafka_partition, next_offset) "
                + "SELECT ?, p, 0 FROM unnest(?::int[]) AS p ON CONFLICT DO NOTHING")) {
            ps.setString(1, topic);
            ps.setArray(2, c.createArrayOf("int4", partitions));
            ps.executeUpdate();
        }
        Map<Integer, Long> stored = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT kafka_partition, next_offset FROM consumer_offsets "
                + "WHERE topic = ? AND kafka_partition = ANY(?::int[]) ORDER BY kafka_partition FOR UPDATE")) {
            ps.setString(1, topic);
            ps.setArray(2, c.createArrayOf("int4", partitions));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return stored;
    }

    private Set<String> alreadyApplied(Connection c, Set<String> ids) throws SQLException {
        Set<String> known = new HashSet<>();
        if (ids.isEmpty()) {
            return known;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT event_id::text FROM usage_records WHERE event_id = ANY(?::uuid[])")) {
            ps.setArray(1, c.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    known.add(rs.getString(1));
                }
            }
        }
        return known;
    }

    private Map<String, MonthToDate> lockCounters(Connection c, List<Pending> pending) throws SQLException {
        TreeSet<String> keys = new TreeSet<>();
        for (Pending p : pending) {
            if (p.event().byok() && p.event().billable()) {
                keys.add(p.event().accountId() + '\u0000' + p.month());
            }
        }
        Map<String, MonthToDate> counters = new HashMap<>();
        if (keys.isEmpty()) {
            return counters;
        }
        String[] accounts = new String[keys.size()];
        String[] months = new String[keys.size()];
        int i = 0;
        for (String key : keys) {
            int sep = key.indexOf('\u0000');
            accounts[i] = key.substring(0, sep);
            months[i++] = key.substring(sep + 1);
        }
        // The month's counter row exists before it is locked: a row another consumer has inserted but not committed
        // makes this insert wait for that commit, and the lock below then reads its count. Without this, two
        // consumers applying one account's first BYOK requests of a month at once (an account's events on two
        // partitions after the usage topic gained partitions) would each count from zero and both give free requests.
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO byok_monthly_usage (account_id, month, requests, "
                + "list_cost, fees) SELECT account_id, month, 0, 0, 0 FROM unnest(?::text[], ?::text[]) AS k(account_id, "
                + "month) ORDER BY account_id, month ON CONFLICT (account_id, month) DO NOTHING")) {
            ps.setArray(1, c.createArrayOf("text", accounts));
            ps.setArray(2, c.createArrayOf("text", months));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT u.account_id, u.month, u.requests, u.list_cost "
                + "FROM byok_monthly_usage u JOIN unnest(?::text[], ?::text[]) AS k(account_id, month) "
                + "ON u.account_id = k.account_id AND u.month = k.month ORDER BY u.account_id, u.month FOR UPDATE OF u")) {
            ps.setArray(1, c.createArrayOf("text", accounts));
            ps.setArray(2, c.createArrayOf("text", months));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counters.put(rs.getString(1) + '\u0000' + rs.getString(2),
                            new MonthToDate(rs.getLong(3), rs.getBigDecimal(4)));
                }
            }
        }
        return counters;
    }

    /**
     * COPY is several times faster than INSERT for a batch. An event applied before makes PostgreSQL refuse the COPY on
     * the primary key, which {@link #applyOptimistically} takes as the signal to look the batch's ids up.
     */
    private void insertUsage(Connection c, List<Pending> pending, BigDecimal[] charged, Long[] byokNumbers, Instant now)
            throws SQLException {
        StringBuilder rows = new StringBuilder(pending.size() * 220);
        String appliedAt = now.toString();
        for (int i = 0; i < pending.size(); i++) {
            Pending p = pending.get(i);
            UsageEvent e = p.event();
            field(rows, e.eventId()).append('\t');
            field(rows, e.accountId()).append('\t');
            field(rows, e.apiKeyId()).append('\t');
            rows.append(e.occurredAt()).append('\t').append(p.month()).append('\t');
            field(rows, e.model()).append('\t');
            field(rows, e.provider()).append('\t');
            rows.append(e.byok() ? 't' : 'f').append('\t');
            field(rows, e.byokKeyId()).append('\t');
            rows.append(e.status() == UsageEvent.Status.SUCCESS ? "success" : "error").append('\t');
            rows.append(e.promptTokens()).append('\t').append(e.completionTokens()).append('\t');
            rows.append(e.listCost().toPlainString()).append('\t').append(charged[i].toPlainString()).append('\t');
            rows.append(byokNumbers[i] == null ? "\\N" : byokNumbers[i].toString()).append('\t');
            rows.append(appliedAt).append('\t').append(p.partition()).append('\t').append(p.offset()).append('\n');
        }
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY usage_records (event_id, account_id, api_key_id, "
                    + "occurred_at, month, model, provider, is_byok, byok_key_id, status, prompt_tokens, "
                    + "completion_tokens, list_cost, charge, byok_request_number, applied_at, kafka_partition, "
                    + "kafka_offset) FROM STDIN", new StringReader(rows.toString()));
        } catch (IOException e) {
            throw new SQLException("COPY into usage_records failed", e);
        }
    }

    /**
     * Keeps what {@code /generation} shows of each applied event (table generations, V7), by COPY in the batch's
     * transaction: a request is listed exactly when it is charged. Its generation detail goes in whole, as json (V8).
     */
    private void insertGenerations(Connection c, List<Pending> pending, BigDecimal[] charged) throws SQLException {
        StringBuilder rows = new StringBuilder(pending.size() * 480);
        for (int i = 0; i < pending.size(); i++) {
            UsageEvent e = pending.get(i).event();
            UsageEvent.GenerationDetail d = e.generation();
            field(rows, e.eventId()).append('\t');
            field(rows, e.accountId()).append('\t');
            field(rows, e.apiKeyId()).append('\t');
            rows.append(e.occurredAt()).append('\t');
            field(rows, e.model()).append('\t');
            field(rows, e.provider()).append('\t');
            field(rows, d == null ? null : d.providerName()).append('\t');
            rows.append(e.byok() ? 't' : 'f').append('\t');
            rows.append(e.status() == UsageEvent.Status.SUCCESS ? "success" : "error").append('\t');
            rows.append(e.httpStatus()).append('\t');
            rows.append(e.billable() ? 't' : 'f').append('\t');
            rows.append(e.promptTokens()).append('\t').append(e.completionTokens()).append('\t');
            rows.append(d == null || d.reasoningTokens() == null ? "\\N" : d.reasoningTokens().toString()).append('\t');
            rows.append(e.listCost().toPlainString()).append('\t').append(charged[i].toPlainString()).append('\t');
            rows.append(e.latencyMs()).append('\t').append(e.streamed() ? 't' : 'f').append('\t');
            try {
                field(rows, d == null ? null : mapper.writeValueAsString(d)).append('\n');
            } catch (IOException ex) {
                throw new SQLException("generation detail of " + e.eventId() + " could not be written", ex);
            }
        }
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY generations (event_id, account_id, api_key_id, "
                    + "occurred_at, model, provider, provider_name, is_byok, status, http_status, metered, "
                    + "prompt_tokens, completion_tokens, reasoning_tokens, list_cost, charge, latency_ms, streamed, "
                    + "detail) FROM STDIN", new StringReader(rows.toString()));
        } catch (IOException e) {
            throw new SQLException("COPY into generations failed", e);
        }
    }

    /** A value in COPY's text format: NULL as \\N; backslash, tab, newline and carriage return escaped. */
    private static StringBuilder field(StringBuilder out, String value) {
        if (value == null) {
            return out.append("\\N");
        }
        if (!needsEscape(value)) {
            return out.append(value); // the usual case, copied in one go (a char-by-char append was a tenth of the CPU)
        }
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(ch);
            }
        }
        return out;
    }

    private static boolean needsEscape(String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r') {
                return true;
            }
        }
        return false;
    }

    private void upsertCounters(Connection c, Map<String, BigDecimal[]> deltas) throws SQLException {
        if (deltas.isEmpty()) {
            return;
        }
        int n = deltas.size();
        String[] accounts = new String[n];
        String[] months = new String[n];
        Long[] requests = new Long[n];
        String[] listCosts = new String[n];
        String[] fees = new String[n];
        int i = 0;
        for (Map.Entry<String, BigDecimal[]> entry : deltas.entrySet()) {
            int sep = entry.getKey().indexOf('\u0000');
            accounts[i] = entry.getKey().substring(0, sep);
            months[i] = entry.getKey().substring(sep + 1);
            requests[i] = entry.getValue()[0].longValueExact();
            listCosts[i] = entry.getValue()[1].toPlainString();
            fees[i++] = entry.getValue()[2].toPlainString();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO byok_monthly_usage (account_id, month, requests, "
                + "list_cost, fees) SELECT * FROM unnest(?::text[], ?::text[], ?::int8[], ?::numeric[], ?::numeric[]) "
                + "ON CONFLICT (account_id, month) DO UPDATE SET requests = byok_monthly_usage.requests + EXCLUDED.requests, "
                + "list_cost = byok_monthly_usage.list_cost + EXCLUDED.list_cost, "
                + "fees = byok_monthly_usage.fees + EXCLUDED.fees")) {
            ps.setArray(1, c.createArrayOf("text", accounts));
            ps.setArray(2, c.createArrayOf("text", months));
            ps.setArray(3, c.createArrayOf("int8", requests));
            ps.setArray(4, c.createArrayOf("text", listCosts));
            ps.setArray(5, c.createArrayOf("text", fees));
            ps.executeUpdate();
        }
    }

    private void upsertAccounts(Connection c, Map<String, BigDecimal> usage, Instant now) throws SQLException {
        if (usage.isEmpty()) {
            return;
        }
        String[] accounts = usage.keySet().toArray(String[]::new);
        String[] amounts = usage.values().stream().map(BigDecimal::toPlainString).toArray(String[]::new);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO accounts (account_id, total_usage, sequence, "
                + "updated_at) SELECT a, u, 1, ?::timestamptz FROM unnest(?::text[], ?::numeric[]) AS t(a, u) ORDER BY a "
                + "ON CONFLICT (account_id) DO UPDATE SET total_usage = accounts.total_usage + EXCLUDED.total_usage, "
                + "sequence = accounts.sequence + 1, updated_at = EXCLUDED.updated_at")) {
            ps.setString(1, now.toString());
            ps.setArray(2, c.createArrayOf("text", accounts));
            ps.setArray(3, c.createArrayOf("text", amounts));
            ps.executeUpdate();
        }
    }

    private void upsertKeySpend(Connection c, Map<String, BigDecimal[]> spend, Map<String, String> accountOfKey)
            throws SQLException {
        if (spend.isEmpty()) {
            return;
        }
        int n = spend.size();
        String[] keys = new String[n];
        String[] days = new String[n];
        String[] accounts = new String[n];
        String[] amounts = new String[n];
        String[] byokFees = new String[n];
        String[] byokListCosts = new String[n];
        int i = 0;
        for (Map.Entry<String, BigDecimal[]> entry : spend.entrySet()) {
            int sep = entry.getKey().indexOf('\u0000');
            keys[i] = entry.getKey().substring(0, sep);
            days[i] = entry.getKey().substring(sep + 1);
            accounts[i] = accountOfKey.get(keys[i]);
            amounts[i] = entry.getValue()[0].toPlainString();
            byokFees[i] = entry.getValue()[1].toPlainString();
            byokListCosts[i++] = entry.getValue()[2].toPlainString();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_key_daily_spend (api_key_id, day, account_id, "
                + "spend, byok_fees, byok_list_cost) SELECT * FROM unnest(?::text[], ?::date[], ?::text[], ?::numeric[], "
                + "?::numeric[], ?::numeric[]) "
                + "ON CONFLICT (api_key_id, day) DO UPDATE SET spend = api_key_daily_spend.spend + EXCLUDED.spend, "
                + "byok_fees = api_key_daily_spend.byok_fees + EXCLUDED.byok_fees, "
                + "byok_list_cost = api_key_daily_spend.byok_list_cost + EXCLUDED.byok_list_cost")) {
            ps.setArray(1, c.createArrayOf("text", keys));
            ps.setArray(2, c.createArrayOf("text", days));
            ps.setArray(3, c.createArrayOf("text", accounts));
            ps.setArray(4, c.createArrayOf("text", amounts));
            ps.setArray(5, c.createArrayOf("text", byokFees));
            ps.setArray(6, c.createArrayOf("text", byokListCosts));
            ps.executeUpdate();
        }
    }

    /**
     * Counts the batch's charges against the budget leases they were reserved against, in the charges' transaction
     * ({@link BudgetLeases}): what billing has taken from the balance is no longer held by the lease. A lease that is
     * gone (lapsed and deleted) is skipped. Rows are locked in id order first, so two consumers cannot deadlock.
     */
    private void chargeLeases(Connection c, Map<String, BigDecimal[]> charges) throws SQLException {
        if (charges.isEmpty()) {
            return;
        }
        String[] ids = charges.keySet().toArray(String[]::new);
        String[] amounts = charges.values().stream().map(v -> v[0].toPlainString()).toArray(String[]::new);
        String[] byokListCosts = charges.values().stream().map(v -> v[1].toPlainString()).toArray(String[]::new);
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT lease_id FROM budget_leases WHERE lease_id = ANY(?::uuid[]) ORDER BY lease_id FOR UPDATE")) {
            ps.setArray(1, c.createArrayOf("text", ids));
            ps.executeQuery().close();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE budget_leases b SET charged = b.charged + t.charge "
                + "+ CASE WHEN b.scope = 'api_key' AND b.include_byok THEN t.byok_list_cost ELSE 0 END "
                + "FROM unnest(?::uuid[], ?::numeric[], ?::numeric[]) AS t(id, charge, byok_list_cost) "
                + "WHERE b.lease_id = t.id")) {
            ps.setArray(1, c.createArrayOf("text", ids));
            ps.setArray(2, c.createArrayOf("text", amounts));
            ps.setArray(3, c.createArrayOf("text", byokListCosts));
            ps.executeUpdate();
        }
    }

    private void storeOffsets(Connection c, String topic, Map<Integer, Long> next) throws SQLException {
        if (next.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE consumer_offsets SET next_offset = t.o, updated_at = now() "
                + "FROM unnest(?::int4[], ?::int8[]) AS t(p, o) WHERE topic = ? AND kafka_partition = t.p")) {
            ps.setArray(1, c.createArrayOf("int4", next.keySet().toArray(Integer[]::new)));
            ps.setArray(2, c.createArrayOf("int8", next.values().toArray(Long[]::new)));
            ps.setString(3, topic);
            ps.executeUpdate();
        }
    }
}
