package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.ANTHROPIC;
import static io.keyway.gateway.it.KeywayServices.CLAUDE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.gateway.standin.AnthropicStandIn;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The anthropic adapter end to end: BYOK keys created through key-service, requests through the gateway to the
 * Anthropic stand-in (itself checked by Anthropic's SDK), answers held to OpenRouter's schemas.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class AnthropicE2ETests extends GatewayE2E {

    static final List<Map<String, Object>> WEATHER_TOOL = List.of(Map.of("type", "function", "function", Map.of(
            "name", "get_weather", "description", "Weather of a city",
            "parameters", Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string")),
                    "required", List.of("city")))));

    @BeforeEach
    void resetAnthropic() {
        KeywayServices.anthropic.reset();
    }

    private Seed.ApiKey accountWithKeys(String... behaviours) {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        for (int i = 0; i < behaviours.length; i++) {
            seed.byok(account, ANTHROPIC, secret(behaviours[i]), Map.of());
        }
        return key[0];
    }

    private static List<String> behavioursCalled() {
        return KeywayServices.anthropic.calls().stream().map(c -> c.apiKey().substring(0, c.apiKey().indexOf('-')))
                .toList();
    }

    @Test
    void plainAnswerIsTranslatedFromTheMessagesApiWithCachedTokensAndByokCost() {
        var key = accountWithKeys("ok");
        JsonNode answer = Answers.completion(chat(key, Map.of("model", CLAUDE, "messages", List.of(
                Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Say hello")))).then().statusCode(200).extract().asString());
        assertEquals(AnthropicStandIn.TEXT, answer.at("/choices/0/message/content").asText());
        assertEquals("stop", answer.at("/choices/0/finish_reason").asText());
        assertEquals(CLAUDE, answer.get("model").asText());
        assertTrue(answer.get("system_fingerprint").isNull());
        // prompt = input 10 + cache read 3 + cache write 2
        assertEquals(15, answer.at("/usage/prompt_tokens").asInt());
        assertEquals(5, answer.at("/usage/completion_tokens").asInt());
        assertEquals(3, answer.at("/usage/prompt_tokens_details/cached_tokens").asInt());
        assertEquals(2, answer.at("/usage/prompt_tokens_details/cache_write_tokens").asInt());
        assertTrue(answer.at("/usage/is_byok").asBoolean());
        assertEquals(0, answer.at("/usage/cost").asDouble());
        // 15 × 0.000003 + 5 × 0.000015
        assertEquals(0, new BigDecimal("0.00012").compareTo(answer.at("/usage/cost_details/upstream_inference_cost")
                .decimalValue()));

        var call = KeywayServices.anthropic.lastCall();
        assertEquals("/v1/messages", call.path());
        assertEquals("2023-06-01", call.anthropicVersion());
        assertEquals("claude-sonnet-4-20250514", Answers.read(call.body().encode()).get("model").asText());
        assertEquals("Be brief.", Answers.read(call.body().encode()).at("/system/0/text").asText(), "the system prompt is lifted out");
        assertEquals(1, Answers.read(call.body().encode()).get("messages").size());
        assertEquals(64000, Answers.read(call.body().encode()).get("max_tokens").asInt(), "max_tokens from the catalog");
    }

    @Test
    void streamedAnswerBecomesChunksWithTheRoleFirstAndUsageLast() {
        var key = accountWithKeys("ok");
        List<JsonNode> chunks = Answers.chunks(chat(key, body(CLAUDE, "stream", true)).then().statusCode(200)
                .extract().asString());
        assertEquals(AnthropicStandIn.TEXT, Answers.text(chunks));
        assertTrue(chunks.stream().anyMatch(c -> "stop".equals(c.at("/choices/0/finish_reason").asText(null))));
        JsonNode usage = Answers.usage(chunks);
        assertEquals(15, usage.get("prompt_tokens").asInt());
        assertEquals(5, usage.get("completion_tokens").asInt());
        assertTrue(Answers.read(KeywayServices.anthropic.lastCall().body().encode()).get("stream").asBoolean());
    }

    @Test
    void toolCallRoundTripGoesBothWays() {
        var key = accountWithKeys("tooluse");
        JsonNode first = Answers.completion(chat(key, body(CLAUDE, "tools", WEATHER_TOOL)).then().statusCode(200)
                .extract().asString());
        assertEquals("tool_calls", first.at("/choices/0/finish_reason").asText());
        JsonNode call = first.at("/choices/0/message/tool_calls/0");
        assertEquals("get_weather", call.at("/function/name").asText());
        assertEquals("Paris", Answers.read(call.at("/function/arguments").asText()).get("city").asText());
        assertEquals("get_weather", Answers.read(KeywayServices.anthropic.lastCall().body().encode()).at("/tools/0/name").asText());

        JsonNode second = Answers.completion(chat(key, Map.of("model", CLAUDE, "tools", WEATHER_TOOL, "messages", List.of(
                Map.of("role", "user", "content", "Weather in Paris?"),
                Map.of("role", "assistant", "content", "", "tool_calls", List.of(Map.of("id", call.get("id").asText(),
                        "type", "function", "function", Map.of("name", "get_weather",
                                "arguments", call.at("/function/arguments").asText())))),
                Map.of("role", "tool", "tool_call_id", call.get("id").asText(), "content", "18 degrees and sunny"))))
                .then().statusCode(200).extract().asString());
        assertTrue(second.at("/choices/0/message/content").asText().contains("18 degrees and sunny"), second::toString);
        JsonNode sent = Answers.read(KeywayServices.anthropic.lastCall().body().encode()).get("messages");
        assertEquals("tool_use", sent.at("/1/content/0/type").asText());
        assertEquals("tool_result", sent.at("/2/content/0/type").asText());
        assertEquals(call.get("id").asText(), sent.at("/2/content/0/tool_use_id").asText());
    }

    @Test
    void streamedToolCallArgumentsArriveAsDeltas() {
        var key = accountWithKeys("tooluse");
        List<JsonNode> chunks = Answers.chunks(chat(key, body(CLAUDE, "stream", true, "tools", WEATHER_TOOL))
                .then().statusCode(200).extract().asString());
        StringBuilder arguments = new StringBuilder();
        String name = null;
        for (JsonNode c : chunks) {
            JsonNode tc = c.at("/choices/0/delta/tool_calls/0");
            if (!tc.isMissingNode()) {
                name = tc.at("/function/name").asText(name);
                arguments.append(tc.at("/function/arguments").asText(""));
            }
        }
        assertEquals("get_weather", name);
        assertEquals("Paris", Answers.read(arguments.toString()).get("city").asText());
        assertTrue(chunks.stream().anyMatch(c -> "tool_calls".equals(c.at("/choices/0/finish_reason").asText(null))));
    }

    @Test
    void overloadedRateLimitedInvalidAndOutOfCreditKeysFallBackToTheNextKey() {
        // DESIGN.md §2: 529 overloaded, 429, 401, 403 and "credit balance is too low" (a 400) are retryable
        for (String failing : List.of("status529", "status429", "status401", "status403", "credit", "status500")) {
            KeywayServices.anthropic.reset();
            var key = accountWithKeys(failing, "ok");
            JsonNode answer = Answers.completion(chat(key, body(CLAUDE)).then().statusCode(200).extract().asString());
            assertEquals(AnthropicStandIn.TEXT, answer.at("/choices/0/message/content").asText());
            assertEquals(List.of(failing, "ok"), behavioursCalled());
        }
    }

    @Test
    void anInvalidRequestIsReturnedAtOnceWithoutTryingAnotherKey() {
        var key = accountWithKeys("status400", "ok");
        chat(key, body(CLAUDE)).then().statusCode(400)
                .body("error.code", org.hamcrest.Matchers.equalTo(400))
                .body("error.metadata.provider_name", org.hamcrest.Matchers.equalTo("Anthropic stand-in"))
                .body("error.metadata.is_byok", org.hamcrest.Matchers.equalTo(true));
        assertEquals(List.of("status400"), behavioursCalled());
    }

    @Test
    void anErrorEventAfterTheAnswerBeganEndsTheStreamWithAnErrorChunk() {
        var key = accountWithKeys("midstream", "ok");
        String sse = chat(key, body(CLAUDE, "stream", true)).then().statusCode(200).extract().asString();
        List<JsonNode> chunks = Answers.chunks(sse);
        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals("error", last.at("/choices/0/finish_reason").asText());
        assertEquals(502, last.at("/error/code").asInt());
        assertTrue(last.at("/error/metadata/raw").asText().contains("overloaded_error"), last::toString);
        assertEquals(List.of("midstream"), behavioursCalled(), "no fallback after the first byte");
    }

    @Test
    void theKeyNeverAppearsInAnErrorTheClientSees() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        String secret = secret("status401");
        seed.byok(account, ANTHROPIC, secret, Map.of());
        String body = chat(key[0], body(CLAUDE)).then().statusCode(401).extract().asString();
        assertFalse(body.contains(secret.substring(10)), body);
    }

    @Test
    void generationCarriesOpenRoutersWholeObjectWithTheProvidersNativeFinishReasonAndAttribution() {
        var key = accountWithKeys("ok");
        for (boolean stream : new boolean[] {false, true}) {
            String answer = io.restassured.RestAssured.given().header("Authorization", "Bearer " + key.key())
                    .header("HTTP-Referer", "https://app.example.test/chat").contentType(io.restassured.http.ContentType.JSON)
                    .body(Map.of("model", CLAUDE, "user", "end-user-7", "stream", stream,
                            "messages", List.of(Map.of("role", "user", "content", "Say hello"))))
                    .post("/api/v1/chat/completions").then().statusCode(200).extract().asString();
            String id = stream ? Answers.read(answer.lines().filter(l -> l.startsWith("data: {")).findFirst()
                    .orElseThrow().substring(6)).get("id").asText() : Answers.read(answer).get("id").asText();
            JsonNode g = Answers.read(io.restassured.RestAssured.given().header("Authorization", "Bearer " + key.key())
                    .get("/api/v1/generation?id=" + id).then().statusCode(200).extract().asString()).get("data");
            assertEquals("stop", g.get("finish_reason").asText(), "OpenAI's word");
            assertEquals("end_turn", g.get("native_finish_reason").asText(), "Anthropic's own stop_reason");
            assertEquals("end-user-7", g.get("external_user").asText());
            assertEquals("https://app.example.test/chat", g.get("http_referer").asText());
            assertEquals("completions", g.get("api_type").asText());
            assertEquals("global", g.get("data_region").asText());
            assertEquals(3, g.get("native_tokens_cached").asInt());
            assertEquals(stream, g.get("streamed").asBoolean());
            for (String member : List.of("cache_discount", "app_id", "moderation_latency", "upstream_id", "workspace_id")) {
                assertTrue(g.has(member) && g.get(member).isNull(), member + " is present and null");
            }
        }
    }
}
