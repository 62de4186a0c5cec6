package io.keyway.billing;

import static io.keyway.billing.UsageEvents.byok;
import static io.keyway.billing.UsageEvents.id;
import static io.keyway.billing.UsageEvents.nonByok;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.keyway.billing.config.BillingConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The operators' API (top-ups, adjustments, statements, ledger export, fee terms) and the management-key API's guards. */
@QuarkusTest
class AdminApiTests {

    @Inject
    DataSource dataSource;

    @Inject
    BillingConfig config;

    TestDb db;

    @BeforeEach
    void setUp() {
        db = new TestDb(dataSource);
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer local-admin-token").contentType("application/json");
    }

    @Test
    void adminCallsWithoutTheAdminTokenAreRefused() {
        String account = UsageEvents.newAccount();
        given().contentType("application/json").body("{\"amount\":\"10\"}")
                .post("/admin/v1/accounts/{a}/credits", account)
                .then().statusCode(401).body("error.code", equalTo(401));
        given().header("Authorization", "Bearer wrong").get("/admin/v1/accounts/{a}/balance", account)
                .then().statusCode(401).body("error.message", not(containsString("local-admin-token")));
        assertNull(db.balance(account), "nothing written");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"amount\":\"abc\"}|amount",
            "{}|amount",
            "{\"amount\":\"-5\"}|amount",
            "{\"amount\":\"0\"}|amount",
            "{\"amount\":\"0.0000000000001\"}|amount",
            "{\"amount\":true}|amount",
            "{\"amount\":\"1\",\"description\":7}|description"})
    void topUpWithABadFieldIs400NamingItAndWritesNothing(String body, String field) {
        String account = UsageEvents.newAccount();
        admin().body(body).post("/admin/v1/accounts/{a}/credits", account)
                .then().statusCode(400).body("error.code", equalTo(400)).body("error.metadata.field", equalTo(field))
                .body("error.message", containsString(field));
        assertNull(db.balance(account));
    }

    @Test
    void malformedJsonBodyIs400() {
        admin().body("{\"amount\":").post("/admin/v1/accounts/{a}/credits", UsageEvents.newAccount())
                .then().statusCode(400).body("error.message", containsString("JSON"));
    }

    @Test
    void topUpRepeatedWithTheSameIdempotencyKeyCreditsOnce() {
        String account = UsageEvents.newAccount();
        String first = admin().header("Idempotency-Key", "topup-1").body("{\"amount\":\"10.00\",\"description\":\"card\"}")
                .post("/admin/v1/accounts/{a}/credits", account)
                .then().statusCode(201).header("Idempotent-Replayed", "false")
                .body("data.amount", equalTo("10")).body("data.kind", equalTo("topup"))
                .extract().path("data.id");
        String second = admin().header("Idempotency-Key", "topup-1").body("{\"amount\":\"10.00\",\"description\":\"card\"}")
                .post("/admin/v1/accounts/{a}/credits", account)
                .then().statusCode(201).header("Idempotent-Replayed", "true").extract().path("data.id");
        assertEquals(first, second, "the retry returns the first entry");
        assertEquals(0, new BigDecimal("10").compareTo(db.balance(account)), "credited once");

        admin().header("Idempotency-Key", "topup-1").body("{\"amount\":\"20.00\",\"description\":\"card\"}")
                .post("/admin/v1/accounts/{a}/credits", account)
                .then().statusCode(422).body("error.metadata.header", equalTo("Idempotency-Key"));
        assertEquals(0, new BigDecimal("10").compareTo(db.balance(account)));
    }

    @Test
    void adjustmentNeedsAReasonAndMayLowerTheBalance() {
        String account = UsageEvents.newAccount();
        admin().body("{\"amount\":\"-1.50\"}").post("/admin/v1/accounts/{a}/adjustments", account)
                .then().statusCode(400).body("error.metadata.field", equalTo("reason"));
        admin().body("{\"amount\":\"-1.50\",\"reason\":\"goodwill reversal\"}")
                .post("/admin/v1/accounts/{a}/adjustments", account).then().statusCode(201)
                .body("data.amount", equalTo("-1.5"));
        admin().get("/admin/v1/accounts/{a}/balance", account).then().statusCode(200)
                .body("data.balance", equalTo("-1.5")).body("data.total_credits", equalTo("-1.5"));
    }

    @Test
    void adjustmentRepeatedWithTheSameIdempotencyKeyIsAppliedOnce() {
        String account = UsageEvents.newAccount();
        String body = "{\"amount\":\"-2.25\",\"reason\":\"chargeback\"}";
        String first = admin().header("Idempotency-Key", "adj-1").body(body)
                .post("/admin/v1/accounts/{a}/adjustments", account)
                .then().statusCode(201).header("Idempotent-Replayed", "false").body("data.kind", equalTo("adjustment"))
                .extract().path("data.id");
        String second = admin().header("Idempotency-Key", "adj-1").body(body)
                .post("/admin/v1/accounts/{a}/adjustments", account)
                .then().statusCode(201).header("Idempotent-Replayed", "true").extract().path("data.id");
        assertEquals(first, second);
        admin().header("Idempotency-Key", "adj-1").body("{\"amount\":\"-2.25\",\"reason\":\"other\"}")
                .post("/admin/v1/accounts/{a}/adjustments", account).then().statusCode(422);
        assertEquals(0, new BigDecimal("-2.25").compareTo(db.balance(account)), "adjusted once");
    }

    @Test
    void monthlyStatementShowsByokRequestsFreeLeftFeesAndNonByokSpendByModelAndProvider() {
        String account = UsageEvents.newAccount();
        admin().body("{\"byok_free_requests\": 2}").put("/admin/v1/accounts/{a}/fee-schedule", account)
                .then().statusCode(200).body("data.effective.byok_free_requests", equalTo(2))
                .body("data.effective.byok_fee_rate", equalTo("0.05"));
        List<String> ids = List.of(id(), id(), id(), id(), id());
        TestKafka.send(config.usageTopic(), List.of(
                new String[] {account, byok(ids.get(0), account, "2026-11-03T01:00:00Z", "1.00")},
                new String[] {account, byok(ids.get(1), account, "2026-11-03T01:00:01Z", "1.00")},
                new String[] {account, byok(ids.get(2), account, "2026-11-03T01:00:02Z", "2.00")},
                new String[] {account, nonByok(ids.get(3), account, "2026-11-03T01:00:03Z", "0.40")},
                new String[] {account, UsageEvents.event(ids.get(4), account, "k", "2026-11-03T01:00:04Z", false,
                        "9.99", "error")}));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(e -> db.charge(e) != null));

        admin().get("/admin/v1/accounts/{a}/statements/2026-11", account).then().statusCode(200)
                .body("data.byok.requests", equalTo(3))
                .body("data.byok.free_requests_left", equalTo(0))
                .body("data.byok.fees", equalTo("0.1"))
                .body("data.byok.list_cost", equalTo("4"))
                .body("data.non_byok.requests", equalTo(1))
                .body("data.non_byok.spend", equalTo("0.4"))
                .body("data.total_charged", equalTo("0.5"))
                .body("data.failed_requests", equalTo(1))
                .body("data.by_model_and_provider", hasSize(2))
                .body("data.by_model_and_provider.find { it.provider == 'openai' }.charged", equalTo("0.1"));
        admin().get("/admin/v1/accounts/{a}/statements/2026-13", account).then().statusCode(400)
                .body("error.metadata.field", equalTo("month"));
    }

    @Test
    void ledgerExportsCreditsAndChargesPagedInJsonAndCsv() {
        String account = UsageEvents.newAccount();
        admin().body("{\"amount\":\"5\",\"description\":\"=cmd, \\\"quoted\\\"\"}")
                .post("/admin/v1/accounts/{a}/credits", account).then().statusCode(201);
        List<String> ids = List.of(id(), id());
        TestKafka.send(config.usageTopic(), List.of(
                new String[] {account, nonByok(ids.get(0), account, "2026-11-03T01:00:00Z", "0.25")},
                new String[] {account, nonByok(ids.get(1), account, "2026-11-03T01:00:01Z", "0.50")}));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(e -> db.charge(e) != null));

        admin().get("/admin/v1/accounts/{a}/ledger?page_size=2", account).then().statusCode(200)
                .body("data", hasSize(2)).body("has_more", equalTo(true)).body("data[0].kind", equalTo("topup"))
                .body("data[0].amount", equalTo("5"));
        admin().get("/admin/v1/accounts/{a}/ledger?page_size=2&page=2", account).then().statusCode(200)
                .body("data", hasSize(1)).body("has_more", equalTo(false)).body("data[0].kind", equalTo("charge"));
        String csv = admin().get("/admin/v1/accounts/{a}/ledger?format=csv", account).then().statusCode(200)
                .extract().asString();
        String[] lines = csv.split("\n");
        assertEquals(4, lines.length, csv);
        assertEquals("id,at,kind,amount,description,model,provider,is_byok", lines[0]);
        assertEquals(true, lines[1].endsWith(",topup,5,\"'=cmd, \"\"quoted\"\"\",,,"), lines[1]);
        assertEquals(true, lines[2].contains(",charge,-0.25,usage,openai/gpt-4o-mini,io-net,false"), lines[2]);
        admin().get("/admin/v1/accounts/{a}/ledger?format=xml", account).then().statusCode(400)
                .body("error.metadata.field", equalTo("format"));
        admin().get("/admin/v1/accounts/{a}/ledger?page_size=0", account).then().statusCode(400)
                .body("error.metadata.field", equalTo("page_size"));
        admin().get("/admin/v1/accounts/{a}/ledger?page=0", account).then().statusCode(400)
                .body("error.metadata.field", equalTo("page"));
        admin().get("/admin/v1/accounts/{a}/ledger?page=abc", account).then().statusCode(400)
                .body("error.metadata.field", equalTo("page")).body("error.message", containsString("page"));
    }

    @Test
    void feeScheduleOverrideRejectsBadTermsAndCanBeCleared() {
        String account = UsageEvents.newAccount();
        admin().body("{\"byok_fee_rate\":\"-0.1\"}").put("/admin/v1/accounts/{a}/fee-schedule", account)
                .then().statusCode(400).body("error.metadata.field", equalTo("byok_fee_rate"));
        admin().body("{\"byok_allowance\":\"tokens\"}").put("/admin/v1/accounts/{a}/fee-schedule", account)
                .then().statusCode(400).body("error.metadata.field", equalTo("byok_allowance"));
        admin().body("{\"byok_allowance\":\"list-cost\",\"byok_free_list_cost\":\"25000\",\"byok_fee_rate\":\"0.03\"}")
                .put("/admin/v1/accounts/{a}/fee-schedule", account).then().statusCode(200)
                .body("data.effective.byok_allowance", equalTo("list-cost"))
                .body("data.effective.byok_fee_rate", equalTo("0.03"))
                .body("data.effective.byok_free_requests", equalTo(1000000));
        admin().delete("/admin/v1/accounts/{a}/fee-schedule", account).then().statusCode(200);
        admin().get("/admin/v1/accounts/{a}/fee-schedule", account).then().statusCode(200)
                .body("data.effective.byok_allowance", equalTo("requests"))
                .body("data.effective.byok_fee_rate", equalTo("0.05"));
    }

    @Test
    void creditsNeedsAManagementKey() {
        given().get("/api/v1/credits").then().statusCode(401).body("error.code", equalTo(401));
        given().header("Authorization", "Bearer fake-openrouter-key-" + "a".repeat(64)).get("/api/v1/credits")
                .then().statusCode(401).body("error.message", containsString("management key"))
                .body("error.message", not(containsString("aaaa")));
    }

    @Test
    void creditsAnswers503WhenKeyServiceCannotBeReached() {
        // this test profile points key-service at a port where nothing listens
        given().header("Authorization", "Bearer sk-kw-mgmt-v1-" + "b".repeat(64)).get("/api/v1/credits")
                .then().statusCode(503).body("error.metadata.dependency", equalTo("key-service"))
                .body("error.message", not(containsString("bbbb")));
    }
}
