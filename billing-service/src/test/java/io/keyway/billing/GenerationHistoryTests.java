package io.keyway.billing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.billing.config.BillingConfig;
import io.keyway.billing.service.GenerationSweep;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What billing keeps of each request for the gateway's {@code /api/v1/generation}, {@code /generations} and
 * {@code /activity} (internal API, gateway token): written with the charge, answered only to the request's account,
 * listed newest first with a cursor, summed per UTC day, and swept after the retention.
 */
@QuarkusTest
class GenerationHistoryTests {

    @Inject
    BillingConfig config;

    @Inject
    DataSource dataSource;

    @Inject
    GenerationSweep sweep;

    private static RequestSpecification gateway() {
        return given().header("Authorization", "Bearer local-gateway-token");
    }

    /** A version-3 event with its generation detail: a BYOK attempt that failed, then the served one. */
    static String event(String id, String account, String apiKey, Instant at, String model, String provider,
            boolean byok, String status, String listCost) {
        boolean ok = status.equals("success");
        return """
                {"schema_version":3,"event_id":"%s","occurred_at":"%s","account_id":"%s","api_key_id":"%s",\
                "model":"%s","provider":"%s","is_byok":%s,"byok_key_id":%s,"prompt_tokens":%d,"completion_tokens":%d,\
                "list_cost":"%s","status":"%s","http_status":%d,"latency_ms":420,"streamed":true,"attempts":2,\
                "abandoned_attempts":[],"interrupted":null,"tokens_estimated":false,"budget_leases":[],\
                "generation":{"provider_name":"%s Inc.","finish_reason":%s,"native_finish_reason":%s,\
                "first_byte_ms":%s,"cached_tokens":3,"reasoning_tokens":7,"cancelled":false,"user":"user-7",\
                "http_referer":"https://app.example.test/","attempts":[\
                {"model":"%s","provider":"%s","credential":"byok_prioritized","byok_key_id":"byok-fake-0","status":429,\
                "outcome":"rate_limited","latency_ms":12},\
                {"model":"%s","provider":"%s","credential":"%s","byok_key_id":%s,"status":%d,"outcome":"%s",\
                "latency_ms":400}]}}"""
                .formatted(id, at, account, apiKey, model, provider, byok, byok ? "\"byok-fake-1\"" : "null",
                        ok ? 100 : 0, ok ? 20 : 0, ok ? listCost : "0", status, ok ? 200 : 502, provider,
                        ok ? "\"stop\"" : "null", ok ? "\"end_turn\"" : "null", ok ? "90" : "null", model, provider,
                        model, provider, byok ? "byok_prioritized" : "pooled", byok ? "\"byok-fake-1\"" : "null",
                        ok ? 200 : 502, ok ? "success" : "upstream_error");
    }

    private void send(String account, String... events) {
        for (String e : events) {
            TestKafka.send(config.usageTopic(), account, e);
        }
    }

    private void awaitKept(String... ids) {
        TestDb db = new TestDb(dataSource);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (String id : ids) {
                if (db.count("SELECT count(*) FROM generations WHERE event_id = ?::uuid", id) == 0) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void keptRequestIsAnsweredByIdWithEveryAttemptAndBillingsChargeOnlyToItsOwnAccount() {
        String account = "acct-" + UUID.randomUUID();
        String id = UUID.randomUUID().toString();
        send(account, event(id, account, "key-1", Instant.now().minusSeconds(60), "openai/gpt-4o-mini", "openai",
                false, "success", "0.0005"));
        awaitKept(id);

        JsonPath one = gateway().get("/internal/v1/accounts/" + account + "/generations/gen-" + id)
                .then().statusCode(200).extract().jsonPath();
        assertEquals(id, one.getString("data.id"));
        assertEquals("openai Inc.", one.getString("data.provider_name"));
        assertEquals("0.0005", one.getString("data.charge"), "a pooled request is charged its list cost");
        assertEquals(3, one.getInt("data.cached_tokens"));
        assertEquals(90, one.getInt("data.first_byte_ms"));
        assertEquals("end_turn", one.getString("data.native_finish_reason"));
        assertEquals("user-7", one.getString("data.user"));
        assertEquals(List.of("byok_prioritized", "pooled"), one.getList("data.attempts.credential"));
        assertEquals(java.util.Arrays.asList("byok-fake-0", null), one.getList("data.attempts.byok_key_id"));
        assertEquals(List.of(429, 200), one.getList("data.attempts.status"));
        gateway().get("/internal/v1/accounts/" + account + "/generations/" + id).then().statusCode(200);

        gateway().get("/internal/v1/accounts/acct-other-" + UUID.randomUUID() + "/generations/gen-" + id)
                .then().statusCode(404);
        gateway().get("/internal/v1/accounts/" + account + "/generations/gen-" + UUID.randomUUID()).then().statusCode(404);
        given().get("/internal/v1/accounts/" + account + "/generations/gen-" + id).then().statusCode(401);
    }

    @Test
    void listingIsNewestFirstAndItsCursorWalksEveryRequestOnceWhileNewerOnesArrive() {
        String account = "acct-" + UUID.randomUUID();
        Instant base = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);
        List<String> newestFirst = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = UUID.randomUUID().toString();
            newestFirst.add(0, id);
            send(account, event(id, account, "key-1", base.plusSeconds(i), "m/a", "p1", false, "success", "0.1"));
        }
        awaitKept(newestFirst.toArray(String[]::new));

        List<String> walked = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var req = gateway().queryParam("limit", 2);
            if (cursor != null) {
                req.queryParam("cursor", cursor);
            }
            JsonPath page = req.get("/internal/v1/accounts/" + account + "/generations").then().statusCode(200)
                    .extract().jsonPath();
            walked.addAll(page.getList("data.id"));
            cursor = page.getString("next_cursor");
            if (pages++ == 0) { // a newer request arrives after the first page: it is not on a later one
                String late = UUID.randomUUID().toString();
                send(account, event(late, account, "key-1", Instant.now(), "m/a", "p1", false, "success", "0.1"));
                awaitKept(late);
            }
        } while (cursor != null);
        assertEquals(newestFirst, walked);
        assertEquals(3, pages);
    }

    @Test
    void listingFiltersByModelProviderStatusAndApiKey() {
        String account = "acct-" + UUID.randomUUID();
        Instant at = Instant.now().minusSeconds(120);
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        String c = UUID.randomUUID().toString();
        send(account, event(a, account, "key-1", at, "m/a", "p1", false, "success", "0.1"),
                event(b, account, "key-2", at.plusSeconds(1), "m/b", "p1", false, "error", "0"),
                event(c, account, "key-1", at.plusSeconds(2), "m/a", "p2", true, "success", "0.3"));
        awaitKept(a, b, c);
        String path = "/internal/v1/accounts/" + account + "/generations";
        assertEquals(List.of(c, a), gateway().queryParam("model", "m/a").get(path).jsonPath().getList("data.id"));
        assertEquals(List.of(b, a), gateway().queryParam("provider", "p1").get(path).jsonPath().getList("data.id"));
        assertEquals(List.of(b), gateway().queryParam("status", "error").get(path).jsonPath().getList("data.id"));
        assertEquals(List.of(b), gateway().queryParam("status", "502").get(path).jsonPath().getList("data.id"));
        assertEquals(List.of(c, a), gateway().queryParam("status", "success").get(path).jsonPath().getList("data.id"));
        assertEquals(List.of(c, a), gateway().queryParam("api_key_id", "key-1").get(path).jsonPath().getList("data.id"));
        assertEquals(List.of(c), gateway().queryParam("model", "m/a").queryParam("provider", "p2").get(path)
                .jsonPath().getList("data.id"));
    }

    @Test
    void activitySumsMeteredRequestsPerUtcDayModelAndProviderWithByokListCostApart() {
        String account = "acct-" + UUID.randomUUID();
        Instant today = LocalDate.now(ZoneOffset.UTC).atStartOfDay().toInstant(ZoneOffset.UTC).plusSeconds(1);
        Instant yesterday = today.minus(1, ChronoUnit.DAYS);
        String[] ids = {UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString(),
            UUID.randomUUID().toString(), UUID.randomUUID().toString()};
        send(account,
                event(ids[0], account, "key-1", today, "m/a", "p1", false, "success", "0.25"),
                event(ids[1], account, "key-2", today, "m/a", "p1", false, "success", "0.5"),
                event(ids[2], account, "key-1", today, "m/a", "p1", false, "error", "0"),
                event(ids[3], account, "key-1", today, "m/a", "p2", true, "success", "2"),
                event(ids[4], account, "key-1", yesterday, "m/a", "p1", false, "success", "1"));
        awaitKept(ids);
        JsonPath days = gateway().get("/internal/v1/accounts/" + account + "/activity").then().statusCode(200)
                .extract().jsonPath();
        String d0 = LocalDate.now(ZoneOffset.UTC).toString();
        String d1 = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
        assertEquals(List.of(d0, d0, d1), days.getList("data.date"), "newest day first");
        assertEquals(List.of("p1", "p2", "p1"), days.getList("data.provider"));
        assertEquals(List.of(2, 1, 1), days.getList("data.requests"), "the failed request is not counted");
        assertEquals(List.of(200, 100, 100), days.getList("data.prompt_tokens"));
        assertEquals(List.of(14, 7, 7), days.getList("data.reasoning_tokens"));
        assertEquals(List.of("0.75", "0", "1"), days.getList("data.usage"),
                "BYOK within the free allowance costs nothing");
        assertEquals(List.of("0", "2", "0"), days.getList("data.byok_usage_inference"));
        assertEquals(List.of("p1 Inc.", "p2 Inc.", "p1 Inc."), days.getList("data.provider_name"));

        assertEquals(List.of(d1), gateway().queryParam("date", d1).get("/internal/v1/accounts/" + account + "/activity")
                .jsonPath().getList("data.date"));
        assertEquals(List.of(1), gateway().queryParam("api_key_id", "key-2").queryParam("date", d0)
                .get("/internal/v1/accounts/" + account + "/activity").jsonPath().getList("data.requests"));
        assertEquals(0, gateway().get("/internal/v1/accounts/acct-other-" + UUID.randomUUID() + "/activity")
                .jsonPath().getList("data").size(), "another account sees none of it");
    }

    @Test
    void sweepDeletesRequestsOlderThanTheRetentionInBatchesAndKeepsNewerOnesAndTheirCharges() throws Exception {
        String account = "acct-" + UUID.randomUUID();
        Instant old = Instant.now().minus(config.generations().retention()).minus(1, ChronoUnit.HOURS);
        String[] expired = {UUID.randomUUID().toString(), UUID.randomUUID().toString(), UUID.randomUUID().toString()};
        String recent = UUID.randomUUID().toString();
        for (String id : expired) {
            send(account, event(id, account, "key-1", old, "m/a", "p1", false, "success", "0.1"));
        }
        send(account, event(recent, account, "key-1", Instant.now().minusSeconds(5), "m/a", "p1", false, "success",
                "0.1"));
        awaitKept(expired[0], expired[1], expired[2], recent);
        // past the retention, a request is no longer answered even before the sweep reaches it
        gateway().get("/internal/v1/accounts/" + account + "/generations/gen-" + expired[0]).then().statusCode(404);

        long swept = sweep.sweep(Instant.now().minus(config.generations().retention()));
        assertTrue(swept >= 3, "swept " + swept + " (batches of " + config.generations().sweepBatch() + ")");
        TestDb db = new TestDb(dataSource);
        for (String id : expired) {
            assertEquals(0, db.count("SELECT count(*) FROM generations WHERE event_id = ?::uuid", id));
            assertEquals(1, db.count("SELECT count(*) FROM usage_records WHERE event_id = ?::uuid", id),
                    "the ledger keeps the charge");
        }
        gateway().get("/internal/v1/accounts/" + account + "/generations/gen-" + recent).then().statusCode(200);
        assertEquals(List.of(recent), gateway().get("/internal/v1/accounts/" + account + "/generations")
                .jsonPath().getList("data.id"));
    }

    @Test
    void badParametersAre400NamingTheParameter() {
        String path = "/internal/v1/accounts/acct-x/";
        gateway().get(path + "generations/not-an-id").then().statusCode(400).body("error.metadata.field", equalTo("id"));
        gateway().queryParam("limit", 0).get(path + "generations").then().statusCode(400)
                .body("error.metadata.field", equalTo("limit"));
        gateway().queryParam("limit", 201).get(path + "generations").then().statusCode(400)
                .body("error.metadata.field", equalTo("limit"));
        gateway().queryParam("status", "maybe").get(path + "generations").then().statusCode(400)
                .body("error.metadata.field", equalTo("status"));
        gateway().queryParam("cursor", "bm90IGEgY3Vyc29y").get(path + "generations").then().statusCode(400)
                .body("error.metadata.field", equalTo("cursor")).body("error.message", containsString("cursor"));
        gateway().queryParam("date", "2020-01-01").get(path + "activity").then().statusCode(400)
                .body("error.metadata.field", equalTo("date"));
        gateway().queryParam("date", "yesterday").get(path + "activity").then().statusCode(400)
                .body("error.metadata.field", equalTo("date"));
        assertNull(gateway().get(path + "generations").jsonPath().getString("next_cursor"));
    }
}
