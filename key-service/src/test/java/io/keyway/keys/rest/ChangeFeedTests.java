package io.keyway.keys.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.keyway.contracts.KeyChange;
import io.keyway.contracts.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Every committed change is announced on keyway.key-changes.v1, keyed by account, valid against its JSON Schema. */
@QuarkusTest
class ChangeFeedTests {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonSchema schema() throws Exception {
        var config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        InputStream in = KeyChange.class.getClassLoader().getResourceAsStream(KeyChange.SCHEMA_RESOURCE);
        if (in == null) {
            // contracts built before the schema was added: read it from the source tree beside this module
            in = Files.newInputStream(Path.of("../contracts/src/main/resources", KeyChange.SCHEMA_RESOURCE));
        }
        try (InputStream schema = in) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema, config);
        }
    }

    static KafkaConsumer<String, String> consumerAtEnd() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "key-service-test-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> c = new KafkaConsumer<>(p);
        List<TopicPartition> parts = c.partitionsFor(Topics.KEY_CHANGES).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position); // resolve the end offsets now, before the changes are made
        return c;
    }

    static List<ConsumerRecord<String, String>> await(KafkaConsumer<String, String> c, String key, int count) {
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        Instant deadline = Instant.now().plusSeconds(20);
        while (found.size() < count && Instant.now().isBefore(deadline)) {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                if (key.equals(r.key())) {
                    found.add(r);
                }
            }
        }
        return found;
    }

    @Test
    void everyChangeToAnAccountsKeysAndSettingsIsPublishedKeyedByAccountAndValidAgainstTheSchema() throws Exception {
        JsonSchema schema = schema();
        try (KafkaConsumer<String, String> consumer = consumerAtEnd()) {
            Api.Account a = Api.newAccount();
            String[] apiKey = Api.newApiKey(a, "feed");
            String secret = Api.randomToken("sk-feed-");
            String byok = Api.newByokId(a, "openai", secret);
            a.mgmt().body(Map.of("name", "renamed")).patch("/api/v1/byok/" + byok).then().statusCode(200);
            a.mgmt().body(Map.of("key", Api.randomToken("sk-rot-"))).post("/api/v1/byok/" + byok + "/rotate").then().statusCode(200);
            a.mgmt().body(Map.of("byok_precedence", "order_first")).patch("/api/v1/settings").then().statusCode(200);
            a.mgmt().delete("/api/v1/byok/" + byok).then().statusCode(200);

            List<ConsumerRecord<String, String>> records = await(consumer, a.id(), 7);
            List<String> kinds = new ArrayList<>();
            for (ConsumerRecord<String, String> r : records) {
                assertFalse(r.value().contains(secret), "no secret on the change feed");
                assertFalse(r.value().contains(apiKey[1]), "no key material on the change feed");
                JsonNode node = JSON.readTree(r.value());
                assertTrue(schema.validate(node).isEmpty(), () -> schema.validate(node).toString());
                assertEquals(a.id(), node.get("account_id").textValue());
                kinds.add(node.get("kind").textValue() + ":" + (node.get("object_id").isNull() ? "-" : node.get("object_id").textValue()));
            }
            assertEquals(List.of("account:" + a.id(), "api_key:" + records.get(1).value().replaceAll(".*\"object_id\":\"([^\"]+)\".*", "$1"),
                    "byok_key:" + byok, "byok_key:" + byok, "byok_key:" + byok, "settings:-", "byok_key:" + byok), kinds);
            KeyChange apiKeyChange = JSON.findAndRegisterModules().readValue(records.get(1).value(), KeyChange.class);
            assertEquals(apiKey[0], apiKeyChange.apiKeyHash());
        }
    }

    @Test
    void pooledCredentialChangesArePublishedUnderThePlatformKey() throws Exception {
        JsonSchema schema = schema();
        try (KafkaConsumer<String, String> consumer = consumerAtEnd()) {
            String id = RestAssured.given().header("Authorization", Api.ADMIN).contentType(ContentType.JSON)
                    .body(Map.of("provider", "feed-test", "key", Api.randomToken("pool-"))).post("/admin/v1/pooled-credentials")
                    .then().statusCode(201).extract().path("data.id");
            Api.admin().body(Map.of("name", "renamed")).patch("/admin/v1/pooled-credentials/" + id).then().statusCode(200);
            Api.admin().body(Map.of("key", Api.randomToken("pool-rot-"))).post("/admin/v1/pooled-credentials/" + id + "/rotate")
                    .then().statusCode(200);
            RestAssured.given().header("Authorization", Api.ADMIN).delete("/admin/v1/pooled-credentials/" + id)
                    .then().statusCode(200);
            List<ConsumerRecord<String, String>> mine = await(consumer, KeyChange.PLATFORM, 4).stream()
                    .filter(r -> r.value().contains(id)).toList();
            assertEquals(4, mine.size());
            for (ConsumerRecord<String, String> r : mine) {
                JsonNode node = JSON.readTree(r.value());
                assertTrue(schema.validate(node).isEmpty(), () -> schema.validate(node).toString());
                assertEquals("pooled_credential", node.get("kind").textValue());
                assertNull(node.get("api_key_hash").textValue());
            }
        }
    }

    @Test
    void schemaRejectsAChangeCarryingUnknownFieldsOrAMalformedHash() throws Exception {
        JsonSchema schema = schema();
        String ok = "{\"schema_version\":1,\"account_id\":\"" + UUID.randomUUID() + "\",\"kind\":\"api_key\","
                + "\"object_id\":\"x\",\"api_key_hash\":\"" + "a".repeat(64) + "\",\"changed_at\":\"2026-11-22T10:00:00Z\"}";
        assertTrue(schema.validate(JSON.readTree(ok)).isEmpty());
        assertFalse(schema.validate(JSON.readTree(ok.replace("\"kind\"", "\"secret\":\"s\",\"kind\""))).isEmpty());
        assertFalse(schema.validate(JSON.readTree(ok.replace("a".repeat(64), "XYZ"))).isEmpty());
        assertFalse(schema.validate(JSON.readTree(ok.replace("\"kind\":\"api_key\"", "\"kind\":\"pooled_credential\""))).isEmpty());
    }
}
