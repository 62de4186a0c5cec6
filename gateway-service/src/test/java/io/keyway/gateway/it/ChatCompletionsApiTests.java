package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CHEAP;
import static io.keyway.gateway.it.KeywayServices.MID;
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
import io.keyway.gateway.client.KeyServiceClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
        String answer = chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                .body("id", startsWith("gen-"))
                .body("model", equalTo(MODEL))
                .body("provider", equalTo("Cheap stand-in"))
                .body("choices[0].message.content", equalTo("Hello from the stand-in"))
                .body("usage.prompt_tokens", equalTo(10))
                .body("usage.completion_tokens", equalTo(5))
                .body("usage.total_tokens", equalTo(15))
                .body("usage.cost", equalTo(0.00002f))
                .body("usage.is_byok", equalTo(false))
                .body("usage.cost_details.upstream_inference_cost", equalTo(0.00002f)).extract().asString();
        Answers.completion(answer);
        assertEquals("alpha-cheap", KeywayServices.upstream.calls().get(0).model());
    }

    @Test
    void answersOfAnUpstreamThatOmitsSystemFingerprintRoleAndUsageAreStillOpenRouterComplete() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        seed.pooled(CHEAP, secret("bare"));
        JsonNode answer = Answers.completion(chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP))))
                .then().statusCode(200).extract().asString());
        assertTrue(answer.has("system_fingerprint") && answer.get("system_fingerprint").isNull(), answer::toString);
        assertEquals("bare answer", answer.at("/choices/0/message/content").asText());
        assertEquals(0, answer.at("/usage/prompt_tokens").asInt(-1), "no usage reported: zero tokens, not an estimate");
        assertEquals(MODEL, answer.get("model").asText());
        assertEquals("Cheap stand-in", answer.get("provider").asText());

        List<JsonNode> chunks = Answers.chunks(chat(key[0], body(MODEL, "stream", true, "provider",
                Map.of("only", List.of(CHEAP)))).then().statusCode(200).extract().asString());
        assertEquals("", chunks.get(0).at("/choices/0/delta/content").asText(), "Keyway's own role chunk");
        assertEquals("bare answer", Answers.text(chunks));
        assertEquals(0, Answers.usage(chunks).get("completion_tokens").asInt(-1));
        assertTrue(chunks.stream().noneMatch(c -> c.has("system_fingerprint")),
                "a chunk carries no null system_fingerprint (OpenRouter's chunk takes a string or nothing)");
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
    void byokCompletionIsReportedOnTheAccountsNegotiatedFeeTermsThatBillingPublishes() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        chat(key[0], body(OTHER_MODEL)).then().statusCode(200).body("usage.cost", equalTo(0));
        // A deal without free requests at 2 %: billing publishes the account's state with its terms; the gateway
        // reports 2 % of the list cost (0.00015) from then on, as billing charges it, with no call on the request path.
        seed.feeSchedule(account, Map.of("byok_free_requests", 0, "byok_fee_rate", "0.02"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> new BigDecimal("0.000003")
                .compareTo(new BigDecimal(chat(key[0], body(OTHER_MODEL)).then().statusCode(200).extract().jsonPath()
                        .getString("usage.cost"))) == 0);
    }

    @Test
    void streamedCompletionAsksUpstreamForUsageAndSendsItWithCostInTheLastChunk() throws Exception {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        seed.pooled(CHEAP, secret("ok"));
        String sse = chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP))))
                .then().statusCode(200).header("Content-Type", startsWith("text/event-stream")).extract().asString();
        assertTrue(KeywayServices.upstream.calls().get(0).includeUsage());
        List<JsonNode> chunks = Answers.chunks(sse);
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
    void streamEventsCutAcrossUpstreamReadsReachTheClientWhole() throws Exception {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        seed.pooled(CHEAP, secret("splitstream"));
        String sse = new String(chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP))))
                .then().statusCode(200).extract().asByteArray(), java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder text = new StringBuilder();
        List<JsonNode> chunks = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                JsonNode chunk = json.readTree(line.substring(6));
                chunks.add(chunk);
                text.append(chunk.at("/choices/0/delta/content").asText(""));
            }
        }
        assertEquals(UpstreamStandIn.SPLIT_TEXT, text.toString());
        assertEquals("stop", chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText());
        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals(10, last.at("/usage/prompt_tokens").asInt());
        assertEquals(5, last.at("/usage/completion_tokens").asInt());
        assertTrue(sse.trim().endsWith("data: [DONE]"));
    }

    /**
     * A client that goes away after the first event: the upstream exchange is ended at once (issue 16; before, the
     * gateway read the stream to its end for the upstream's counts), and what was delivered is metered — estimated, as
     * this upstream reports usage only at its end (AbortsE2ETests has the timing and backpressure cases).
     */
    @Test
    void abortedStreamIsMeteredForWhatWasDeliveredAndPublishedAsCutByTheClient() throws Exception {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        seed.pooled(CHEAP, secret("slowstream200"));
        UsageTopic topic = new UsageTopic(bootstrap);
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
                .body("data.tokens_prompt", equalTo(3)); // ceil(9 characters of "Say hello" / 4)
        try (topic) {
            JsonNode event = json.readTree(topic.await(id.substring(4)).value());
            assertEquals("success", event.get("status").asText());
            assertTrue(event.get("streamed").asBoolean());
            assertEquals("client", event.get("interrupted").asText());
            assertTrue(event.get("tokens_estimated").asBoolean());
            assertEquals(3, event.get("prompt_tokens").asInt());
            assertTrue(event.get("completion_tokens").asInt() < UpstreamStandIn.COMPLETION_TOKENS,
                    "only what was relayed before the client left: " + event);
        }
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
    void accountWithoutCreditsGets402WithLimitSourceForByokRequestsToo() {
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
    void keyEndpointReportsTheKeysChargesAndByokListCostPerDayWeekMonthAndAllTimeFromBilling() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.pooled(CHEAP, secret("ok"));
        chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200); // 0.00002
        seed.byok(account, CHEAP, secret("ok"), Map.of());
        chat(key[0], body(OTHER_MODEL)).then().statusCode(200).body("usage.is_byok", equalTo(true)); // list 0.00015
        // billing-service applies the two usage events from Kafka; /key asks billing's internal API
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> given()
                .header("Authorization", "Bearer " + key[0].key()).get("/api/v1/key").then().statusCode(200)
                .extract().jsonPath().getDouble("data.byok_usage") > 0);
        var data = given().header("Authorization", "Bearer " + key[0].key()).get("/api/v1/key").then()
                .statusCode(200).extract().jsonPath();
        for (String period : List.of("", "_daily", "_weekly", "_monthly")) {
            assertEquals(0, new BigDecimal("0.00002").compareTo(new BigDecimal(data.getString("data.usage" + period))),
                    "usage" + period + ": the pooled request's list cost; the BYOK one was free");
            assertEquals(0, new BigDecimal("0.00015").compareTo(
                    new BigDecimal(data.getString("data.byok_usage" + period))), "byok_usage" + period);
        }
    }

    @Test
    void everyProducedUsageEventIsKeyedByAccountAndValidatesAgainstItsSchema() throws Exception {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.pooled(CHEAP, secret("ok"));
        seed.pooled(MID, secret("status502"));
        var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
                UsageEvent.class.getClassLoader().getResourceAsStream(UsageEvent.SCHEMA_RESOURCE),
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        try (UsageTopic topic = new UsageTopic(bootstrap)) {
            String id = chat(key[0], body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).then().statusCode(200)
                    .extract().path("id");
            chat(key[0], body(MODEL, "stream", true, "provider", Map.of("only", List.of(CHEAP))))
                    .then().statusCode(200);
            chat(key[0], body(MODEL, "provider", Map.of("only", List.of(MID)))).then().statusCode(502);
            List<ConsumerRecord<String, String>> records = topic.awaitForAccount(account.id(), 3);
            List<String> statuses = new ArrayList<>();
            for (var record : records) {
                assertEquals(account.id(), record.key(), "keyed by account");
                JsonNode event = json.readTree(record.value());
                var errors = schema.validate(event);
                assertTrue(errors.isEmpty(), () -> "schema violations: " + errors + " in " + record.value());
                statuses.add(event.get("status").asText() + (event.get("streamed").asBoolean() ? "/streamed" : ""));
            }
            assertEquals(List.of("success", "success/streamed", "error"), statuses);
            JsonNode first = json.readTree(records.get(0).value());
            assertEquals(id.substring(4), first.get("event_id").asText());
            assertEquals("0.00002", first.get("list_cost").asText());
            assertEquals(CHEAP, first.get("provider").asText());
            assertEquals(key[0].id(), first.get("api_key_id").asText());
            JsonNode failed = json.readTree(records.get(2).value());
            assertEquals(502, failed.get("http_status").asInt());
            assertEquals(0, new BigDecimal(failed.get("list_cost").asText()).signum(), "failures are not billed");
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

    @Test
    void disabledApiKeyIs401() {
        var account = seed.account();
        var key = seed.apiKey(account);
        seed.topUp(account, "1.00");
        seed.patchApiKey(account, key.hash(), Map.of("disabled", true));
        chat(key, body(MODEL)).then().statusCode(401)
                .body("error.code", equalTo(401))
                .body("error.message", equalTo("API key is disabled"));
        assertTrue(called().isEmpty());
    }

    @Test
    void apiKeyPastItsExpiresAtIs401EvenWhileItsResolutionIsCached() {
        var account = seed.account();
        var key = seed.apiKey(account, Map.of("expires_at", java.time.Instant.now().plusSeconds(8).toString()));
        seed.topUp(account, "10.00");
        seed.pooled(CHEAP, secret("ok"));
        await().atMost(Duration.ofSeconds(7)).pollInterval(Duration.ofMillis(100)).until(() ->
                chat(key, body(MODEL, "provider", Map.of("only", List.of(CHEAP)))).statusCode() == 200);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() ->
                chat(key, body(MODEL)).statusCode() == 401);
        chat(key, body(MODEL)).then().statusCode(401).body("error.message", equalTo("API key has expired"));
    }

    @Test
    void apiKeyThatReachedItsSpendLimitGets402WithKeyLimitSource() {
        var account = seed.account();
        var key = seed.apiKey(account, Map.of("limit", new BigDecimal("0.00001")));
        seed.topUp(account, "10.00");
        seed.pooled(CHEAP, secret("ok"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                given().header("Authorization", "Bearer " + key.key()).get("/api/v1/key")
                        .then().extract().jsonPath().getDouble("data.account_balance") > 0);
        // a worst case within the limit (about 6 prompt tokens and 1 completion token reserved); the stand-in's answer
        // costs 0.00002 all the same: over the key's limit once billing has counted it
        var only = body(MODEL, "provider", Map.of("only", List.of(CHEAP)), "max_tokens", 1);
        chat(key, only).then().statusCode(200);
        // billing-service → keyway.account-state.v1 → the gateway's in-memory state; no call on the request path.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> chat(key, only).statusCode() == 402);
        chat(key, only).then().statusCode(402)
                .body("error.metadata.limit_source", equalTo("openrouter_key_limit"));
    }

    @Inject
    MeterRegistry registry;

    double keyServiceCalls() {
        return registry.find(KeyServiceClient.REQUESTS_METRIC).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void warmRequestMakesNoNetworkCallButTheUpstreamOne() {
        var key = new Seed.ApiKey[1];
        fundedAccount(key);
        seed.pooled(CHEAP, secret("ok"));
        var only = body(MODEL, "provider", Map.of("only", List.of(CHEAP)));
        // Credits come from billing's topic and are never asked for; the API key and the routing view are cached
        // after the first request (a change event, e.g. for the pooled credential just added, may drop the view once).
        // With the caches warm a request calls key-service zero times and the upstream exactly once.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
            double before = keyServiceCalls();
            int upstreamBefore = called().size();
            chat(key[0], only).then().statusCode(200);
            return keyServiceCalls() == before && called().size() == upstreamBefore + 1;
        });
        assertTrue(keyServiceCalls() > 0, "the first requests did ask key-service (the counter counts)");
    }

    /** A consumer of keyway.usage.v1 positioned at its end when created, before the request under test. */
    static final class UsageTopic implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;

        UsageTopic(String bootstrap) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "gateway-it-" + UUID.randomUUID()),
                    new StringDeserializer(), new StringDeserializer());
            var partitions = consumer.partitionsFor(Topics.USAGE).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // fix the start now
        }

        ConsumerRecord<String, String> await(String eventId) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value().contains(eventId)) {
                        return r;
                    }
                }
            }
            throw new AssertionError("no usage event " + eventId + " on " + Topics.USAGE + " within 30 s");
        }

        /** The first {@code count} events keyed by the account, in their (per-account) order. */
        List<ConsumerRecord<String, String>> awaitForAccount(String accountId, int count) {
            List<ConsumerRecord<String, String>> found = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (found.size() < count && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    if (accountId.equals(r.key())) {
                        found.add(r);
                    }
                }
            }
            assertEquals(count, found.size(), "usage events of account " + accountId);
            return found.subList(0, count);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
