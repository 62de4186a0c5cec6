package io.keyway.keys.rest;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * /api/v1/keys answers carry every field {@code @openrouter/sdk} 1.3.19 validates (its zod models of create, list, get
 * and update), with usage from billing's messages sent here to the real broker (this run's api-key-usage topic), and
 * OpenRouter's owner fields on create.
 */
@QuarkusTest
class ApiKeyUsageOnKeysTests {

    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    static final List<String> SDK_NUMBERS = List.of("usage", "usage_daily", "usage_weekly", "usage_monthly",
            "byok_usage", "byok_usage_daily", "byok_usage_weekly", "byok_usage_monthly");
    static final List<String> SDK_NULLABLE_STRINGS = List.of("creator_user_id", "external_user", "limit_reset",
            "updated_at", "expires_at");
    static final List<String> SDK_STRINGS = List.of("created_at", "hash", "label", "name", "workspace_id");

    static KafkaProducer<String, String> producer;

    @BeforeAll
    static void producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producer = new KafkaProducer<>(p);
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    static void publish(String accountId, String value) {
        String topic = ConfigProvider.getConfig().getValue("mp.messaging.incoming.api-key-usage.topic", String.class);
        try {
            producer.send(new ProducerRecord<>(topic, accountId, value)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** billing's message (schemas/api-key-usage.v1.schema.json) with one key's eight figures in wire order. */
    static String usageMessage(String accountId, LocalDate day, long sequence, String apiKeyId, String... figures) {
        return """
                {"schema_version":1,"account_id":"%s","day":"%s","api_keys":[{"api_key_id":"%s","usage":"%s",\
                "usage_daily":"%s","usage_weekly":"%s","usage_monthly":"%s","byok_usage":"%s","byok_usage_daily":"%s",\
                "byok_usage_weekly":"%s","byok_usage_monthly":"%s"}],"sequence":%d,"updated_at":"%s"}"""
                .formatted(accountId, day, apiKeyId, figures[0], figures[1], figures[2], figures[3], figures[4],
                        figures[5], figures[6], figures[7], sequence, Instant.now());
    }

    static String apiKeyId(String hash) {
        return io.restassured.RestAssured.given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/" + hash)
                .then().statusCode(200).extract().path("api_key_id");
    }

    static JsonNode body(Response r) {
        try {
            return JSON.readTree(r.asString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode listed(Api.Account a, String hash) {
        for (JsonNode k : body(a.mgmt().get("/api/v1/keys").then().statusCode(200).extract().response()).get("data")) {
            if (k.get("hash").asText().equals(hash)) {
                return k;
            }
        }
        throw new AssertionError("key not listed");
    }

    static BigDecimal number(JsonNode key, String field) {
        assertTrue(key.get(field).isNumber(), field + " is a JSON number: " + key.get(field));
        return key.get(field).decimalValue();
    }

    /** The checks of the SDK's zod model of a key (list.js, getkey.js, createkeys.js and updatekeys.js are alike). */
    static void hasTheSdksShape(JsonNode key) {
        for (String f : SDK_NUMBERS) {
            assertTrue(key.has(f) && key.get(f).isNumber(), f + " must be a number: " + key);
        }
        for (String f : List.of("limit", "limit_remaining")) {
            assertTrue(key.has(f) && (key.get(f).isNumber() || key.get(f).isNull()), f + " must be a number or null");
        }
        for (String f : SDK_NULLABLE_STRINGS) {
            assertTrue(key.has(f) && (key.get(f).isTextual() || key.get(f).isNull()), f + " must be a string or null");
        }
        for (String f : SDK_STRINGS) {
            assertTrue(key.has(f) && key.get(f).isTextual(), f + " must be a string: " + key);
        }
        for (String f : List.of("disabled", "include_byok_in_limit")) {
            assertTrue(key.has(f) && key.get(f).isBoolean(), f + " must be a boolean");
        }
    }

    @Test
    void everyAnswerOfCreateListGetAndUpdateHasEveryFieldTheSdkValidatesAndTheWorkspaceIsTheAccount() {
        Api.Account a = Api.newAccount();
        JsonNode created = body(a.mgmt().body(Map.of("name", "shape")).post("/api/v1/keys").then().statusCode(201)
                .extract().response()).get("data");
        String hash = created.get("hash").asText();
        hasTheSdksShape(created);
        hasTheSdksShape(listed(a, hash));
        hasTheSdksShape(body(a.mgmt().get("/api/v1/keys/" + hash).then().statusCode(200).extract().response()).get("data"));
        JsonNode updated = body(a.mgmt().body(Map.of("limit", 5)).patch("/api/v1/keys/" + hash).then().statusCode(200)
                .extract().response()).get("data");
        hasTheSdksShape(updated);

        assertEquals(a.id(), created.get("workspace_id").asText(), "each account is one workspace");
        for (String f : SDK_NUMBERS) {
            assertEquals(0, number(created, f).signum(), f + ": a new key has no spend recorded");
        }
        assertTrue(created.get("limit_remaining").isNull(), "no limit, nothing remaining to show");
        assertEquals(new BigDecimal("5"), number(updated, "limit_remaining"), "a limit and no spend: all of it left");
    }

    @Test
    void billingsUsageMessageShowsOnTheListAndGetAnswersWithWhatIsLeftOfTheLimit() {
        Api.Account a = Api.newAccount();
        String used = a.mgmt().body(Map.of("name", "used", "limit", 10, "limit_reset", "monthly",
                "include_byok_in_limit", true)).post("/api/v1/keys").then().statusCode(201).extract().path("data.hash");
        String idle = a.mgmt().body(Map.of("name", "idle", "limit", "2.5")).post("/api/v1/keys").then().statusCode(201)
                .extract().path("data.hash");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        publish(a.id(), usageMessage(a.id(), today, 7, apiKeyId(used),
                "4.125", "0.5", "1.25", "2.75", "30", "3", "4", "5.5"));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> number(listed(a, used), "usage").compareTo(new BigDecimal("4.125")) == 0);
        JsonNode key = body(a.mgmt().get("/api/v1/keys/" + used).then().statusCode(200).extract().response()).get("data");
        assertEquals(List.of("4.125", "0.5", "1.25", "2.75", "30", "3", "4", "5.5"),
                SDK_NUMBERS.stream().map(f -> number(key, f).toPlainString()).toList());
        assertEquals(new BigDecimal("1.75"), number(key, "limit_remaining"),
                "10 less this month's 2.75 charged and 5.5 of BYOK list cost (include_byok_in_limit)");

        JsonNode other = listed(a, idle);
        assertEquals(0, number(other, "usage").signum(), "a key billing names no spend for has none");
        assertEquals(new BigDecimal("2.5"), number(other, "limit_remaining"));

        // an older message (lower sequence) arriving late changes nothing: once another account's later message on
        // the (single-partition, broker-created) test topic shows, the older one has been consumed
        publish(a.id(), usageMessage(a.id(), today, 6, apiKeyId(used), "1", "1", "1", "1", "0", "0", "0", "0"));
        Api.Account b = Api.newAccount();
        String marker = Api.newApiKey(b, "marker")[0];
        publish(b.id(), usageMessage(b.id(), today, 1, apiKeyId(marker), "1", "1", "1", "1", "0", "0", "0", "0"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> number(listed(b, marker), "usage").signum() > 0);
        assertEquals(new BigDecimal("4.125"), number(listed(a, used), "usage"));
        // a newer one replaces the figures
        publish(a.id(), usageMessage(a.id(), today, 8, apiKeyId(used), "9", "9", "9", "9", "0", "0", "0", "0"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> number(listed(a, used), "usage").compareTo(new BigDecimal("9")) == 0);
        assertEquals(new BigDecimal("1"), number(listed(a, used), "limit_remaining"));
    }

    @Test
    void figuresComputedBeforeThisMonthShowOnlyTheirAllTimeTotals() {
        Api.Account a = Api.newAccount();
        String hash = a.mgmt().body(Map.of("name", "old", "limit", 1, "limit_reset", "daily")).post("/api/v1/keys")
                .then().statusCode(201).extract().path("data.hash");
        LocalDate lastMonth = LocalDate.now(ZoneOffset.UTC).minusMonths(1).withDayOfMonth(1);
        publish(a.id(), usageMessage(a.id(), lastMonth, 3, apiKeyId(hash), "8", "1", "2", "3", "16", "1", "2", "6"));

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> number(listed(a, hash), "usage").compareTo(new BigDecimal("8")) == 0);
        JsonNode key = listed(a, hash);
        assertEquals(List.of("8", "0", "0", "0", "16", "0", "0", "0"),
                SDK_NUMBERS.stream().map(f -> number(key, f).toPlainString()).toList(),
                "that day, week and month have ended");
        assertEquals(new BigDecimal("1"), number(key, "limit_remaining"), "a new day: the daily limit is whole again");
    }

    @Test
    void creatorUserIdAndExternalUserAreStoredOnCreateAndShownEverywhere() {
        Api.Account a = Api.newAccount();
        Map<String, Object> body = new HashMap<>();
        body.put("name", "for a customer");
        body.put("creator_user_id", "user_2fake0creator");
        body.put("external", Map.of("user", "customer-42"));
        body.put("workspace_id", a.id());
        String hash = a.mgmt().body(body).post("/api/v1/keys").then().statusCode(201)
                .body("data.creator_user_id", equalTo("user_2fake0creator"))
                .body("data.external_user", equalTo("customer-42"))
                .extract().path("data.hash");
        a.mgmt().get("/api/v1/keys/" + hash).then().statusCode(200)
                .body("data.creator_user_id", equalTo("user_2fake0creator"))
                .body("data.external_user", equalTo("customer-42"));
        JsonNode listed = listed(a, hash);
        assertEquals("customer-42", listed.get("external_user").asText());
        a.mgmt().body(Map.of("name", "renamed")).patch("/api/v1/keys/" + hash).then().statusCode(200)
                .body("data.creator_user_id", equalTo("user_2fake0creator"))
                .body("data.external_user", equalTo("customer-42"));
    }

    @Test
    void createRefusesAPartnerSuppliedKeyTooLongOwnerIdsABadExternalObjectAndAnotherWorkspace() {
        Api.Account a = Api.newAccount();
        refused(a, Map.of("name", "k", "external", Map.of("user", "u", "api_key", "partner-fake-key-0000")),
                "'external.api_key' is not supported");
        refused(a, Map.of("name", "k", "external", Map.of("user", "u".repeat(201))),
                "'external.user' must be at most 200 characters");
        refused(a, Map.of("name", "k", "creator_user_id", "c".repeat(201)),
                "'creator_user_id' must be at most 200 characters");
        refused(a, Map.of("name", "k", "creator_user_id", 42), "'creator_user_id' must be a string");
        refused(a, Map.of("name", "k", "external", Map.of()), "'external.user' is required");
        refused(a, Map.of("name", "k", "external", "customer-42"), "'external' must be an object");
        refused(a, Map.of("name", "k", "external", Map.of("user", "u", "email", "x")), "unknown field 'external.email'");
        refused(a, Map.of("name", "k", "workspace_id", java.util.UUID.randomUUID().toString()), "'workspace_id'");
        assertEquals(0, body(a.mgmt().get("/api/v1/keys").then().statusCode(200).extract().response()).get("data")
                .size(), "nothing was created");
        // exactly 200 characters is fine
        a.mgmt().body(Map.of("name", "k", "creator_user_id", "c".repeat(200), "external", Map.of("user", "u".repeat(200))))
                .post("/api/v1/keys").then().statusCode(201);
    }

    static void refused(Api.Account a, Map<String, Object> body, String message) {
        a.mgmt().body(body).post("/api/v1/keys").then().statusCode(400)
                .body("error.code", equalTo(400))
                .body("error.message", containsString(message));
    }
}
