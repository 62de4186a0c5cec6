package io.keyway.billing;

import static io.keyway.billing.UsageEvents.byok;
import static io.keyway.billing.UsageEvents.id;
import static io.keyway.billing.UsageEvents.newAccount;
import static io.keyway.billing.UsageEvents.nonByok;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.billing.config.BillingConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fee rules of DESIGN.md §4 applied by the running service's own consumer to events on the (per-run) usage topic
 * of the real broker, checked in PostgreSQL and on the output topics. Default terms: 1,000,000 free BYOK requests, 5%.
 */
@QuarkusTest
class UsageBillingTests {

    private static final String ADMIN = "Bearer local-admin-token";

    @Inject
    BillingConfig config;

    @Inject
    DataSource dataSource;

    @Inject
    MeterRegistry metrics;

    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(dataSource);
    }

    private void send(String account, String... events) {
        List<String[]> records = new ArrayList<>();
        for (String e : events) {
            records.add(new String[] {account, e});
        }
        TestKafka.send(config.usageTopic(), records);
    }

    private void awaitApplied(String... eventIds) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (String id : eventIds) {
                if (db.charge(id) == null) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void millionthByokRequestOfTheMonthIsFreeAndTheNextOneIsChargedFivePercentOfListCost() {
        String account = newAccount();
        // the counter prepared as if 999,999 BYOK requests had been applied this month
        db.execute("INSERT INTO byok_monthly_usage (account_id, month, requests, list_cost, fees) "
                + "VALUES (?, '2026-11', 999999, 0, 0)", account);
        String last = id();
        String first = id();
        send(account, byok(last, account, "2026-11-20T10:00:00Z", "0.4"),
                byok(first, account, "2026-11-20T10:00:01Z", "0.4"));
        awaitApplied(last, first);

        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(last)), "the 1,000,000th request is free");
        assertEquals(1_000_000L, db.byokNumber(last));
        assertEquals(0, new BigDecimal("0.02").compareTo(db.charge(first)), "the 1,000,001st pays 5% of 0.4");
        assertEquals(1_000_001L, db.byokNumber(first));
        assertEquals(0, new BigDecimal("-0.02").compareTo(db.balance(account)));
    }

    /**
     * Events are keyed by account, so one account's events are on one partition, applied one batch after another.
     * When the usage topic gains partitions, an account's new events hash to another partition while its older ones
     * may still wait on the old one, and two consumers apply them at once. The month's counter is then the only
     * order: here another consumer's transaction has counted the month's first BYOK request (its row inserted, not
     * yet committed) when this event is applied; the allowance of one free request must be used once.
     */
    @Test
    void freeAllowanceIsGivenOnceWhenTwoConsumersApplyOneAccountsFirstByokRequestsOfAMonthAtOnce() throws Exception {
        String account = newAccount();
        given().header("Authorization", ADMIN).contentType("application/json")
                .body("{\"byok_free_requests\": 1, \"byok_fee_rate\": \"0.05\"}")
                .put("/admin/v1/accounts/{a}/fee-schedule", account).then().statusCode(200);
        String event = id();
        try (java.sql.Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (var ps = other.prepareStatement("INSERT INTO byok_monthly_usage (account_id, month, requests, list_cost, "
                    + "fees) VALUES (?, '2026-11', 1, 1.00, 0)")) {
                ps.setString(1, account);
                ps.executeUpdate();
            }
            send(account, byok(event, account, "2026-11-20T10:00:00Z", "1.00"));
            Thread.sleep(2_000); // the consumer reaches the counter while the other transaction holds it
            other.commit();
        }
        awaitApplied(event);
        assertEquals(2L, db.byokNumber(event), "the other consumer's request was the month's first");
        assertEquals(0, new BigDecimal("0.05").compareTo(db.charge(event)), "the one free request is used: 5% of 1.00");
    }

    @Test
    void nonByokRequestIsChargedItsListCostExactly() {
        String account = newAccount();
        String event = id();
        send(account, nonByok(event, account, "2026-11-20T10:00:00Z", "0.000123456789"));
        awaitApplied(event);
        assertEquals(new BigDecimal("0.000123456789"), db.charge(event).stripTrailingZeros());
        assertEquals(new BigDecimal("-0.000123456789"), db.balance(account).stripTrailingZeros());
        assertEquals(0, db.count("SELECT count(*) FROM byok_monthly_usage WHERE account_id = ?", account),
                "non-BYOK requests are not counted against the BYOK allowance");
    }

    @Test
    void perAccountFeeOverrideChangesTheTermsOfThatAccountOnly() {
        String negotiated = newAccount();
        String standard = newAccount();
        given().header("Authorization", ADMIN).contentType("application/json")
                .body("{\"byok_free_requests\": 0, \"byok_fee_rate\": \"0.02\"}")
                .put("/admin/v1/accounts/{a}/fee-schedule", negotiated).then().statusCode(200);
        String dealEvent = id();
        String standardEvent = id();
        send(negotiated, byok(dealEvent, negotiated, "2026-11-20T10:00:00Z", "1.50"));
        send(standard, byok(standardEvent, standard, "2026-11-20T10:00:00Z", "1.50"));
        awaitApplied(dealEvent, standardEvent);
        assertEquals(0, new BigDecimal("0.03").compareTo(db.charge(dealEvent)), "no allowance, 2% of 1.50");
        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(standardEvent)), "the configured 1,000,000 free still apply");
    }

    @Test
    void moneyIsExactTenChargesOfOneTenthSumToExactlyOneInNumericColumnsAndDecimalStrings() {
        String account = newAccount();
        List<String> events = new ArrayList<>();
        List<String[]> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String event = id();
            events.add(event);
            records.add(new String[] {account, nonByok(event, account, java.time.Instant.now().toString(), "0.1")});
        }
        TestKafka.send(config.usageTopic(), records);
        awaitApplied(events.toArray(String[]::new));
        // as doubles, ten times 0.1 is 0.9999999999999999
        assertEquals(new BigDecimal("-1.000000000000"), db.balance(account), "NUMERIC(30,12), exact");
        JsonNode state = awaitState(account, s -> "-1".equals(s.get("balance").asText()));
        assertEquals(true, state.get("balance").isTextual(), "money on the wire is a decimal string");
        assertEquals(0, db.count("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                + "AND data_type IN ('real', 'double precision', 'money')"), "no floating-point money column");
        assertEquals(0, db.count("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
                + "AND column_name IN ('amount', 'list_cost', 'charge', 'total_credits', 'total_usage', 'fees', "
                + "'spend', 'byok_fees', 'byok_free_list_cost') AND data_type <> 'numeric'"),
                "every money column is NUMERIC");
    }

    @Test
    void failedRequestIsRecordedButNeitherChargedNorCounted() {
        String account = newAccount();
        String failed = id();
        String failedPooled = id();
        String ok = id();
        send(account, UsageEvents.event(failed, account, "k1", "2026-11-20T10:00:00Z", true, "0.5", "error"),
                UsageEvents.event(failedPooled, account, "k1", "2026-11-20T10:00:00.5Z", false, "0.7", "error"),
                UsageEvents.event(ok, account, "k1", "2026-11-20T10:00:01Z", true, "0.5", "success"));
        awaitApplied(failed, failedPooled, ok);
        assertEquals("error", db.one("SELECT status FROM usage_records WHERE event_id = ?::uuid", failed),
                "the failed request is recorded");
        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(failed)));
        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(failedPooled)), "a failed non-BYOK request is not charged");
        assertNull(db.byokNumber(failed), "a failed request has no place in the BYOK count");
        assertEquals(1L, db.byokNumber(ok), "the next successful request is the month's first");
        assertEquals(1, db.count("SELECT requests FROM byok_monthly_usage WHERE account_id = ?", account));
        assertEquals(0, BigDecimal.ZERO.compareTo(db.balance(account)), "nothing charged: the BYOK one is free");
    }

    @Test
    void aFailureCutAfterPartOfTheAnswerReachedTheClientIsChargedForWhatWasDeliveredAndCounted() {
        String account = newAccount();
        String cutPooled = id();
        String cutByok = id();
        send(account, UsageEvents.cutByUpstream(cutPooled, account, "2026-11-21T10:00:00Z", false, "0.25"),
                UsageEvents.cutByUpstream(cutByok, account, "2026-11-21T10:00:01Z", true, "0.5"));
        awaitApplied(cutPooled, cutByok);
        assertEquals("error", db.one("SELECT status FROM usage_records WHERE event_id = ?::uuid", cutPooled),
                "still recorded as the failure it was");
        assertEquals(0, new BigDecimal("0.25").compareTo(db.charge(cutPooled)), "the delivered part's list cost");
        assertEquals(1L, db.byokNumber(cutByok), "a BYOK answer cut midway used the key: it is counted");
        assertEquals(0, new BigDecimal("-0.25").compareTo(db.balance(account)));
    }

    @Test
    void byokCountIsPerUtcCalendarMonthByOccurredAtAndRollsOverBetween23h59m59s999AndMidnight() {
        String account = newAccount();
        given().header("Authorization", ADMIN).contentType("application/json")
                .body("{\"byok_free_requests\": 1}")
                .put("/admin/v1/accounts/{a}/fee-schedule", account).then().statusCode(200);
        String octFree = id();
        String octLast = id();
        String novFirst = id();
        String novSecond = id();
        send(account, byok(octFree, account, "2026-10-31T23:59:59.998Z", "1.00"),
                byok(octLast, account, "2026-10-31T23:59:59.999Z", "1.00"),
                byok(novFirst, account, "2026-11-01T00:00:00.000Z", "1.00"),
                byok(novSecond, account, "2026-11-01T00:00:00.001Z", "1.00"));
        awaitApplied(octFree, octLast, novFirst, novSecond);
        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(octFree)));
        assertEquals(0, new BigDecimal("0.05").compareTo(db.charge(octLast)), "23:59:59.999 still counts in October");
        assertEquals(0, BigDecimal.ZERO.compareTo(db.charge(novFirst)), "00:00:00.000 starts November's allowance");
        assertEquals(1L, db.byokNumber(novFirst));
        assertEquals(0, new BigDecimal("0.05").compareTo(db.charge(novSecond)));
    }

    @Test
    void lateEventCountsInTheMonthItOccurredIn() {
        String account = newAccount();
        given().header("Authorization", ADMIN).contentType("application/json")
                .body("{\"byok_free_requests\": 1}")
                .put("/admin/v1/accounts/{a}/fee-schedule", account).then().statusCode(200);
        String nov = id();
        String oct = id();
        String lateOct = id();
        send(account, byok(oct, account, "2026-10-15T12:00:00Z", "2.00"),
                byok(nov, account, "2026-11-02T12:00:00Z", "2.00"));
        awaitApplied(oct, nov);
        // arrives after November's events, but happened in October: October's allowance is already used
        send(account, byok(lateOct, account, "2026-10-31T20:00:00Z", "2.00"));
        awaitApplied(lateOct);
        assertEquals(0, new BigDecimal("0.10").compareTo(db.charge(lateOct)));
        assertEquals(2L, db.byokNumber(lateOct));
        assertEquals(2, db.count("SELECT requests FROM byok_monthly_usage WHERE account_id = ? AND month = '2026-10'",
                account));
        assertEquals(1, db.count("SELECT requests FROM byok_monthly_usage WHERE account_id = ? AND month = '2026-11'",
                account));
    }

    @Test
    void duplicateEventIdFromAProducerRetryChangesNothingTheSecondTime() {
        String account = newAccount();
        String event = id();
        String json = nonByok(event, account, "2026-11-20T10:00:00Z", "1.25");
        send(account, json);
        awaitApplied(event);
        String marker = id();
        // the same event again (a producer retry), in a later batch, then a marker to know the consumer got past it
        send(account, json, nonByok(marker, account, "2026-11-20T10:00:02Z", "0.75"));
        awaitApplied(marker);
        assertEquals(1, db.count("SELECT count(*) FROM usage_records WHERE event_id = ?::uuid", event));
        assertEquals(0, new BigDecimal("-2.00").compareTo(db.balance(account)), "1.25 + 0.75, the duplicate not again");
    }

    @Test
    void badEventsGoToTheDeadLetterTopicWithTheirReasonAndTheConsumerKeepsGoing() {
        String account = newAccount();
        double before = deadLettered();
        String good = id();
        send(account, "{not json",
                "{\"schema_version\":4,\"event_id\":\"" + id() + "\"}",
                UsageEvents.nonByok(id(), account, "2026-11-20T10:00:00Z", "0.1").replace("\"prompt_tokens\":120",
                        "\"prompt_tokens\":-5"),
                UsageEvents.nonByok(id(), account, "2026-11-20T10:00:00Z", "zero point one"),
                // valid JSON, but PostgreSQL text cannot hold NUL: refused instead of failing its batch forever
                UsageEvents.nonByok(id(), account, "2026-11-20T10:00:00Z", "0.1").replace("\"model\":\"openai/gpt-4o-mini\"",
                        "\"model\":\"gpt\\u0000x\""),
                nonByok(good, account, "2026-11-20T10:00:01Z", "0.1"));
        awaitApplied(good);
        List<ConsumerRecord<String, byte[]>> dead = TestKafka.awaitRecords(config.deadLetterTopic(), account,
                r -> r.size() >= 5);
        List<String> reasons = dead.stream()
                .map(r -> new String(r.headers().lastHeader("keyway.dlq.reason").value(), StandardCharsets.UTF_8))
                .toList();
        assertEquals(List.of("malformed JSON", "unknown schema_version 4", "negative token count",
                "list_cost is not a decimal number", "model contains a NUL character"), reasons);
        assertEquals("{not json", TestKafka.value(dead.get(0)), "the original value is kept");
        assertEquals(before + 5, deadLettered(), "each dead letter is counted");
        assertEquals(0, new BigDecimal("-0.1").compareTo(db.balance(account)), "only the good event is charged");
    }

    private double deadLettered() {
        return metrics.find("keyway.billing.usage.dead_lettered").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void accountStateIsPublishedAfterEachChangeAndMatchesItsSchema() {
        String account = newAccount();
        given().header("Authorization", ADMIN).contentType("application/json").body("{\"amount\":\"10.00\"}")
                .post("/admin/v1/accounts/{a}/credits", account).then().statusCode(201);
        JsonNode afterTopUp = latestState(account, "10");

        String event = id();
        send(account, nonByok(event, account, java.time.Instant.now().toString(), "0.25"));
        JsonNode afterCharge = latestState(account, "9.75");

        given().header("Authorization", ADMIN).contentType("application/json")
                .body("{\"amount\":\"-1.5\",\"reason\":\"refund reversal\"}")
                .post("/admin/v1/accounts/{a}/adjustments", account).then().statusCode(201);
        JsonNode afterAdjustment = latestState(account, "8.25");

        String byokEvent = id();
        send(account, byok(byokEvent, account, java.time.Instant.now().toString(), "3"));
        JsonNode afterByok = awaitState(account, s -> s.get("byok_requests_this_month").asLong() == 1);
        assertEquals("8.25", afterByok.get("balance").asText(), "a free BYOK request costs nothing");
        assertEquals("0", afterByok.get("byok_fees_this_month").asText());
        assertEquals("3", afterByok.get("byok_list_cost_this_month").asText());
        assertEquals("{\"allowance\":\"requests\",\"free_requests\":1000000,\"free_list_cost\":\"25000\","
                + "\"fee_rate\":\"0.05\"}", afterByok.get("byok_terms").toString(), "the configured defaults");

        long s1 = afterTopUp.get("sequence").asLong();
        long s2 = afterCharge.get("sequence").asLong();
        long s3 = afterAdjustment.get("sequence").asLong();
        long s4 = afterByok.get("sequence").asLong();
        assertEquals(List.of(true, true, true), List.of(s1 < s2, s2 < s3, s3 < s4), "sequence grows with each change");
    }

    @Test
    void accountStateCarriesTheAccountsNegotiatedFeeTermsAndItsByokListCostSoTheGatewayReportsWhatBillingCharges() {
        String account = newAccount();
        given().header("Authorization", ADMIN).contentType("application/json").body("{\"amount\":\"10.00\"}")
                .post("/admin/v1/accounts/{a}/credits", account).then().statusCode(201);
        latestState(account, "10");
        given().header("Authorization", ADMIN).contentType("application/json")
                .body("{\"byok_allowance\": \"list-cost\", \"byok_free_list_cost\": \"2\", \"byok_fee_rate\": \"0.02\"}")
                .put("/admin/v1/accounts/{a}/fee-schedule", account).then().statusCode(200);
        awaitState(account, s -> s.path("byok_terms").path("allowance").asText().equals("list-cost")); // by itself
        String event = id();
        send(account, byok(event, account, java.time.Instant.now().toString(), "3"));
        JsonNode state = awaitState(account, s -> s.get("byok_requests_this_month").asLong() == 1);
        assertEquals("{\"allowance\":\"list-cost\",\"free_requests\":1000000,\"free_list_cost\":\"2\","
                + "\"fee_rate\":\"0.02\"}", state.get("byok_terms").toString(), "the override, defaults elsewhere");
        assertEquals("3", state.get("byok_list_cost_this_month").asText());
        assertEquals("0.02", state.get("byok_fees_this_month").asText(), "2% of the 1 of list cost beyond the 2 free");

        given().header("Authorization", ADMIN).delete("/admin/v1/accounts/{a}/fee-schedule", account).then()
                .statusCode(200);
        JsonNode cleared = awaitState(account, s -> s.path("byok_terms").path("allowance").asText().equals("requests"));
        assertEquals("0.05", cleared.get("byok_terms").get("fee_rate").asText(), "back to the defaults");
    }

    @Test
    void apiKeyUsageForTheGatewaysKeyEndpointSplitsChargesFromByokListCostPerUtcDayWeekMonthAndAllTime() {
        String account = newAccount();
        java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
        // the 15th of last month: before this month, this week and today, whatever today is
        String lastMonth = today.minusMonths(1).withDayOfMonth(15) + "T10:00:00Z";
        String old = id();
        String pooled = id();
        String byokToday = id();
        String now = java.time.Instant.now().toString();
        send(account, nonByok(old, account, lastMonth, "0.25"), nonByok(pooled, account, now, "0.5"),
                byok(byokToday, account, now, "3"));
        awaitApplied(old, pooled, byokToday);
        String path = "/internal/v1/api-keys/{k}/usage";
        given().get(path, "key-" + account).then().statusCode(401).body("error.message",
                org.hamcrest.Matchers.containsString("internal token"));
        String gateway = "Bearer " + config.internalTokens().gateway().orElseThrow();
        var data = given().header("Authorization", gateway).get(path, "key-" + account)
                .then().statusCode(200).extract().jsonPath();
        assertEquals("0.75", data.getString("data.usage"), "all time: Keyway's charges, the BYOK request was free");
        for (String period : List.of("daily", "weekly", "monthly")) {
            assertEquals("0.5", data.getString("data.usage_" + period), period);
            assertEquals("3", data.getString("data.byok_usage_" + period), period);
        }
        assertEquals("3", data.getString("data.byok_usage"));
        var none = given().header("Authorization", gateway).get(path, "key-unused")
                .then().statusCode(200).extract().jsonPath();
        assertEquals("0", none.getString("data.usage"));
        assertEquals("0", none.getString("data.byok_usage_monthly"));
    }

    @Test
    void eachAppliedRequestIsPublishedAsAChargeMatchingItsSchema() {
        String account = newAccount();
        String event = id();
        send(account, nonByok(event, account, "2026-11-20T10:00:00Z", "0.5"));
        List<ConsumerRecord<String, byte[]>> charges = TestKafka.awaitRecords(config.chargesTopic(), account,
                r -> !r.isEmpty());
        JsonNode charge = Schemas.valid(Schemas.CHARGE, charges.get(0).value());
        assertEquals(event, charge.get("charge_id").asText());
        assertEquals("0.5", charge.get("amount").asText());
        assertEquals("2026-11", charge.get("month").asText());
    }

    private JsonNode latestState(String account, String balance) {
        return awaitState(account, s -> balance.equals(s.get("balance").asText()));
    }

    private JsonNode awaitState(String account, java.util.function.Predicate<JsonNode> wanted) {
        List<ConsumerRecord<String, byte[]>> states = TestKafka.awaitRecords(config.accountStateTopic(), account,
                r -> !r.isEmpty() && wanted.test(Schemas.valid(Schemas.ACCOUNT_STATE, r.get(r.size() - 1).value())));
        return Schemas.valid(Schemas.ACCOUNT_STATE, states.get(states.size() - 1).value());
    }
}
