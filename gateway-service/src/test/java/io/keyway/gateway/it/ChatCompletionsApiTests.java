package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MODEL;
import static io.keyway.gateway.it.KeywayServices.OTHER_MODEL;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.keyway.contracts.Topics;
import io.keyway.contracts.UsageEvent;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The chat completions API end to end: auth, credits, bad input, usage and cost, events, generation, SDK. */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class ChatCompletionsApiTests extends GatewayE2E {

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @TestHTTPResource("/api/v1")
    URL apiBase;

    @Test
    void pooledCompletionChargesListCostAndNamesItsProvider() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        seed.pooled(CHEAP, secret("ok"));
        // 10 prompt × 0.000001 + 5 completion × 0.000002 = 0.00002
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .body("id", startsWith("gen-"))
                .body("model", equalTo(MODEL))
                .body("provider", equalTo("Cheap stand-in"))
                .body("choices[0].message.content", equalTo("Hello from the stand-in"))
                .body("usage.prompt_tokens", equalTo(10))
                .body("usage.completion_tokens", equalTo(5))
                .body("usage.total_tokens", equalTo(15))
                .body("usage.cost", equalTo(0.00002f))
                .body("usage.is_byok", equalTo(false))
                .body("usage.cost_details.upstream_inference_cost", equalTo(0.00002f));
        assertEquals("alpha-cheap", KeywayServices.upstream.calls().get(0).model());
    }

    @Test
    void byokCompletionInsideTheMonthlyAllowanceCostsNothingButReportsUpstreamCost() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        chat(key[0], body(OTHER_MODEL)).then().statusCode(200)
                .body("usage.is_byok", equalTo(true))
                .body("usage.cost", equalTo(0))
                // 10 × 0.000003 + 5 × 0.000004 + 0.0001 per request = 0.00015
                .body("usage.cost_details.upstream_inference_cost", equalTo(0.00015f));
    }

    @Test
    void streamedCompletionAsksUpstreamForUsageAndSendsItWithCostInTheLastChunk() throws Exception {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        seed.pooled(CHEAP, secret("ok"));
        String sse = chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP))))
                .then().statusCode(200).header("Content-Type", startsWith("text/event-stream")).extract().asString();
        assertTrue(KeywayServices.upstream.calls().get(0).includeUsage());
        List<JsonNode> chunks = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                chunks.add(json.readTree(line.substring(6)));
            }
        }
        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals(0, last.get("choices").size());
        assertEquals(10, last.at("/usage/prompt_tokens").asInt());
        assertEquals(0, new BigDecimal("0.00002").compareTo(new BigDecimal(last.at("/usage/cost").asText())),
                () -> "cost " + last.at("/usage/cost"));
        String id = chunks.get(0).get("id").asText();
        assertTrue(chunks.stream().allMatch(c -> c.get("id").asText().equals(id) && c.get("provider").asText()
                .equals("Cheap stand-in")));
        assertTrue(sse.trim().endsWith("data: [DONE]"));
    }

    @Test
    void abortedStreamIsStillMeteredWithTheUpstreamsTokenCounts() throws Exception {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        seed.pooled(CHEAP, secret("slowstream200"));
        var connection = (java.net.HttpURLConnection) new URL(apiBase + "/chat/completions").openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Authorization", "Bearer " + key[0].key());
        connection.setRequestProperty("Content-Type", "application/json");
        connection.getOutputStream().write(json.writeValueAsBytes(body(MODEL, "stream", true)));
        String id;
        var reader = new java.io.BufferedReader(new java.io.InputStreamReader(connection.getInputStream()));
        String line;
        while ((line = reader.readLine()) != null && !line.startsWith("data: ")) {
            // skip to the first event
        }
        assertNotNull(line, "no event before the end of the stream");
        id = json.readTree(line.substring(6)).get("id").asText();
        connection.disconnect(); // the client goes away after the first event
        await().atMost(Duration.ofSeconds(15)).until(() -> given().header("Authorization", "Bearer " + key[0].key())
                .get("/api/v1/generation?id=" + id).statusCode() == 200);
        given().header("Authorization", "Bearer " + key[0].key()).get("/api/v1/generation?id=" + id).then()
                .body("data.cancelled", equalTo(true))
                .body("data.streamed", equalTo(true))
                .body("data.tokens_prompt", equalTo(10))
                .body("data.tokens_completion", equalTo(5));
    }

    @Test
    void unknownApiKeyIs401() {
        given().header("Authorization", "Bearer sk-kw-v1-" + "0".repeat(64)).contentType(ContentType.JSON)
                .body(body(MODEL)).post("/api/v1/chat/completions").then().statusCode(401)
                .body("error.code", equalTo(401));
        given().contentType(ContentType.JSON).body(body(MODEL)).post("/api/v1/chat/completions").then()
                .statusCode(401).body("error.message", containsString("Authorization"));
    }

    @Test
    void managementKeyCannotCallInference() {
        var account = seed.account();
        given().header("Authorization", "Bearer " + account.managementKey()).contentType(ContentType.JSON)
                .body(body(MODEL)).post("/api/v1/chat/completions").then().statusCode(401);
    }

    @Test
    void disablingAnApiKeyTakesEffectThroughTheChangeFeed() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key); // the key is now cached as valid
        seed.patchApiKey(account, key[0].hash(), Map.of("disabled", true));
        await().atMost(Duration.ofSeconds(15)).until(() -> chat(key[0], body(MODEL)).statusCode() == 401);
    }

    @Test
    void accountWithoutCreditsGets402WithLimitSource() {
        var account = seed.account();
        var key = seed.apiKey(account);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        chat(key, body(MODEL)).then().statusCode(402)
                .body("error.code", equalTo(402))
                .body("error.message", containsString("Insufficient credits"))
                .body("error.metadata.limit_source", equalTo("openrouter_credits"));
        assertTrue(called().isEmpty());
    }

    @Test
    void malformedJsonIs400NamingTheProblem() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        chat(key[0], "{\"model\": ").then().statusCode(400)
                .body("error.message", containsString("not valid JSON"));
    }

    @Test
    void missingModelIs400() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        chat(key[0], Map.of("messages", List.of(Map.of("role", "user", "content", "hi")))).then().statusCode(400)
                .body("error.message", equalTo("model is required"));
    }

    @Test
    void unknownModelIs400NamingTheModel() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        chat(key[0], body("nobody/nothing")).then().statusCode(400)
                .body("error.message", equalTo("nobody/nothing is not a valid model ID"));
    }

    @Test
    void wrongTypesAre400NamingTheField() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        chat(key[0], body(MODEL, "temperature", "hot")).then().statusCode(400)
                .body("error.message", equalTo("temperature must be a number"));
        chat(key[0], body(MODEL, "messages", "hello")).then().statusCode(400)
                .body("error.message", equalTo("messages must be a non-empty array"));
        chat(key[0], body(MODEL, "provider", Map.of("only", "x"))).then().statusCode(400)
                .body("error.message", equalTo("provider.only must be an array of strings"));
        chat(key[0], body(MODEL, "stream", "yes")).then().statusCode(400)
                .body("error.message", equalTo("stream must be a boolean"));
        assertTrue(called().isEmpty());
    }

    @Test
    void oversizedBodyIs413NamingTheLimit() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        chat(key[0], body(MODEL, "padding", "x".repeat(4_200_000))).then().statusCode(413)
                .body("error.code", equalTo(413))
                .body("error.message", containsString("larger than 4194304 bytes"));
    }

    @Test
    void generationShowsEveryAttemptWithCredentialKindStatusAndLatency() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String failing = secret("status503");
        String byokId = seed.byok(account, CHEAP, failing, Map.of());
        seed.pooled(CHEAP, secret("ok"));
        String id = chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .extract().path("id");
        given().header("Authorization", "Bearer " + key[0].key()).get("/api/v1/generation?id=" + id).then()
                .statusCode(200)
                .body("data.id", equalTo(id))
                .body("data.provider_name", equalTo("Cheap stand-in"))
                .body("data.provider_responses", hasSize(2))
                .body("data.provider_responses[0].credential", equalTo("byok_prioritized"))
                .body("data.provider_responses[0].byok_key_id", equalTo(byokId))
                .body("data.provider_responses[0].status", equalTo(503))
                .body("data.provider_responses[1].credential", equalTo("pooled"))
                .body("data.provider_responses[1].status", equalTo(200));
    }

    @Test
    void keyEndpointDescribesTheCallingKey() {
        var account = seed.account();
        var key = seed.apiKey(account, Map.of("limit", 5, "limit_reset", "monthly"));
        given().header("Authorization", "Bearer " + key.key()).get("/api/v1/key").then().statusCode(200)
                .body("data.limit", equalTo(5.0f))
                .body("data.limit_reset", equalTo("monthly"))
                .body("data.is_management_key", equalTo(false))
                .body("data.label", startsWith("sk-kw-v1-"));
    }

    @Test
    void everyRequestPublishesAUsageEventThatValidatesAgainstItsSchema() throws Exception {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.pooled(CHEAP, secret("ok"));
        try (var consumer = new KafkaConsumer<String, String>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "gateway-it-" + UUID.randomUUID()),
                new StringDeserializer(), new StringDeserializer())) {
            var partitions = consumer.partitionsFor(Topics.USAGE).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);

            String id = chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                    .extract().path("id");
            String eventId = id.substring(4);
            JsonNode event = null;
            String recordKey = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (event == null && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value().contains(eventId)) {
                        event = json.readTree(r.value());
                        recordKey = r.key();
                    }
                }
            }
            assertNotNull(event, "no usage event for " + id);
            assertEquals(account.id(), recordKey);
            var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
                    UsageEvent.class.getClassLoader().getResourceAsStream(UsageEvent.SCHEMA_RESOURCE),
                    SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
            var errors = schema.validate(event);
            assertTrue(errors.isEmpty(), () -> "schema violations: " + errors);
            assertEquals("0.00002", event.get("list_cost").asText());
            assertEquals(CHEAP, event.get("provider").asText());
            assertEquals(key[0].id(), event.get("api_key_id").asText());
            assertEquals("success", event.get("status").asText());
        }
    }

    @Test
    void officialOpenAiSdkGetsPlainAndStreamedCompletions() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        seed.pooled(CHEAP, secret("ok"));
        OpenAIClient client = OpenAIOkHttpClient.builder().apiKey(key[0].key()).baseUrl(apiBase.toString()).build();
        try {
            var params = ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("Say hello").build();
            ChatCompletion completion = client.chat().completions().create(params);
            assertEquals("Hello from the stand-in", completion.choices().get(0).message().content().orElseThrow());
            assertEquals(15L, completion.usage().orElseThrow().totalTokens());

            StringBuilder text = new StringBuilder();
            long[] totalTokens = {0};
            try (var stream = client.chat().completions().createStreaming(params)) {
                stream.stream().forEach((ChatCompletionChunk chunk) -> {
                    chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
                    chunk.usage().ifPresent(u -> totalTokens[0] = u.totalTokens());
                });
            }
            assertEquals("Hello from the stand-in", text.toString());
            assertEquals(15L, totalTokens[0]);
        } finally {
            client.close();
        }
    }
}
