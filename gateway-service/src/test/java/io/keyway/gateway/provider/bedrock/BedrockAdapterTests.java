package io.keyway.gateway.provider.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.credentials.BedrockCredential;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.Answer;
import io.keyway.gateway.provider.AnswerSink;
import io.keyway.gateway.provider.Chunk;
import io.keyway.gateway.provider.Completion;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamError.Blame;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.provider.UpstreamHttp;
import io.keyway.gateway.provider.UpstreamRequest;
import io.keyway.gateway.provider.Usage;
import io.keyway.gateway.standin.BedrockStandIn;
import io.keyway.gateway.standin.BedrockStandIn.AuthKind;
import io.keyway.gateway.standin.BedrockStandIn.Call;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/**
 * The amazon-bedrock adapter over real HTTP against {@link BedrockStandIn} (a STAND-IN for Bedrock Runtime that checks
 * SigV4 by re-signing with the AWS SDK's signer; behaviour chosen by the credential's prefix), built by hand without
 * Quarkus and called from a Vert.x context as the executor calls it. Stream framing (frames split across reads,
 * several in one read, cut streams, exception frames) is checked by replaying event-stream bytes from a loopback
 * server in chosen pieces.
 */
class BedrockAdapterTests {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL_ID = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    static final int CATALOG_MAX_TOKENS = 64;
    static final String SECRET = "test-secret-access-key-" + java.util.UUID.randomUUID();
    static final List<String> BEHAVIOURS = List.of("ok", "tooluse", "throttle", "denied", "invalid", "unavailable",
            "notready", "internal", "midstream", "reset");

    static Vertx vertx;
    static Context context;
    static BedrockStandIn standIn;
    static BedrockAdapter adapter;
    static ProviderSpec provider;
    static ModelEndpoint endpoint;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> secrets = new LinkedHashMap<>();
        BEHAVIOURS.forEach(b -> secrets.put(accessKeyId(b), SECRET));
        standIn = new BedrockStandIn(secrets, BEHAVIOURS.stream().map(BedrockAdapterTests::apiKey)
                .collect(Collectors.toSet()));
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        adapter = new BedrockAdapter(new UpstreamHttp(vertx, config()), JSON);
        provider = provider(standIn.endpoint().toString());
        endpoint = new ModelEndpoint("bedrock", MODEL_ID, null, null, CATALOG_MAX_TOKENS, null, null);
    }

    @AfterAll
    static void stop() {
        standIn.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void fresh() {
        standIn.reset();
    }

    // ---- plain answers and the request sent ----

    @Test
    void plainAnswerIsTheConverseMessageWithFinishReasonAndUsageIncludingCacheTokens() throws Exception {
        JsonNode answer = whole(sigV4("ok"), chat("Hi"));
        JsonNode choice = answer.path("choices").get(0);
        assertEquals("assistant", choice.path("message").path("role").asText());
        assertEquals(BedrockStandIn.TEXT, choice.path("message").path("content").asText());
        assertEquals("stop", choice.path("finish_reason").asText());
        assertEquals("end_turn", choice.path("native_finish_reason").asText());
        Usage usage = lastWhole.usage();
        int prompt = BedrockStandIn.INPUT_TOKENS + BedrockStandIn.CACHE_READ_TOKENS + BedrockStandIn.CACHE_WRITE_TOKENS;
        assertEquals(new Usage(prompt, BedrockStandIn.OUTPUT_TOKENS, BedrockStandIn.CACHE_READ_TOKENS,
                BedrockStandIn.CACHE_WRITE_TOKENS, 0), usage);
        assertEquals(BedrockStandIn.TOTAL_TOKENS, usage.promptTokens() + usage.completionTokens(),
                "Bedrock's totalTokens is the prompt (cache reads and writes included) plus the completion");
    }

    @Test
    void requestGoesToTheModelsConversePathWithTheModelIdEncodedAndTheCatalogsMaxTokens() throws Exception {
        whole(sigV4("ok"), chat("Hi"));
        Call call = standIn.calls().get(0);
        assertEquals("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", call.path());
        assertEquals(MODEL_ID, call.modelId());
        assertFalse(call.stream());
        assertEquals(CATALOG_MAX_TOKENS, call.body().getJsonObject("inferenceConfig").getInteger("maxTokens"));
    }

    @Test
    void openAiRequestIsTranslatedToConverseWithoutChangingTheClientsBody() throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree("""
                {"model": "x/claude", "max_tokens": 300, "temperature": 0.5, "top_p": 0.9, "stop": "zzz",
                 "messages": [
                   {"role": "system", "content": "Be brief."},
                   {"role": "developer", "content": [{"type": "text", "text": "Answer in English."}]},
                   {"role": "user", "content": "Look:"},
                   {"role": "user", "content": [{"type": "text", "text": "this"},
                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}]}
                """);
        JsonNode before = body.deepCopy();
        whole(sigV4("ok"), body);
        assertEquals(before, body, "the client's body is never changed");
        JsonNode sent = JSON.readTree(standIn.calls().get(0).body().encode());
        assertEquals(JSON.readTree("""
                {"messages": [{"role": "user", "content": [{"text": "Look:"}, {"text": "this"},
                   {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}}]}],
                 "system": [{"text": "Be brief."}, {"text": "Answer in English."}],
                 "inferenceConfig": {"maxTokens": 300, "temperature": 0.5, "topP": 0.9, "stopSequences": ["zzz"]}}
                """), sent);
    }

    @Test
    void maxCompletionTokensOfTheRequestWinsOverTheCatalogAndCutsTheAnswerAsLength() throws Exception {
        ObjectNode body = chat("Hi");
        body.put("max_completion_tokens", 2);
        JsonNode choice = whole(sigV4("ok"), body).path("choices").get(0);
        assertEquals(2, standIn.calls().get(0).body().getJsonObject("inferenceConfig").getInteger("maxTokens"));
        assertEquals("Hello from", choice.path("message").path("content").asText());
        assertEquals("length", choice.path("finish_reason").asText());
        assertEquals("max_tokens", choice.path("native_finish_reason").asText());
    }

    @Test
    void imageByPlainUrlIsARequestErrorNamingTheFieldAndNothingIsSent() throws Exception {
        ObjectNode body = (ObjectNode) JSON.readTree("""
                {"messages": [{"role": "user", "content": [{"type": "text", "text": "What is this?"},
                  {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}]}
                """);
        UpstreamError e = assertInstanceOf(UpstreamError.class, failure(sigV4("ok"), body, false));
        assertEquals(400, e.status());
        assertTrue(e.requestError());
        assertTrue(e.raw().contains("messages[0].content[1].image_url.url"), e.raw());
        assertTrue(standIn.calls().isEmpty());
    }

    @Test
    void reasoningBecomesClaudesThinkingInAdditionalModelRequestFieldsWithRoomForTheAnswer() throws Exception {
        ObjectNode body = chat("Think");
        body.putObject("reasoning").put("max_tokens", 2000);
        whole(sigV4("ok"), body);
        var sent = standIn.calls().get(0).body();
        assertEquals(2000, sent.getJsonObject("additionalModelRequestFields").getJsonObject("thinking")
                .getInteger("budget_tokens"));
        assertEquals("enabled", sent.getJsonObject("additionalModelRequestFields").getJsonObject("thinking")
                .getString("type"));
        assertTrue(sent.getJsonObject("inferenceConfig").getInteger("maxTokens") > 2000);
    }

    @Test
    void reasoningIsNotSentToModelsOtherThanClaude() {
        ObjectNode body = chat("Think");
        body.putObject("reasoning").put("effort", "high");
        ObjectNode sent = ConverseRequest.of(body, "amazon.nova-pro-v1:0", 100, JSON);
        assertFalse(sent.has("additionalModelRequestFields"));
        assertEquals(100, sent.path("inferenceConfig").path("maxTokens").asInt());
    }

    // ---- tools ----

    @Test
    void toolCallRoundTripSendsToolUseAndToolResultBlocksAndReadsTheToolCall() throws Exception {
        ObjectNode first = chat("Weather in Paris?");
        first.set("tools", JSON.readTree("""
                [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                  "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]"""));
        first.put("tool_choice", "required");
        JsonNode choice = whole(sigV4("tooluse"), first).path("choices").get(0);
        assertEquals("tool_calls", choice.path("finish_reason").asText());
        assertEquals("tool_use", choice.path("native_finish_reason").asText());
        assertTrue(choice.path("message").path("content").isNull());
        JsonNode call = choice.path("message").path("tool_calls").get(0);
        assertEquals("get_weather", call.path("function").path("name").asText());
        assertEquals(JSON.readTree(BedrockStandIn.TOOL_INPUT_JSON),
                JSON.readTree(call.path("function").path("arguments").asText()));
        var config = standIn.calls().get(0).body().getJsonObject("toolConfig");
        assertEquals("get_weather", config.getJsonArray("tools").getJsonObject(0).getJsonObject("toolSpec")
                .getString("name"));
        assertEquals("object", config.getJsonArray("tools").getJsonObject(0).getJsonObject("toolSpec")
                .getJsonObject("inputSchema").getJsonObject("json").getString("type"));
        assertTrue(config.getJsonObject("toolChoice").containsKey("any"));

        ObjectNode second = first.deepCopy();
        second.remove("tool_choice");
        second.withArray("messages").addObject().put("role", "assistant").putNull("content")
                .set("tool_calls", JSON.createArrayNode().add(call));
        second.withArray("messages").addObject().put("role", "tool").put("tool_call_id", call.path("id").asText())
                .put("content", "18 degrees and sunny");
        JsonNode answer = whole(sigV4("tooluse"), second).path("choices").get(0);
        assertEquals("The tool said: 18 degrees and sunny", answer.path("message").path("content").asText());
        JsonNode sent = JSON.readTree(standIn.calls().get(1).body().encode()).path("messages");
        JsonNode toolUse = sent.get(1).path("content").get(0).path("toolUse");
        assertEquals(call.path("id").asText(), toolUse.path("toolUseId").asText());
        assertEquals("get_weather", toolUse.path("name").asText());
        assertEquals(JSON.readTree(BedrockStandIn.TOOL_INPUT_JSON), toolUse.path("input"));
        assertEquals("user", sent.get(2).path("role").asText());
        assertEquals(JSON.readTree("{\"toolUseId\": \"" + call.path("id").asText()
                + "\", \"content\": [{\"text\": \"18 degrees and sunny\"}]}"), sent.get(2).path("content").get(0)
                .path("toolResult"));
    }

    @Test
    void toolChoiceOfAFunctionBecomesConverseToolChoiceTool() throws Exception {
        ObjectNode body = chat("Hi");
        body.set("tools", JSON.readTree("[{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]"));
        body.set("tool_choice", JSON.readTree("{\"type\": \"function\", \"function\": {\"name\": \"f\"}}"));
        ObjectNode sent = ConverseRequest.of(body, MODEL_ID, null, JSON);
        assertEquals("f", sent.path("toolConfig").path("toolChoice").path("tool").path("name").asText());
        body.put("tool_choice", "auto");
        assertTrue(ConverseRequest.of(body, MODEL_ID, null, JSON).path("toolConfig").path("toolChoice").has("auto"));
        body.put("tool_choice", "none");
        assertFalse(ConverseRequest.of(body, MODEL_ID, null, JSON).has("toolConfig"),
                "Converse has no 'none': the tools are left out");
    }

    // ---- credentials ----

    @Test
    void bedrockApiKeyIsSentAsABearerToken() throws Exception {
        whole(BedrockCredential.ofApiKey(apiKey("ok")), chat("Hi"));
        Call call = standIn.calls().get(0);
        assertEquals(AuthKind.BEARER, call.auth());
        assertEquals(apiKey("ok"), call.credential());
    }

    @Test
    void accessKeysAreSignedWithSigV4ForBedrockInTheCredentialsRegionAndTheStandInAcceptsTheSignature()
            throws Exception {
        whole(BedrockCredential.ofAccessKeys(accessKeyId("ok"), SECRET, null, "eu-central-2"), chat("Hi"));
        Call call = standIn.calls().get(0);
        assertEquals(AuthKind.SIGV4, call.auth());
        assertEquals(accessKeyId("ok"), call.credential());
        assertEquals("eu-central-2", call.region());
        assertEquals("bedrock", call.service());
    }

    @Test
    void sessionTokenIsSignedAlongAndStreamsAreSignedToo() throws Exception {
        Recorder r = streamed(BedrockCredential.ofAccessKeys(accessKeyId("ok"), SECRET, "test-session-token",
                "us-west-2"), chat("Hi"));
        assertTrue(r.ended);
        assertEquals(AuthKind.SIGV4, standIn.calls().get(0).auth());
    }

    @Test
    void sigV4SignsExactlyTheHostContentTypeDateAndSessionTokenThatAreSent() throws Exception {
        List<MultiMap> seen = new CopyOnWriteArrayList<>();
        HttpServer capture = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            seen.add(req.headers());
            req.response().putHeader("Content-Type", "application/json").end("""
                    {"output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
                     "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}}""");
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try {
            answer(provider("http://127.0.0.1:" + capture.actualPort()), BedrockCredential.ofAccessKeys(
                    accessKeyId("ok"), SECRET, "test-session-token", "us-east-1"), chat("Hi"), false);
        } finally {
            capture.close();
        }
        var headers = seen.get(0);
        String authorization = headers.get("Authorization");
        assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=" + accessKeyId("ok") + "/"), authorization);
        assertTrue(authorization.contains("/us-east-1/bedrock/aws4_request"), authorization);
        String signed = authorization.substring(authorization.indexOf("SignedHeaders=") + 14,
                authorization.indexOf(',', authorization.indexOf("SignedHeaders=")));
        assertEquals("content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token", signed);
        assertEquals("127.0.0.1:" + capture.actualPort(), headers.get("Host"));
        assertEquals(1, headers.getAll("Host").size());
        assertEquals("application/json", headers.get("Content-Type"));
        assertEquals("test-session-token", headers.get("X-Amz-Security-Token"));
        assertNotNull(headers.get("X-Amz-Date"));
    }

    @Test
    void wrongSecretIsRefusedAndClassified403BlamingTheCredential() {
        UpstreamError e = assertInstanceOf(UpstreamError.class, failure(
                BedrockCredential.ofAccessKeys(accessKeyId("ok"), "not-the-secret", null, "us-east-1"), chat("Hi"),
                false));
        assertEquals(403, e.status());
        assertEquals(Blame.CREDENTIAL, e.blame());
        assertFalse(e.requestError());
        assertTrue(e.raw().contains("signature"), e.raw());
        assertFalse(e.raw().contains("not-the-secret"));
    }

    @Test
    void endpointFollowsTheCredentialsRegionForAccessKeysAndTheCatalogRegionForApiKeys() {
        ProviderSpec inParis = new ProviderSpec("b", "B", "amazon-bedrock", null, Map.of("region", "eu-west-3"));
        assertEquals("https://bedrock-runtime.eu-west-3.amazonaws.com",
                BedrockAdapter.endpointUrl(inParis, BedrockCredential.ofApiKey("k")));
        assertEquals("https://bedrock-runtime.ap-south-1.amazonaws.com", BedrockAdapter.endpointUrl(inParis,
                BedrockCredential.ofAccessKeys("a", "s", null, "ap-south-1")));
        ProviderSpec byDefault = new ProviderSpec("b", "B", "amazon-bedrock", null);
        assertEquals("https://bedrock-runtime.us-east-1.amazonaws.com",
                BedrockAdapter.endpointUrl(byDefault, BedrockCredential.ofApiKey("k")));
    }

    @Test
    void catalogProviderNeedsNoBaseUrlButASoundRegionAndEndpoint() {
        assertNull(adapter.check(new ProviderSpec("b", "B", "amazon-bedrock", null)));
        assertNull(adapter.check(provider));
        assertNotNull(adapter.check(new ProviderSpec("b", "B", "amazon-bedrock", null, Map.of("region", "evil.com/x"))));
        assertNotNull(adapter.check(new ProviderSpec("b", "B", "amazon-bedrock", null, Map.of("endpoint", "ftp://x"))));
    }

    // ---- errors ----

    @ParameterizedTest(name = "{0}: {1} is {2}, blaming the {3}, request error {4}")
    @CsvSource({
            "throttle, ThrottlingException, 429, CREDENTIAL, false",
            "denied, AccessDeniedException, 403, CREDENTIAL, false",
            "invalid, ValidationException, 400, ENDPOINT, true",
            "unavailable, ServiceUnavailableException, 503, ENDPOINT, false",
            "notready, ModelNotReadyException, 503, ENDPOINT, false",
            "internal, InternalServerException, 500, ENDPOINT, false"})
    void bedrockErrorsAreClassifiedByTheirType(String behaviour, String type, int status, Blame blame,
                                                boolean requestError) throws Exception {
        for (boolean stream : new boolean[] {false, true}) {
            for (BedrockCredential credential : List.of(sigV4(behaviour),
                    BedrockCredential.ofApiKey(apiKey(behaviour)))) {
                UpstreamError e = assertInstanceOf(UpstreamError.class, failure(credential, chat("Hi"), stream));
                assertEquals(status, e.status(), type);
                assertEquals(blame, e.blame(), type);
                assertEquals(requestError, e.requestError(), type);
                assertTrue(JSON.readTree(e.raw()).path("message").isTextual(), "raw is Bedrock's body: " + e.raw());
            }
        }
    }

    @Test
    void errorTypeIsReadWithoutItsNamespaceSuffixAndModelTimeoutIs408() {
        UpstreamError e = ConverseAnswers.classify(400,
                "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/", "{}");
        assertEquals(429, e.status());
        assertEquals(Blame.CREDENTIAL, e.blame());
        UpstreamError timeout = ConverseAnswers.classify(408, "ModelTimeoutException", "{}");
        assertEquals(408, timeout.status());
        assertFalse(timeout.requestError());
        assertEquals(Blame.ENDPOINT, timeout.blame());
        assertEquals(502, ConverseAnswers.classify(502, null, "").status());
    }

    @Test
    void connectionClosedWithoutAnAnswerIsAnUpstreamException() {
        assertInstanceOf(UpstreamException.class, failure(sigV4("reset"), chat("Hi"), false));
    }

    // ---- streams ----

    @Test
    void streamedAnswerAssemblesToTheRoleFirstThenTextFinishAndUsageWithCacheTokens() throws Exception {
        Recorder r = streamed(sigV4("ok"), chat("Hi"));
        assertTrue(r.ended);
        assertNull(r.failed);
        assertTrue(r.chunks.get(0).path("choices").get(0).path("delta").path("role").asText().equals("assistant"),
                "the first chunk announces the role");
        assertEquals(BedrockStandIn.TEXT, r.content());
        assertEquals("stop", r.finishReason());
        assertEquals("end_turn", r.nativeFinishReason());
        int prompt = BedrockStandIn.INPUT_TOKENS + BedrockStandIn.CACHE_READ_TOKENS + BedrockStandIn.CACHE_WRITE_TOKENS;
        assertEquals(new Usage(prompt, BedrockStandIn.OUTPUT_TOKENS, BedrockStandIn.CACHE_READ_TOKENS,
                BedrockStandIn.CACHE_WRITE_TOKENS, 0), r.usage);
        Call call = standIn.calls().get(0);
        assertTrue(call.stream());
        assertEquals("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream", call.path());
    }

    @Test
    void streamedToolCallCarriesItsIdAndNameThenItsArgumentsAndFinishesAsToolCalls() throws Exception {
        ObjectNode body = chat("Weather?");
        body.set("tools", JSON.readTree("[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}]"));
        Recorder r = streamed(BedrockCredential.ofApiKey(apiKey("tooluse")), body);
        assertTrue(r.ended);
        JsonNode first = r.toolCallDeltas().get(0);
        assertTrue(first.path("id").asText().startsWith("tooluse_"));
        assertEquals("get_weather", first.path("function").path("name").asText());
        assertEquals(0, first.path("index").asInt());
        assertEquals(BedrockStandIn.TOOL_INPUT_JSON, r.toolArguments(0));
        assertEquals("tool_calls", r.finishReason());
        assertEquals("tool_use", r.nativeFinishReason());
    }

    @Test
    void exceptionEventAfterTheAnswerBeganFailsTheStreamAfterWhatWasSent() throws Exception {
        Recorder r = streamed(sigV4("midstream"), chat("Hi"));
        assertFalse(r.ended);
        assertNotNull(r.failed);
        assertTrue(r.failed.contains("internalServerException"), r.failed);
        assertEquals(BedrockStandIn.MIDSTREAM_TEXT, r.content());
    }

    @Test
    void frameSplitAcrossReadsIsDecodedWhole() throws Exception {
        byte[] captured = captureStandInStream();
        int mid = firstFrameLength(captured) / 2; // inside the first frame
        int cut2 = captured.length - 7; // inside the last frame
        Recorder r = replay(List.of(Arrays.copyOfRange(captured, 0, mid), Arrays.copyOfRange(captured, mid, cut2),
                Arrays.copyOfRange(captured, cut2, captured.length)));
        assertTrue(r.ended);
        assertEquals(BedrockStandIn.TEXT, r.content());
        assertNotNull(r.usage);
    }

    @Test
    void severalFramesInOneReadAreAllHandled() throws Exception {
        Recorder r = replay(List.of(captureStandInStream()));
        assertTrue(r.ended);
        assertEquals(BedrockStandIn.TEXT, r.content());
        assertEquals("stop", r.finishReason());
        assertNotNull(r.usage);
    }

    @Test
    void streamEndingWithoutMessageStopAndMetadataWasCutAndFails() throws Exception {
        byte[] captured = captureStandInStream();
        List<byte[]> frames = frames(captured);
        ByteArrayOutputStream firstThree = new ByteArrayOutputStream();
        for (byte[] f : frames.subList(0, 3)) { // messageStart and the two text deltas
            firstThree.write(f);
        }
        Recorder r = replay(List.of(firstThree.toByteArray()));
        assertFalse(r.ended);
        assertTrue(r.failed.contains("messageStop"), r.failed);
    }

    @Test
    void throttlingExceptionRightAfterMessageStartFailsTheAttemptBeforeTheAnswerBegan() throws Exception {
        byte[] start = event("messageStart", "{\"role\":\"assistant\"}");
        byte[] throttled = frame(Map.of(":message-type", "exception", ":exception-type", "throttlingException",
                ":content-type", "application/json"), "{\"message\":\"Too many requests\"}");
        try (Replay replay = new Replay(List.of(start, throttled))) {
            UpstreamError e = assertInstanceOf(UpstreamError.class,
                    failure(replay.provider(), BedrockCredential.ofApiKey("k"), chat("Hi"), true));
            assertEquals(429, e.status());
            assertEquals(Blame.CREDENTIAL, e.blame());
            assertTrue(e.raw().contains("Too many requests"));
        }
    }

    @Test
    void reasoningDeltasBecomeReasoningChunks() throws Exception {
        List<byte[]> pieces = List.of(event("messageStart", "{\"role\":\"assistant\"}"),
                event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"reasoningContent\":{\"text\":\"Let me think\"}}}"),
                event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"reasoningContent\":{\"signature\":\"sig\"}}}"),
                event("contentBlockDelta", "{\"contentBlockIndex\":1,\"delta\":{\"text\":\"42\"}}"),
                event("messageStop", "{\"stopReason\":\"end_turn\"}"),
                event("metadata", "{\"usage\":{\"inputTokens\":3,\"outputTokens\":4,\"totalTokens\":7}}"));
        Recorder r = replay(pieces);
        assertTrue(r.ended);
        assertEquals("Let me think", r.reasoning());
        assertEquals("42", r.content());
        assertEquals(new Usage(3, 4, 0, 0, 0), r.usage);
    }

    @Test
    void plainAnswerReasoningContentBecomesTheMessagesReasoning() throws Exception {
        Completion c = ConverseAnswers.completion(JSON.readTree("""
                {"output": {"message": {"role": "assistant", "content": [
                   {"reasoningContent": {"reasoningText": {"text": "Thinking.", "signature": "s"}}},
                   {"text": "Done."}]}},
                 "stopReason": "guardrail_intervened",
                 "usage": {"inputTokens": 1, "outputTokens": 2, "totalTokens": 3}}"""));
        JsonNode message = members(c).path("choices").get(0);
        assertEquals("Thinking.", message.path("message").path("reasoning").asText());
        assertEquals("Done.", message.path("message").path("content").asText());
        assertEquals("content_filter", message.path("finish_reason").asText());
    }

    // ---- helpers ----

    static String accessKeyId(String behaviour) {
        return behaviour + "-test-access-key-id";
    }

    static String apiKey(String behaviour) {
        return behaviour + "-test-bedrock-api-key";
    }

    static BedrockCredential sigV4(String behaviour) {
        return BedrockCredential.ofAccessKeys(accessKeyId(behaviour), SECRET, null, "us-east-1");
    }

    static ProviderSpec provider(String endpointUrl) {
        return new ProviderSpec("bedrock", "Amazon Bedrock", "amazon-bedrock", null,
                Map.of("endpoint", endpointUrl, "region", "eu-west-3"));
    }

    static ObjectNode chat(String text) {
        ObjectNode body = JSON.createObjectNode().put("model", "x/claude");
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return body;
    }

    /** Upstream settings UpstreamHttp reads; any other read fails the test. */
    static GatewayConfig config() {
        Map<String, Object> upstream = Map.of("connectTimeout", Duration.ofSeconds(2),
                "firstByteTimeout", Duration.ofSeconds(5), "maxPoolSize", 10, "trustCertificates", Optional.empty());
        GatewayConfig.Upstream up = stub(GatewayConfig.Upstream.class, upstream);
        return stub(GatewayConfig.class, Map.of("upstream", up));
    }

    static <T> T stub(Class<T> type, Map<String, Object> answers) {
        return io.keyway.gateway.service.ConfigStub.of(type, answers);
    }

    static Completion lastWhole;

    static Answer answer(ProviderSpec spec, BedrockCredential credential, ObjectNode body, boolean stream)
            throws Exception {
        CompletableFuture<Answer> result = new CompletableFuture<>();
        context.runOnContext(v -> adapter.call(new UpstreamRequest(spec, null, endpoint, credential, body, stream))
                .answer().onComplete(ar -> {
                    if (ar.succeeded()) {
                        result.complete(ar.result());
                    } else {
                        result.completeExceptionally(ar.cause());
                    }
                }));
        return result.get(10, TimeUnit.SECONDS);
    }

    static JsonNode whole(BedrockCredential credential, ObjectNode body) throws Exception {
        Answer a = answer(provider, credential, body, false);
        lastWhole = assertInstanceOf(Answer.Whole.class, a).completion();
        return members(lastWhole);
    }

    static JsonNode members(Completion c) throws Exception {
        ByteArrayBuilder out = new ByteArrayBuilder();
        c.writeMembers(out);
        return JSON.readTree("{" + new String(out.toByteArray(), StandardCharsets.UTF_8) + "}");
    }

    static Throwable failure(BedrockCredential credential, ObjectNode body, boolean stream) {
        return failure(provider, credential, body, stream);
    }

    static Throwable failure(ProviderSpec spec, BedrockCredential credential, ObjectNode body, boolean stream) {
        try {
            Answer a = answer(spec, credential, body, stream);
            throw new AssertionError("expected a failure, got " + a);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static Recorder streamed(BedrockCredential credential, ObjectNode body) throws Exception {
        return streamed(provider, credential, body);
    }

    static Recorder streamed(ProviderSpec spec, BedrockCredential credential, ObjectNode body) throws Exception {
        Answer a = answer(spec, credential, body, true);
        Recorder r = new Recorder();
        context.runOnContext(v -> assertInstanceOf(Answer.Streamed.class, a).stream().start(r));
        r.done.get(10, TimeUnit.SECONDS);
        return r;
    }

    /** What a stream handed to its sink, each chunk as the JSON object its members make. */
    static final class Recorder implements AnswerSink {
        final List<JsonNode> chunks = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        Usage usage;
        String failed;
        boolean ended;

        @Override
        public void chunk(Chunk chunk) {
            Buffer out = Buffer.buffer();
            chunk.writeMembers(out);
            try {
                chunks.add(JSON.readTree("{" + out + "}"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void usage(Usage usage) {
            this.usage = usage;
        }

        @Override
        public void failed(String raw) {
            failed = raw;
            done.complete(null);
        }

        @Override
        public void ended() {
            ended = true;
            done.complete(null);
        }

        List<JsonNode> deltas() {
            return chunks.stream().map(c -> c.path("choices").get(0).path("delta")).toList();
        }

        String content() {
            StringBuilder s = new StringBuilder();
            deltas().forEach(d -> s.append(d.path("content").asText("")));
            return s.toString();
        }

        String reasoning() {
            StringBuilder s = new StringBuilder();
            deltas().forEach(d -> s.append(d.path("reasoning").asText("")));
            return s.toString();
        }

        List<JsonNode> toolCallDeltas() {
            List<JsonNode> calls = new ArrayList<>();
            deltas().forEach(d -> d.path("tool_calls").forEach(calls::add));
            return calls;
        }

        String toolArguments(int index) {
            StringBuilder s = new StringBuilder();
            toolCallDeltas().stream().filter(c -> c.path("index").asInt() == index)
                    .forEach(c -> s.append(c.path("function").path("arguments").asText()));
            return s.toString();
        }

        String finishReason() {
            return chunks.stream().map(c -> c.path("choices").get(0).path("finish_reason"))
                    .filter(JsonNode::isTextual).map(JsonNode::asText).reduce((a, b) -> b).orElse(null);
        }

        String nativeFinishReason() {
            return chunks.stream().map(c -> c.path("choices").get(0).path("native_finish_reason"))
                    .filter(JsonNode::isTextual).map(JsonNode::asText).reduce((a, b) -> b).orElse(null);
        }
    }

    // ---- event-stream bytes, replayed in chosen pieces ----

    /** The stand-in's whole ConverseStream body for a plain text answer, as it went over the wire. */
    static byte[] captureStandInStream() throws Exception {
        var client = vertx.createHttpClient();
        try {
            return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                            .setPort(standIn.port()).setURI("/model/m/converse-stream")
                            .putHeader("Authorization", "Bearer " + apiKey("ok"))
                            .putHeader("Content-Type", "application/json"))
                    .compose(req -> req.send("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}]}"))
                    .compose(res -> res.body()).map(Buffer::getBytes)
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            client.close();
        }
    }

    /** An event stream's frames: each starts with its total length (4 bytes, big-endian). */
    static List<byte[]> frames(byte[] stream) {
        List<byte[]> frames = new ArrayList<>();
        for (int at = 0; at < stream.length; ) {
            int length = ByteBuffer.wrap(stream, at, 4).getInt();
            frames.add(Arrays.copyOfRange(stream, at, at + length));
            at += length;
        }
        return frames;
    }

    static int firstFrameLength(byte[] stream) {
        return frames(stream).get(0).length;
    }

    static byte[] event(String type, String payload) {
        return frame(Map.of(":message-type", "event", ":event-type", type, ":content-type", "application/json"),
                payload);
    }

    static byte[] frame(Map<String, String> headers, String payload) {
        Map<String, HeaderValue> values = new LinkedHashMap<>();
        headers.forEach((k, v) -> values.put(k, HeaderValue.fromString(v)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Message(values, payload.getBytes(StandardCharsets.UTF_8)).encode(out);
        return out.toByteArray();
    }

    static Recorder replay(List<byte[]> pieces) throws Exception {
        try (Replay replay = new Replay(pieces)) {
            return streamed(replay.provider(), BedrockCredential.ofApiKey("k"), chat("Hi"));
        }
    }

    /**
     * A loopback server answering every request 200 with the given event-stream bytes, each piece written and flushed
     * 30 ms after the one before, so the client reads them apart.
     */
    static final class Replay implements AutoCloseable {
        final HttpServer server;

        Replay(List<byte[]> pieces) throws Exception {
            server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
                HttpServerResponse res = req.response().setChunked(true)
                        .putHeader("Content-Type", "application/vnd.amazon.eventstream");
                write(res, pieces, 0);
            })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        private void write(HttpServerResponse res, List<byte[]> pieces, int i) {
            if (i == pieces.size()) {
                res.end();
                return;
            }
            res.write(Buffer.buffer(pieces.get(i)));
            vertx.setTimer(30, t -> write(res, pieces, i + 1));
        }

        ProviderSpec provider() {
            return BedrockAdapterTests.provider("http://127.0.0.1:" + server.actualPort());
        }

        @Override
        public void close() {
            server.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
