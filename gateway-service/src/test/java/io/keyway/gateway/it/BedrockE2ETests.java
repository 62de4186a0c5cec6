package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.BEDROCK;
import static io.keyway.gateway.it.KeywayServices.CLAUDE;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.gateway.standin.BedrockStandIn;
import io.keyway.gateway.standin.BedrockStandIn.AuthKind;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The amazon-bedrock adapter end to end: BYOK keys of both Bedrock forms (a Bedrock API key; SigV4 access keys as
 * JSON) created through key-service, requests through the gateway to the Bedrock stand-in (itself checked by the AWS
 * SDK, and checking SigV4 by re-signing), every answer and chunk held to OpenRouter's schemas.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class BedrockE2ETests extends GatewayE2E {

    static final List<Map<String, Object>> WEATHER_TOOL = List.of(Map.of("type", "function", "function", Map.of(
            "name", "get_weather", "description", "Weather of a city",
            "parameters", Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string")),
                    "required", List.of("city")))));
    static final String UPSTREAM_MODEL_PATH = "/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/";
    /** input 10 + cache reads 3 + cache writes 2. */
    static final int PROMPT_TOKENS = BedrockStandIn.INPUT_TOKENS + BedrockStandIn.CACHE_READ_TOKENS
            + BedrockStandIn.CACHE_WRITE_TOKENS;

    /** The two forms of a Bedrock BYOK key (DESIGN.md §3). */
    enum Form {
        API_KEY(AuthKind.BEARER), ACCESS_KEYS(AuthKind.SIGV4);

        final AuthKind auth;

        Form(AuthKind auth) {
            this.auth = auth;
        }

        String secret(String behaviour) {
            return this == API_KEY ? BedrockKeys.apiKey(behaviour) : BedrockKeys.accessKeysJson(behaviour, "us-west-2");
        }
    }

    @BeforeEach
    void resetBedrock() {
        KeywayServices.bedrock.reset();
    }

    private Seed.ApiKey accountWithKeys(Form form, String... behaviours) {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        for (String behaviour : behaviours) {
            seed.byok(account, BEDROCK, form.secret(behaviour), Map.of());
        }
        return key[0];
    }

    private static List<String> behavioursCalled() {
        return KeywayServices.bedrock.calls().stream()
                .map(c -> c.credential().substring(0, c.credential().indexOf('-'))).toList();
    }

    private static BedrockStandIn.Call lastCall() {
        List<BedrockStandIn.Call> calls = KeywayServices.bedrock.calls();
        return calls.get(calls.size() - 1);
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void plainAnswerWithEitherKeyFormCarriesUsageWithCacheTokensAndByokCost(Form form) {
        var key = accountWithKeys(form, "ok");
        JsonNode answer = Answers.completion(chat(key, Map.of("model", CLAUDE, "messages", List.of(
                Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Say hello")))).then().statusCode(200).extract().asString());
        assertEquals(BedrockStandIn.TEXT, answer.at("/choices/0/message/content").asText());
        assertEquals("stop", answer.at("/choices/0/finish_reason").asText());
        assertEquals(CLAUDE, answer.get("model").asText());
        assertEquals("Bedrock stand-in", answer.get("provider").asText());
        assertEquals(PROMPT_TOKENS, answer.at("/usage/prompt_tokens").asInt());
        assertEquals(BedrockStandIn.OUTPUT_TOKENS, answer.at("/usage/completion_tokens").asInt());
        assertEquals(BedrockStandIn.CACHE_READ_TOKENS, answer.at("/usage/prompt_tokens_details/cached_tokens").asInt());
        assertEquals(BedrockStandIn.CACHE_WRITE_TOKENS,
                answer.at("/usage/prompt_tokens_details/cache_write_tokens").asInt());
        assertTrue(answer.at("/usage/is_byok").asBoolean());
        assertEquals(0, answer.at("/usage/cost").asDouble());
        // 15 × 0.000003 + 5 × 0.000015
        assertEquals(0, new BigDecimal("0.00012").compareTo(answer.at("/usage/cost_details/upstream_inference_cost")
                .decimalValue()));

        var call = lastCall();
        assertEquals(form.auth, call.auth());
        assertEquals(UPSTREAM_MODEL_PATH + "converse", call.path());
        if (form == Form.ACCESS_KEYS) {
            assertEquals("us-west-2", call.region(), "signed in the key's own region");
            assertEquals("bedrock", call.service());
        }
        JsonNode sent = Answers.read(call.body().encode());
        assertEquals("Be brief.", sent.at("/system/0/text").asText(), "the system prompt is lifted out");
        assertEquals(64000, sent.at("/inferenceConfig/maxTokens").asInt(), "maxTokens from the catalog");
    }

    @ParameterizedTest
    @EnumSource(Form.class)
    void streamedAnswerWithEitherKeyFormBecomesChunksWithTheRoleFirstAndUsageLast(Form form) {
        var key = accountWithKeys(form, "ok");
        List<JsonNode> chunks = Answers.chunks(chat(key, body(CLAUDE, "stream", true)).then().statusCode(200)
                .extract().asString());
        assertEquals(BedrockStandIn.TEXT, Answers.text(chunks));
        assertTrue(chunks.stream().anyMatch(c -> "stop".equals(c.at("/choices/0/finish_reason").asText(null))));
        JsonNode usage = Answers.usage(chunks);
        assertEquals(PROMPT_TOKENS, usage.get("prompt_tokens").asInt());
        assertEquals(BedrockStandIn.OUTPUT_TOKENS, usage.get("completion_tokens").asInt());
        assertEquals(BedrockStandIn.CACHE_READ_TOKENS, usage.at("/prompt_tokens_details/cached_tokens").asInt());
        assertTrue(usage.get("is_byok").asBoolean());
        assertEquals(0, new BigDecimal("0.00012").compareTo(usage.at("/cost_details/upstream_inference_cost")
                .decimalValue()));
        assertEquals(UPSTREAM_MODEL_PATH + "converse-stream", lastCall().path());
        assertEquals(form.auth, lastCall().auth());
    }

    @Test
    void toolCallRoundTripSendsToolUseAndToolResultBlocks() {
        var key = accountWithKeys(Form.ACCESS_KEYS, "tooluse");
        JsonNode first = Answers.completion(chat(key, body(CLAUDE, "tools", WEATHER_TOOL)).then().statusCode(200)
                .extract().asString());
        assertEquals("tool_calls", first.at("/choices/0/finish_reason").asText());
        JsonNode call = first.at("/choices/0/message/tool_calls/0");
        assertEquals("get_weather", call.at("/function/name").asText());
        assertEquals("Paris", Answers.read(call.at("/function/arguments").asText()).get("city").asText());
        assertEquals("get_weather", Answers.read(lastCall().body().encode())
                .at("/toolConfig/tools/0/toolSpec/name").asText());

        JsonNode second = Answers.completion(chat(key, Map.of("model", CLAUDE, "tools", WEATHER_TOOL, "messages", List.of(
                Map.of("role", "user", "content", "Weather in Paris?"),
                Map.of("role", "assistant", "content", "", "tool_calls", List.of(Map.of("id", call.get("id").asText(),
                        "type", "function", "function", Map.of("name", "get_weather",
                                "arguments", call.at("/function/arguments").asText())))),
                Map.of("role", "tool", "tool_call_id", call.get("id").asText(), "content", "18 degrees and sunny"))))
                .then().statusCode(200).extract().asString());
        assertEquals("The tool said: 18 degrees and sunny", second.at("/choices/0/message/content").asText());
        JsonNode sent = Answers.read(lastCall().body().encode()).get("messages");
        assertEquals(call.get("id").asText(), sent.at("/1/content/0/toolUse/toolUseId").asText());
        assertEquals("Paris", sent.at("/1/content/0/toolUse/input/city").asText());
        assertEquals("user", sent.at("/2/role").asText());
        assertEquals(call.get("id").asText(), sent.at("/2/content/0/toolResult/toolUseId").asText());
        assertEquals("18 degrees and sunny", sent.at("/2/content/0/toolResult/content/0/text").asText());
    }

    @Test
    void streamedToolCallArgumentsArriveAsDeltas() {
        var key = accountWithKeys(Form.API_KEY, "tooluse");
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
        assertEquals(BedrockStandIn.TOOL_INPUT_JSON, arguments.toString());
        assertTrue(chunks.stream().anyMatch(c -> "tool_calls".equals(c.at("/choices/0/finish_reason").asText(null))));
    }

    @Test
    void throttledDeniedUnavailableNotReadyFailingAndUnreachableKeysFallBackToTheNextKey() {
        // DESIGN.md §2: 429, 403, 503, 5xx and no answer at all are retryable
        for (String failing : List.of("throttle", "denied", "unavailable", "notready", "internal", "reset")) {
            for (boolean stream : new boolean[] {false, true}) {
                KeywayServices.bedrock.reset();
                var key = accountWithKeys(Form.ACCESS_KEYS, failing, "ok");
                String body = chat(key, body(CLAUDE, "stream", stream)).then().statusCode(200).extract().asString();
                String text = stream ? Answers.text(Answers.chunks(body))
                        : Answers.completion(body).at("/choices/0/message/content").asText();
                assertEquals(BedrockStandIn.TEXT, text, failing);
                assertEquals(List.of(failing, "ok"), behavioursCalled(), failing + (stream ? " streamed" : ""));
            }
        }
    }

    @Test
    void accessKeysWithAWrongSecretAreRefusedAndTheNextKeyIsTried() {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        seed.byok(account, BEDROCK, "{\"accessKeyId\":\"" + BedrockKeys.accessKeyId("ok")
                + "\",\"secretAccessKey\":\"not-the-secret-of-this-key\",\"region\":\"us-east-1\"}", Map.of());
        seed.byok(account, BEDROCK, Form.API_KEY.secret("ok"), Map.of());
        Answers.completion(chat(key[0], body(CLAUDE)).then().statusCode(200).extract().asString());
        assertEquals(List.of(AuthKind.SIGV4, AuthKind.BEARER),
                KeywayServices.bedrock.calls().stream().map(BedrockStandIn.Call::auth).toList());
    }

    @Test
    void aValidationErrorIsReturnedAtOnceWithoutTryingAnotherKey() {
        var key = accountWithKeys(Form.API_KEY, "invalid", "ok");
        chat(key, body(CLAUDE)).then().statusCode(400)
                .body("error.code", equalTo(400))
                .body("error.metadata.provider_name", equalTo("Bedrock stand-in"))
                .body("error.metadata.is_byok", equalTo(true))
                .body("error.metadata.raw", containsString("The provided model identifier is invalid."));
        assertEquals(List.of("invalid"), behavioursCalled());
    }

    @Test
    void anImagePassedByUrlIsRefusedAsARequestErrorNamingTheField() {
        var key = accountWithKeys(Form.API_KEY, "ok");
        chat(key, Map.of("model", CLAUDE, "messages", List.of(Map.of("role", "user", "content", List.of(
                Map.of("type", "text", "text", "What is this?"),
                Map.of("type", "image_url", "image_url", Map.of("url", "https://example.com/cat.png")))))))
                .then().statusCode(400)
                .body("error.metadata.raw", containsString("messages[0].content[1].image_url.url"));
        assertTrue(KeywayServices.bedrock.calls().isEmpty());
    }

    @Test
    void anExceptionEventAfterTheAnswerBeganEndsTheStreamWithAnErrorChunk() {
        var key = accountWithKeys(Form.ACCESS_KEYS, "midstream", "ok");
        String sse = chat(key, body(CLAUDE, "stream", true)).then().statusCode(200).extract().asString();
        List<JsonNode> chunks = Answers.chunks(sse);
        assertEquals(BedrockStandIn.MIDSTREAM_TEXT, Answers.text(chunks));
        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals("error", last.at("/choices/0/finish_reason").asText());
        assertTrue(last.at("/error/metadata/raw").asText().contains("internalServerException"), last::toString);
        assertEquals(List.of("midstream"), behavioursCalled(), "no fallback after the first byte");
    }
}
