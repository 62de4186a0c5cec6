package io.keyway.billing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.billing.config.BillingConfig;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: a key's spend limit survives key-service being unreachable. The gateway enforces limits from the account
 * state billing publishes; a state published without a key's spend reads as spend 0 and lifts the limit. With the
 * REAL key-service (KeyServiceProcess), stopped and started again during the test.
 */
@QuarkusTest
@WithTestResource(KeyServiceProcess.class)
class KeyLimitsWithoutKeyServiceTests {

    @Inject
    BillingConfig config;

    @Inject
    DataSource dataSource;

    @BeforeEach
    void keyServiceIsThere() {
        Assumptions.assumeTrue(KeyServiceProcess.available(),
                "key-service/target/quarkus-app is not built: build key-service first (./mvnw -pl key-service package)");
    }

    @AfterEach
    void keyServiceRunsForTheNextTests() throws Exception {
        if (KeyServiceProcess.available() && !ready()) {
            KeyServiceProcess.startAgain();
        }
    }

    @Test
    void aStateNeverDropsTheSpendOfAKeyWhoseLimitBillingCouldNotReadAndLimitsOnceReadOutliveAnOutage()
            throws Exception {
        JsonPath created = given().baseUri(KeyServiceProcess.url).header("Authorization", "Bearer local-admin-token")
                .contentType("application/json").body(Map.of("name", "billing-test-" + UUID.randomUUID()))
                .post("/admin/v1/accounts").then().statusCode(201).extract().jsonPath();
        String account = created.getString("data.id");
        String hash = given().baseUri(KeyServiceProcess.url)
                .header("Authorization", "Bearer " + created.getString("management_key")).contentType("application/json")
                .body(Map.of("name", "limited", "limit", 5, "limit_reset", "daily")).post("/api/v1/keys")
                .then().statusCode(201).extract().path("data.hash");
        String key = given().baseUri(KeyServiceProcess.url).header("Authorization", "Bearer local-billing-token")
                .get("/internal/v1/api-keys/{h}", hash).then().statusCode(200).extract().path("api_key_id");
        topUp(account, "20");
        awaitState(account, s -> "20".equals(s.get("balance").asText()));

        // key-service goes away before billing ever asked it about this key (as at billing's start)
        KeyServiceProcess.stopNow();
        String event = UsageEvents.id();
        TestKafka.send(config.usageTopic(), account,
                UsageEvents.event(event, account, key, Instant.now().toString(), false, "0.5", "success"));
        TestDb db = new TestDb(dataSource);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> db.charge(event) != null);
        Thread.sleep(3_000); // the publisher's rounds after the charge (50 ms coalescing) have run
        for (JsonNode state : states(account)) {
            assertTrue("20".equals(state.get("balance").asText()) || spendOf(state, key) != null,
                    "a state after the charge must carry the limited key's spend: " + state);
        }
        // the limit is unknown: the whole spend, with no limit and no period (the gateway has the key's own limit)
        JsonNode unsure = awaitState(account, s -> "19.5".equals(s.get("balance").asText()));
        assertEquals("0.5", spendOf(unsure, key).get("spend").asText());
        assertTrue(spendOf(unsure, key).get("limit").isNull() && spendOf(unsure, key).get("period_start").isNull(),
                unsure.toString());

        KeyServiceProcess.startAgain();
        JsonNode published = awaitState(account, s -> "19.5".equals(s.get("balance").asText())
                && spendOf(s, key) != null && !spendOf(s, key).get("limit").isNull());
        assertEquals("0.5", spendOf(published, key).get("spend").asText());
        assertEquals("5", spendOf(published, key).get("limit").asText());

        // now known, the limit outlives the next outage: a top-up's state keeps the key's spend
        KeyServiceProcess.stopNow();
        topUp(account, "10");
        JsonNode afterTopUp = awaitState(account, s -> "29.5".equals(s.get("balance").asText()));
        assertEquals("0.5", spendOf(afterTopUp, key).get("spend").asText(), afterTopUp.toString());
        assertEquals("5", spendOf(afterTopUp, key).get("limit").asText());
        assertEquals(1L, db.count("SELECT count(*) FROM api_key_limits WHERE api_key_id = ? AND spend_limit = 5", key),
                "the limit is kept in billing's database, for a billing that starts while key-service is down");
    }

    private static boolean ready() {
        try {
            return given().baseUri(KeyServiceProcess.url).get("/q/health/ready").statusCode() == 200;
        } catch (Exception e) { // rest-assured throws the ConnectException itself
            return false;
        }
    }

    private static void topUp(String account, String amount) {
        given().header("Authorization", "Bearer local-admin-token").contentType("application/json")
                .body("{\"amount\":\"" + amount + "\"}").post("/admin/v1/accounts/{a}/credits", account)
                .then().statusCode(201);
    }

    private List<JsonNode> states(String account) {
        return TestKafka.readAll(config.accountStateTopic(), account).stream()
                .map(r -> Schemas.valid(Schemas.ACCOUNT_STATE, r.value())).toList();
    }

    private JsonNode awaitState(String account, java.util.function.Predicate<JsonNode> wanted) {
        List<ConsumerRecord<String, byte[]>> records = TestKafka.awaitRecords(config.accountStateTopic(), account,
                r -> !r.isEmpty() && wanted.test(Schemas.valid(Schemas.ACCOUNT_STATE, r.get(r.size() - 1).value())));
        return Schemas.valid(Schemas.ACCOUNT_STATE, records.get(records.size() - 1).value());
    }

    private static JsonNode spendOf(JsonNode state, String apiKeyId) {
        for (JsonNode k : state.get("api_keys")) {
            if (apiKeyId.equals(k.get("api_key_id").asText())) {
                return k;
            }
        }
        return null;
    }
}
