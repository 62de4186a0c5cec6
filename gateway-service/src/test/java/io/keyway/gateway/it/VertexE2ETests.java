package io.keyway.gateway.it;

import static io.keyway.gateway.it.KeywayServices.CLAUDE;
import static io.keyway.gateway.it.KeywayServices.GEMINI;
import static io.keyway.gateway.it.KeywayServices.VERTEX;
import static io.keyway.gateway.it.KeywayServices.VERTEX_CLAUDE;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.gateway.standin.AnthropicStandIn;
import io.keyway.gateway.standin.GoogleTokenStandIn;
import io.keyway.gateway.standin.GoogleTokenStandIn.ServiceAccountKey;
import io.keyway.gateway.standin.VertexStandIn;
import io.keyway.gateway.standin.VertexStandIn.Behaviour;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The google-vertex adapter end to end: service-account keys created as BYOK keys through key-service, requests through
 * the gateway, the token exchanged at the Google token STAND-IN (over HTTPS) and Gemini answered by the Vertex
 * stand-in, Claude by the Anthropic stand-in's rawPredict routes (both checked by the vendors' SDKs); every answer and
 * chunk held to OpenRouter's schemas.
 */
@QuarkusTest
@WithTestResource(KeywayServices.class)
class VertexE2ETests extends GatewayE2E {

    static final List<Map<String, Object>> WEATHER_TOOL = AnthropicE2ETests.WEATHER_TOOL;

    @BeforeEach
    void resetVertex() {
        KeywayServices.vertex.reset();
        KeywayServices.anthropic.reset();
    }

    @AfterEach
    void anthropicBackToOk() {
        KeywayServices.anthropic.defaultBehaviour("ok");
        KeywayServices.googleTokens.expiresInSeconds(3599);
    }

    /** A new service account of a new project, its key file pointing at the token stand-in. */
    private static ServiceAccountKey serviceAccount() {
        return KeywayServices.googleTokens.mint("keyway-it-" + Long.toHexString(System.nanoTime()));
    }

    private Seed.ApiKey accountWithKeys(String provider, String... keyFiles) {
        var key = new Seed.ApiKey[1];
        var account = fundedAccount(key);
        for (String keyFile : keyFiles) {
            seed.byok(account, provider, keyFile, Map.of());
        }
        return key[0];
    }

    private static List<String> projectsCalled() {
        return KeywayServices.vertex.calls().stream().map(VertexStandIn.Call::project).toList();
    }

    // ---- Gemini ----

    @Test
    void geminiAnswerComesThroughTheKeysRegionWithUsageByokAndListCost() {
        ServiceAccountKey sa = serviceAccount();
        var key = accountWithKeys(VERTEX, sa.jsonWithRegion("us-central1"));

        JsonNode answer = Answers.completion(chat(key, body(GEMINI)).then().statusCode(200).extract().asString());

        assertEquals(VertexStandIn.TEXT, answer.at("/choices/0/message/content").asText());
        assertEquals("stop", answer.at("/choices/0/finish_reason").asText());
        assertEquals(GEMINI, answer.get("model").asText());
        assertEquals("Vertex stand-in", answer.get("provider").asText());
        assertEquals(VertexStandIn.PROMPT_TOKENS, answer.at("/usage/prompt_tokens").asInt());
        assertEquals(VertexStandIn.COMPLETION_TOKENS, answer.at("/usage/completion_tokens").asInt());
        assertTrue(answer.at("/usage/is_byok").asBoolean());
        assertEquals(0, answer.at("/usage/cost").asDouble(), "BYOK within the free allowance");
        // 11 × 0.0000003 + 4 × 0.0000025
        assertEquals(0, new BigDecimal("0.0000133").compareTo(answer.at("/usage/cost_details/upstream_inference_cost")
                .decimalValue()), answer::toString);
        var call = KeywayServices.vertex.calls().get(0);
        assertEquals(sa.projectId(), call.project());
        assertEquals("us-central1", call.location());
        assertEquals("google/gemini-2.5-flash", call.model());
        assertEquals(sa.clientEmail(), call.clientEmail());
    }

    @Test
    void streamedGeminiAnswerHasTheRoleFirstAndUsageLast() {
        var key = accountWithKeys(VERTEX, serviceAccount().json());

        List<JsonNode> chunks = Answers.chunks(chat(key, body(GEMINI, "stream", true)).then().statusCode(200)
                .extract().asString());

        assertEquals("Hello from Vertex", Answers.text(chunks));
        assertTrue(chunks.stream().anyMatch(c -> "stop".equals(c.at("/choices/0/finish_reason").asText(null))));
        JsonNode usage = Answers.usage(chunks);
        assertEquals(VertexStandIn.PROMPT_TOKENS, usage.get("prompt_tokens").asInt());
        assertEquals(VertexStandIn.COMPLETION_TOKENS, usage.get("completion_tokens").asInt());
        assertTrue(usage.get("is_byok").asBoolean());
        assertEquals("global", KeywayServices.vertex.calls().get(0).location(), "a key without region: global");
    }

    @Test
    void geminiToolCallComesBackWholeAndStreamed() {
        var key = accountWithKeys(VERTEX, serviceAccount().json());

        JsonNode answer = Answers.completion(chat(key, body(GEMINI, "tools", WEATHER_TOOL)).then().statusCode(200)
                .extract().asString());
        assertEquals("tool_calls", answer.at("/choices/0/finish_reason").asText());
        assertEquals("get_weather", answer.at("/choices/0/message/tool_calls/0/function/name").asText());
        assertEquals("stand-in", Answers.read(answer.at("/choices/0/message/tool_calls/0/function/arguments").asText())
                .get("city").asText());

        List<JsonNode> chunks = Answers.chunks(chat(key, body(GEMINI, "stream", true, "tools", WEATHER_TOOL))
                .then().statusCode(200).extract().asString());
        assertEquals("get_weather", chunks.get(0).at("/choices/0/delta/tool_calls/0/function/name").asText());
        assertTrue(chunks.stream().anyMatch(c -> "tool_calls".equals(c.at("/choices/0/finish_reason").asText(null))));
    }

    @Test
    void oneTokenExchangeServesRequestAfterRequest() {
        ServiceAccountKey sa = serviceAccount();
        var key = accountWithKeys(VERTEX, sa.json());

        for (int i = 0; i < 4; i++) {
            chat(key, body(GEMINI, "stream", i % 2 == 1)).then().statusCode(200);
        }

        assertEquals(1, KeywayServices.googleTokens.exchanges(sa.clientEmail()));
        assertEquals(1, KeywayServices.vertex.calls().stream().map(VertexStandIn.Call::accessToken).distinct().count());
    }

    // ---- failures ----

    @Test
    void quotaPermissionAndServerErrorsFallBackToTheNextKey() {
        // DESIGN.md §2: 429, 403 and 5xx are retryable
        for (Behaviour failing : List.of(Behaviour.STATUS_429, Behaviour.STATUS_403, Behaviour.STATUS_500,
                Behaviour.STATUS_503, Behaviour.RESET)) {
            KeywayServices.vertex.reset();
            ServiceAccountKey bad = serviceAccount();
            ServiceAccountKey good = serviceAccount();
            KeywayServices.vertex.behave(bad.projectId(), failing);
            var key = accountWithKeys(VERTEX, bad.json(), good.json());

            JsonNode answer = Answers.completion(chat(key, body(GEMINI)).then().statusCode(200).extract().asString());

            assertEquals(VertexStandIn.TEXT, answer.at("/choices/0/message/content").asText(), failing::toString);
            assertEquals(List.of(bad.projectId(), good.projectId()), projectsCalled(), failing::toString);
        }
    }

    @Test
    void refusedTokenExchangeIsTheKeysFailureAndTheNextKeyServes() {
        ServiceAccountKey sa = serviceAccount();
        ServiceAccountKey other = serviceAccount();
        String forged = new JsonObject(sa.json()).put("private_key", new JsonObject(other.json()).getString("private_key"))
                .encodePrettily(); // a well-formed key file whose signature Google refuses (invalid_grant)
        ServiceAccountKey good = serviceAccount();
        var key = accountWithKeys(VERTEX, forged, good.json());

        chat(key, body(GEMINI)).then().statusCode(200);

        assertEquals(List.of(good.projectId()), projectsCalled(), "no Vertex call without a token");
        assertEquals(0, KeywayServices.googleTokens.exchanges(sa.clientEmail()));
    }

    @Test
    void refusedTokenExchangeAloneIsA401ClassProviderError() {
        ServiceAccountKey sa = serviceAccount();
        String forged = new JsonObject(sa.json()).put("private_key", new JsonObject(serviceAccount().json())
                .getString("private_key")).encodePrettily();
        var key = accountWithKeys(VERTEX, forged);

        String body = chat(key, body(GEMINI)).then().statusCode(401)
                .body("error.metadata.provider_name", equalTo("Vertex stand-in"))
                .body("error.metadata.is_byok", equalTo(true)).extract().asString();

        assertTrue(body.contains("invalid_grant"), body);
        assertFalse(body.contains("PRIVATE KEY"), body);
    }

    @Test
    void anInvalidArgumentIsReturnedAtOnceWithoutTryingAnotherKey() {
        ServiceAccountKey bad = serviceAccount();
        KeywayServices.vertex.behave(bad.projectId(), Behaviour.STATUS_400);
        var key = accountWithKeys(VERTEX, bad.json(), serviceAccount().json());

        chat(key, body(GEMINI)).then().statusCode(400)
                .body("error.metadata.provider_name", equalTo("Vertex stand-in"))
                .body("error.metadata.is_byok", equalTo(true));

        assertEquals(List.of(bad.projectId()), projectsCalled());
    }

    @Test
    void streamCutAfterItBeganEndsWithAnErrorChunkAndNoFallback() {
        ServiceAccountKey cut = serviceAccount();
        KeywayServices.vertex.behave(cut.projectId(), Behaviour.MIDSTREAM);
        var key = accountWithKeys(VERTEX, cut.json(), serviceAccount().json());

        List<JsonNode> chunks = Answers.chunks(chat(key, body(GEMINI, "stream", true)).then().statusCode(200)
                .extract().asString());

        JsonNode last = chunks.get(chunks.size() - 1);
        assertEquals("error", last.at("/choices/0/finish_reason").asText());
        assertEquals("Hello from ", Answers.text(chunks));
        assertEquals(List.of(cut.projectId()), projectsCalled(), "no fallback after the first byte");
    }

    // ---- Claude through rawPredict ----

    @Test
    void claudeIsServedThroughRawPredictWithCachedTokensAndByokCost() {
        ServiceAccountKey sa = serviceAccount();
        var key = accountWithKeys(VERTEX_CLAUDE, sa.jsonWithRegion("us-east5"));

        JsonNode answer = Answers.completion(chat(key, Map.of("model", CLAUDE, "messages", List.of(
                Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Say hello")))).then().statusCode(200).extract().asString());

        assertEquals(AnthropicStandIn.TEXT, answer.at("/choices/0/message/content").asText());
        assertEquals("Vertex Claude stand-in", answer.get("provider").asText());
        assertEquals(15, answer.at("/usage/prompt_tokens").asInt()); // input 10 + cache read 3 + cache write 2
        assertEquals(3, answer.at("/usage/prompt_tokens_details/cached_tokens").asInt());
        assertTrue(answer.at("/usage/is_byok").asBoolean());
        // 15 × 0.000003 + 5 × 0.000015
        assertEquals(0, new BigDecimal("0.00012").compareTo(answer.at("/usage/cost_details/upstream_inference_cost")
                .decimalValue()));
        var call = KeywayServices.anthropic.lastCall();
        assertEquals("/v1/projects/" + sa.projectId() + "/locations/us-east5/publishers/anthropic/models/"
                + "claude-sonnet-4@20250514:rawPredict", call.path());
        assertEquals(AnthropicStandIn.VERTEX_ANTHROPIC_VERSION, call.body().getString("anthropic_version"));
        assertFalse(call.body().containsKey("model"));
        assertEquals(sa.clientEmail(), KeywayServices.googleTokens.grantOf(call.bearerToken()).orElseThrow()
                .clientEmail());
    }

    @Test
    void streamedClaudeGoesThroughStreamRawPredict() {
        var key = accountWithKeys(VERTEX_CLAUDE, serviceAccount().json());

        List<JsonNode> chunks = Answers.chunks(chat(key, body(CLAUDE, "stream", true)).then().statusCode(200)
                .extract().asString());

        assertEquals(AnthropicStandIn.TEXT, Answers.text(chunks));
        assertEquals(15, Answers.usage(chunks).get("prompt_tokens").asInt());
        assertTrue(KeywayServices.anthropic.lastCall().path().endsWith(":streamRawPredict"));
    }

    @Test
    void claudeRateLimitedOnVertexFallsBackToTheNextKey() {
        KeywayServices.anthropic.defaultBehaviour("status429"); // Google's 429 RESOURCE_EXHAUSTED, for every token
        var key = accountWithKeys(VERTEX_CLAUDE, serviceAccount().json(), serviceAccount().json());

        chat(key, body(CLAUDE)).then().statusCode(429);

        assertEquals(2, KeywayServices.anthropic.calls().size(), "the second key was tried");
    }

    // ---- secrets ----

    @Test
    void neitherThePrivateKeyNorAnAccessTokenAppearsInLogsOrAnswers() throws Exception {
        NoSecretInLogsE2ETests.Capture capture = new NoSecretInLogsE2ETests.Capture();
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        // the gateway logs nothing on a served request: a marker shows the capture does see its log
        Logger.getLogger("io.keyway.gateway").info("vertex-e2e capture marker");
        List<ServiceAccountKey> keys = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        try {
            ServiceAccountKey failing = serviceAccount();
            ServiceAccountKey good = serviceAccount();
            ServiceAccountKey claude = serviceAccount();
            keys.addAll(List.of(failing, good, claude));
            KeywayServices.vertex.behave(failing.projectId(), Behaviour.STATUS_403);
            String forged = new JsonObject(good.json()).put("private_key", new JsonObject(failing.json())
                    .getString("private_key")).encodePrettily();
            var key = accountWithKeys(VERTEX, forged, failing.json(), good.json());
            var claudeKey = accountWithKeys(VERTEX_CLAUDE, claude.json());
            answers.add(chat(key, body(GEMINI)).then().statusCode(200).extract().asString());
            answers.add(chat(key, body(GEMINI, "stream", true)).then().statusCode(200).extract().asString());
            answers.add(chat(claudeKey, body(CLAUDE)).then().statusCode(200).extract().asString());
            KeywayServices.anthropic.defaultBehaviour("status401");
            answers.add(chat(claudeKey, body(CLAUDE)).then().statusCode(401).extract().asString());
        } finally {
            root.removeHandler(capture);
        }
        List<String> secrets = new ArrayList<>();
        for (ServiceAccountKey sa : keys) {
            String pem = new JsonObject(sa.json()).getString("private_key");
            secrets.add(pem.lines().filter(l -> !l.startsWith("-----")).skip(1).findFirst().orElseThrow());
        }
        KeywayServices.vertex.calls().forEach(c -> secrets.add(c.accessToken()));
        KeywayServices.anthropic.calls().forEach(c -> secrets.add(c.bearerToken()));
        assertTrue(secrets.size() >= 3 + 4, "the tokens sent were recorded");
        assertTrue(capture.lines.stream().anyMatch(l -> l.contains("vertex-e2e capture marker")),
                "the capture saw the gateway's log");
        String gatewayLog = String.join("\n", capture.lines);
        String keyServiceLog = ServiceLogs.text("key-service");
        for (String s : secrets) {
            assertFalse(gatewayLog.contains(s), "a secret in the gateway's log");
            assertFalse(keyServiceLog.contains(s), "a secret in key-service's log");
            answers.forEach(a -> assertFalse(a.contains(s), "a secret in an answer"));
        }
    }
}
