package io.keyway.keys.rest;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.keyway.contracts.Topics;
import io.restassured.path.json.JsonPath;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * last_used_at of API keys and BYOK keys follows the gateway's usage events on the real keyway.usage.v1 topic.
 * Events are re-sent until seen: key-service's consumer starts at the end of the topic once its partitions are
 * assigned, which takes a moment after start.
 */
@QuarkusTest
class LastUsedTests {

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

    static void send(String accountId, String value) {
        try {
            producer.send(new ProducerRecord<>(Topics.USAGE, accountId, value)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String usage(String accountId, String apiKeyId, String byokKeyId, Instant at) {
        return "{\"schema_version\":1,\"event_id\":\"" + UUID.randomUUID() + "\",\"occurred_at\":\"" + at + "\","
                + "\"account_id\":\"" + accountId + "\",\"api_key_id\":" + quoted(apiKeyId) + ",\"model\":\"openai/gpt-4o\","
                + "\"provider\":\"openai\",\"is_byok\":" + (byokKeyId != null) + ",\"byok_key_id\":" + quoted(byokKeyId) + ","
                + "\"prompt_tokens\":10,\"completion_tokens\":5,\"list_cost\":\"0.0001\",\"status\":\"success\","
                + "\"http_status\":200,\"latency_ms\":120,\"streamed\":false,\"attempts\":1}";
    }

    static String quoted(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    static String apiKeyId(String hash) {
        return io.restassured.RestAssured.given().header("Authorization", Api.INTERNAL).get("/internal/v1/api-keys/" + hash)
                .then().statusCode(200).extract().path("api_key_id");
    }

    static String lastUsed(Api.Account a, String path) {
        JsonPath body = a.mgmt().get(path).then().statusCode(200).extract().jsonPath();
        return body.getString("data.last_used_at");
    }

    /** Sends the event again until {@code path} shows a last use (the consumer may not have its partitions yet). */
    static String sendUntilSeen(Api.Account a, String path, String event) {
        String[] seen = new String[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            send(a.id(), event);
            seen[0] = lastUsed(a, path);
            return seen[0] != null;
        });
        return seen[0];
    }

    @Test
    void aUsageEventRecordsTheLastUseOfItsApiKeyAndByokKey() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "used")[0];
        String byok = Api.newByokId(a, "openai", Api.randomToken("sk-used-"));
        a.mgmt().get("/api/v1/keys/" + hash).then().body("data.last_used_at", nullValue());
        a.mgmt().get("/api/v1/byok/" + byok).then().body("data.last_used_at", nullValue());
        Instant at = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);

        sendUntilSeen(a, "/api/v1/keys/" + hash, usage(a.id(), apiKeyId(hash), byok, at));

        assertEquals(at, Instant.parse(lastUsed(a, "/api/v1/keys/" + hash)));
        await().atMost(Duration.ofSeconds(10)).until(() -> lastUsed(a, "/api/v1/byok/" + byok) != null);
        assertEquals(at, Instant.parse(lastUsed(a, "/api/v1/byok/" + byok)));
        // last use is not a configuration change: versions stay as they were
        a.mgmt().get("/api/v1/keys/" + hash).then().body("data.version", equalTo(0));
        a.mgmt().get("/api/v1/byok/" + byok).then().body("data.version", equalTo(0));
    }

    @Test
    void lastUseMovesOnOnlyByMoreThanAMinuteAndNeverIntoTheFuture() {
        Api.Account a = Api.newAccount();
        String hash = Api.newApiKey(a, "busy")[0];
        String id = apiKeyId(hash);
        String marker = Api.newApiKey(a, "marker")[0];
        Instant t0 = Instant.now().minus(30, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        sendUntilSeen(a, "/api/v1/keys/" + hash, usage(a.id(), id, null, t0));

        // 30 s later: within the minute, not written; the marker (same partition, later offset) shows it was consumed
        send(a.id(), usage(a.id(), id, null, t0.plusSeconds(30)));
        sendUntilSeen(a, "/api/v1/keys/" + marker, usage(a.id(), apiKeyId(marker), null, t0));
        assertEquals(t0, Instant.parse(lastUsed(a, "/api/v1/keys/" + hash)));

        // 5 minutes later: written
        send(a.id(), usage(a.id(), id, null, t0.plus(5, ChronoUnit.MINUTES)));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Instant.parse(lastUsed(a, "/api/v1/keys/" + hash)).equals(t0.plus(5, ChronoUnit.MINUTES)));

        // a clock far ahead counts as now
        Instant before = Instant.now();
        send(a.id(), usage(a.id(), id, null, Instant.now().plus(365, ChronoUnit.DAYS)));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Instant.parse(lastUsed(a, "/api/v1/keys/" + hash)).isAfter(before.minusSeconds(1)));
        Instant stored = Instant.parse(lastUsed(a, "/api/v1/keys/" + hash));
        assertNotNull(stored);
        org.junit.jupiter.api.Assertions.assertTrue(stored.isBefore(Instant.now().plusSeconds(5)), "stored a future time");
    }

    @Test
    void anEventNamingAnotherAccountsKeyChangesNothingAndUnreadableEventsAreSkipped() {
        Api.Account a = Api.newAccount();
        Api.Account b = Api.newAccount();
        String bHash = Api.newApiKey(b, "b")[0];
        String bByok = Api.newByokId(b, "openai", Api.randomToken("sk-b-"));
        String aHash = Api.newApiKey(a, "a")[0];
        Instant at = Instant.now().minus(5, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);

        // account A's event naming B's keys, garbage, then A's own event on the same partition
        send(a.id(), usage(a.id(), apiKeyId(bHash), bByok, at));
        send(a.id(), "not json");
        send(a.id(), "{\"account_id\":\"nope\"}");
        sendUntilSeen(a, "/api/v1/keys/" + aHash, usage(a.id(), apiKeyId(aHash), null, at));

        b.mgmt().get("/api/v1/keys/" + bHash).then().body("data.last_used_at", nullValue());
        b.mgmt().get("/api/v1/byok/" + bByok).then().body("data.last_used_at", nullValue());
    }
}
