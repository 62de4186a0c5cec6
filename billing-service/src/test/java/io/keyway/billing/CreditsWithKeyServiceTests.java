package io.keyway.billing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.billing.config.BillingConfig;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Management keys and API keys' spend limits come from the REAL key-service (its jar, started by KeyServiceProcess):
 * accounts and keys are created through its API, billing resolves them through its internal API.
 */
@QuarkusTest
@WithTestResource(KeyServiceProcess.class)
class CreditsWithKeyServiceTests {

    @Inject
    BillingConfig config;

    @Inject
    DataSource dataSource;

    @BeforeEach
    void keyServiceIsThere() {
        Assumptions.assumeTrue(KeyServiceProcess.available(),
                "key-service/target/quarkus-app is not built: build key-service first (./mvnw -pl key-service package)");
    }

    /** Creates an account in key-service; returns its id and first management key. */
    private static String[] newAccount() {
        JsonPath created = given().baseUri(KeyServiceProcess.url).header("Authorization", "Bearer local-admin-token")
                .contentType("application/json").body(Map.of("name", "billing-test-" + UUID.randomUUID()))
                .post("/admin/v1/accounts").then().statusCode(201).extract().jsonPath();
        return new String[] {created.getString("data.id"), created.getString("management_key")};
    }

    private static void topUp(String account, String amount) {
        given().header("Authorization", "Bearer local-admin-token").contentType("application/json")
                .body("{\"amount\":\"" + amount + "\"}").post("/admin/v1/accounts/{a}/credits", account)
                .then().statusCode(201);
    }

    @Test
    void managementKeyReadsItsOwnAccountsTotalCreditsAndUsageAndAnApiKeyIsRefusedWith403() {
        String[] account = newAccount();
        String[] other = newAccount();
        topUp(account[0], "10.00");
        String event = UsageEvents.id();
        TestKafka.send(config.usageTopic(), account[0],
                UsageEvents.nonByok(event, account[0], Instant.now().toString(), "0.25"));
        TestDb db = new TestDb(dataSource);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> db.charge(event) != null);

        given().header("Authorization", "Bearer " + account[1]).get("/api/v1/credits").then().statusCode(200)
                .body("data.total_credits", equalTo(10)).body("data.total_usage", equalTo(0.25f));
        given().header("Authorization", "Bearer " + other[1]).get("/api/v1/credits").then().statusCode(200)
                .body("data.total_credits", equalTo(0)).body("data.total_usage", equalTo(0));
        given().header("Authorization", "Bearer sk-kw-mgmt-v1-" + "0".repeat(64)).get("/api/v1/credits").then()
                .statusCode(401).body("error.message", equalTo("unknown management key"));
        String apiKey = given().baseUri(KeyServiceProcess.url).header("Authorization", "Bearer " + account[1])
                .contentType("application/json").body(Map.of("name", "inference")).post("/api/v1/keys")
                .then().statusCode(201).extract().path("key");
        given().header("Authorization", "Bearer " + apiKey).get("/api/v1/credits").then().statusCode(403)
                .body("error.message", equalTo("Only management keys can perform this operation"));
    }

    /** How many times key-service answered GET /internal/v1/api-keys/{hash}, from its own Prometheus metrics. */
    private static long keyServiceLookupsByHash() {
        String metrics = given().baseUri(KeyServiceProcess.url).get("/q/metrics").then().statusCode(200).extract()
                .asString();
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("http_server_requests_seconds_count{")
                    && line.contains("uri=\"/internal/v1/api-keys/{hash}\"")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) total;
    }

    @Test
    void repeatedCreditsCallWithinTheKeyCacheTtlMakesNoNewCallToKeyServiceAndAnUnknownKeyIsRefused() {
        String[] account = newAccount();
        topUp(account[0], "4");
        long before = keyServiceLookupsByHash();
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            given().header("Authorization", "Bearer " + account[1]).get("/api/v1/credits").then().statusCode(200)
                    .body("data.total_credits", equalTo(4));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> keyServiceLookupsByHash() > before);
        assertEquals(before + 1, keyServiceLookupsByHash(), "three calls within the " + KeyServiceProcess.TTL
                + " TTL (took " + took.toMillis() + " ms) asked key-service once");

        String unknown = "sk-kw-mgmt-v1-" + UUID.randomUUID().toString().replace("-", "").repeat(2);
        given().header("Authorization", "Bearer " + unknown).get("/api/v1/credits").then().statusCode(401)
                .body("error.code", equalTo(401)).body("error.message", equalTo("unknown management key"));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> keyServiceLookupsByHash() == before + 2);

        // once the entry expired, the next call asks key-service again (a revoked key stops working within the TTL)
        Awaitility.await().pollDelay(KeyServiceProcess.TTL).atMost(KeyServiceProcess.TTL.multipliedBy(4))
                .pollInterval(Duration.ofMillis(500)).until(() -> {
                    given().header("Authorization", "Bearer " + account[1]).get("/api/v1/credits").then()
                            .statusCode(200);
                    return keyServiceLookupsByHash() >= before + 3;
                });
    }

    @Test
    void spendOfKeysWithALimitIsPublishedInTheirUtcPeriodCountingByokListCostOnlyWhereTheKeySaysSo() {
        String[] account = newAccount();
        String limited = apiKeyId(account[1], Map.of("name", "limited", "limit", 5, "limit_reset", "daily",
                "include_byok_in_limit", true));
        String byokExcluded = apiKeyId(account[1], Map.of("name", "byok-excluded", "limit", 7, "limit_reset", "monthly",
                "include_byok_in_limit", false));
        String weekly = apiKeyId(account[1], Map.of("name", "weekly", "limit", 9, "limit_reset", "weekly"));
        String unlimited = apiKeyId(account[1], Map.of("name", "unlimited"));
        new TestDb(dataSource).execute("INSERT INTO fee_overrides (account_id, byok_free_requests) VALUES (?, 0)",
                account[0]);
        topUp(account[0], "20");
        String now = Instant.now().toString();
        TestKafka.send(config.usageTopic(), List.of(
                new String[] {account[0], UsageEvents.event(UsageEvents.id(), account[0], limited, now, false, "0.5", "success")},
                new String[] {account[0], UsageEvents.event(UsageEvents.id(), account[0], limited, now, true, "2", "success")},
                new String[] {account[0], UsageEvents.event(UsageEvents.id(), account[0], byokExcluded, now, false, "0.3", "success")},
                new String[] {account[0], UsageEvents.event(UsageEvents.id(), account[0], byokExcluded, now, true, "4", "success")},
                new String[] {account[0], UsageEvents.event(UsageEvents.id(), account[0], weekly, now, false, "0.4", "success")},
                new String[] {account[0], UsageEvents.event(UsageEvents.id(), account[0], unlimited, now, false, "1", "success")}));

        List<ConsumerRecord<String, byte[]>> states = TestKafka.awaitRecords(config.accountStateTopic(), account[0],
                r -> !r.isEmpty() && Schemas.valid(Schemas.ACCOUNT_STATE, r.get(r.size() - 1).value())
                        .get("api_keys").size() == 3
                        && "17.5".equals(Schemas.valid(Schemas.ACCOUNT_STATE, r.get(r.size() - 1).value())
                                .get("balance").asText()));
        JsonNode state = Schemas.valid(Schemas.ACCOUNT_STATE, states.get(states.size() - 1).value());
        JsonNode first = spendOf(state, limited);
        JsonNode second = spendOf(state, byokExcluded);
        JsonNode third = spendOf(state, weekly);
        assertEquals(limited, first.get("api_key_id").asText());
        assertEquals("2.6", first.get("spend").asText(),
                "0.5 + the BYOK fee 0.1 (5% of 2) + the BYOK list cost 2, which this key includes in its limit");
        assertEquals("5", first.get("limit").asText());
        assertEquals("daily", first.get("limit_reset").asText());
        assertEquals(LocalDate.now(ZoneOffset.UTC).atStartOfDay().toInstant(ZoneOffset.UTC).toString(),
                first.get("period_start").asText());
        assertEquals(byokExcluded, second.get("api_key_id").asText());
        assertEquals("0.5", second.get("spend").asText(),
                "0.3 + its BYOK fee 0.2 (a Keyway charge); its BYOK list cost 4 is not counted");
        assertEquals("monthly", second.get("limit_reset").asText());
        assertEquals(LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString(),
                second.get("period_start").asText());
        assertEquals("0.4", third.get("spend").asText());
        assertEquals("weekly", third.get("limit_reset").asText());
        assertEquals(LocalDate.now(ZoneOffset.UTC).with(DayOfWeek.MONDAY).atStartOfDay().toInstant(ZoneOffset.UTC)
                .toString(), third.get("period_start").asText(), "UTC weeks start on Monday");
        assertTrue(state.get("api_keys").findValuesAsText("api_key_id").stream().noneMatch(unlimited::equals),
                "a key without a limit is not listed");
    }

    private static JsonNode spendOf(JsonNode state, String apiKeyId) {
        for (JsonNode key : state.get("api_keys")) {
            if (apiKeyId.equals(key.get("api_key_id").asText())) {
                return key;
            }
        }
        throw new AssertionError(apiKeyId + " is not in " + state);
    }

    @Test
    void managementKeyReadsOnlyItsOwnAccountsStatementAndLedger() {
        String[] account = newAccount();
        String[] other = newAccount();
        topUp(account[0], "3");
        topUp(other[0], "7");
        String event = UsageEvents.id();
        TestKafka.send(config.usageTopic(), account[0],
                UsageEvents.nonByok(event, account[0], Instant.now().toString(), "0.5"));
        TestDb db = new TestDb(dataSource);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> db.charge(event) != null);
        String month = YearMonth.now(ZoneOffset.UTC).toString();

        given().header("Authorization", "Bearer " + account[1]).get("/api/v1/statements/{m}", month).then()
                .statusCode(200).body("data.account_id", equalTo(account[0])).body("data.month", equalTo(month))
                .body("data.non_byok.requests", equalTo(1)).body("data.non_byok.spend", equalTo("0.5"));
        given().header("Authorization", "Bearer " + account[1]).get("/api/v1/ledger").then().statusCode(200)
                .body("data", hasSize(2)).body("data[0].kind", equalTo("topup")).body("data[0].amount", equalTo("3"))
                .body("data[1].kind", equalTo("charge")).body("data[1].amount", equalTo("-0.5"));
        String csv = given().header("Authorization", "Bearer " + account[1]).get("/api/v1/ledger?format=csv").then()
                .statusCode(200).extract().asString();
        assertEquals(3, csv.split("\n").length, csv);
        given().header("Authorization", "Bearer " + other[1]).get("/api/v1/ledger").then().statusCode(200)
                .body("data", hasSize(1)).body("data[0].amount", equalTo("7"));
        given().header("Authorization", "Bearer " + other[1]).get("/api/v1/statements/{m}", month).then()
                .statusCode(200).body("data.account_id", equalTo(other[0])).body("data.non_byok.requests", equalTo(0));
        given().get("/api/v1/ledger").then().statusCode(401);
        given().header("Authorization", "Bearer " + account[1]).get("/api/v1/statements/2026-1").then().statusCode(400)
                .body("error.metadata.field", equalTo("month"));
    }

    /** Creates an API key through key-service's management API and returns its id (from the internal lookup). */
    private static String apiKeyId(String managementKey, Map<String, Object> body) {
        String hash = given().baseUri(KeyServiceProcess.url).header("Authorization", "Bearer " + managementKey)
                .contentType("application/json").body(body).post("/api/v1/keys")
                .then().statusCode(201).extract().path("data.hash");
        return given().baseUri(KeyServiceProcess.url).header("Authorization", "Bearer local-billing-token")
                .get("/internal/v1/api-keys/{h}", hash).then().statusCode(200).extract().path("api_key_id");
    }
}
