package io.keyway.gateway.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicIoException;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.OverloadedException;
import com.anthropic.errors.PermissionDeniedException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.errors.SseException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Base64ImageSource;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.ImageBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.TextBlockParam;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.vertex.backends.VertexBackend;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Anthropic's official Java SDK (and its Vertex backend) against {@link AnthropicStandIn}: every check is a real SDK
 * call, so the stand-in accepts what the SDK sends and answers what the SDK parses. A few checks use plain HTTP for
 * what the SDK cannot send (no version header, a system-role message under 2023-06-01), to see the real API's refusals.
 */
class AnthropicStandInSdkTests {

    private static final String MODEL = "claude-sonnet-4-5";
    /** A 1x1 transparent PNG. */
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVO"
            + "RK5CYII=";

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static AnthropicStandIn standIn;

    @BeforeAll
    static void start() throws Exception {
        standIn = new AnthropicStandIn();
    }

    @AfterAll
    static void stop() {
        standIn.close();
    }

    @BeforeEach
    void forget() {
        standIn.reset();
        standIn.defaultBehaviour("ok");
    }

    private static AnthropicClient client(String apiKey) {
        return AnthropicOkHttpClient.builder().apiKey(apiKey).baseUrl(standIn.baseUrl()).maxRetries(0)
                .timeout(TIMEOUT).build();
    }

    /** The client as the gateway's adapter talks: x-api-key and anthropic-version 2023-06-01. */
    private static AnthropicClient gatewayLikeClient(String apiKey) {
        return AnthropicOkHttpClient.builder().baseUrl(standIn.baseUrl()).maxRetries(0).timeout(TIMEOUT)
                .putHeader("x-api-key", apiKey).putHeader("anthropic-version", "2023-06-01").build();
    }

    private static MessageCreateParams.Builder hello() {
        return MessageCreateParams.builder().model(MODEL).maxTokens(1024).addUserMessage("Say hello");
    }

    private static Tool weatherTool() {
        return Tool.builder().name("get_weather").description("The weather in a city")
                .inputSchema(Tool.InputSchema.builder()
                        .properties(JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .addRequired("city").build())
                .build();
    }

    private static Message accumulate(AnthropicClient client, MessageCreateParams params) {
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        return accumulator.message();
    }

    @Test
    void plainMessageParsesWithTextStopReasonAndUsageIncludingCacheTokens() {
        Message message = client("ok-key").messages().create(hello().build());

        assertTrue(message.id().startsWith("msg_"));
        assertEquals(MODEL, message.model().asString());
        assertEquals(1, message.content().size());
        assertEquals(AnthropicStandIn.TEXT, message.content().get(0).asText().text());
        assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
        assertTrue(message.stopSequence().isEmpty());
        assertEquals(AnthropicStandIn.INPUT_TOKENS, message.usage().inputTokens());
        assertEquals(AnthropicStandIn.OUTPUT_TOKENS, message.usage().outputTokens());
        assertEquals(AnthropicStandIn.CACHE_READ_INPUT_TOKENS, message.usage().cacheReadInputTokens().orElseThrow());
        assertEquals(AnthropicStandIn.CACHE_CREATION_INPUT_TOKENS,
                message.usage().cacheCreationInputTokens().orElseThrow());
        message.validate(); // every field the SDK models has the type it expects
    }

    @Test
    void sdkRequestIsRecordedWithItsCredentialVersionAndBody() {
        client("ok-recorded").messages().create(hello().build());

        AnthropicStandIn.Call call = standIn.lastCall();
        assertEquals("/v1/messages", call.path());
        assertEquals("ok-recorded", call.credential());
        assertEquals("2026-10-21", call.anthropicVersion()); // what SDK 3.16 sends by default
        assertEquals(MODEL, call.body().getString("model"));
        assertEquals(1024, call.body().getInteger("max_tokens"));
        assertEquals("Say hello", call.body().getJsonArray("messages").getJsonObject(0).getString("content"));
        assertFalse(call.toString().contains("ok-recorded"), "credentials are masked in toString");
    }

    @Test
    void gatewayStyleRequestWithXApiKeyAndVersion20230601IsAnsweredAndRecorded() {
        Message message = gatewayLikeClient("ok-gateway").messages().create(hello().build());

        assertEquals(AnthropicStandIn.TEXT, message.content().get(0).asText().text());
        AnthropicStandIn.Call call = standIn.lastCall();
        assertEquals("ok-gateway", call.apiKey());
        assertNull(call.bearerToken());
        assertEquals("2023-06-01", call.anthropicVersion());
    }

    @Test
    void streamAccumulatesTextUsageAndStopReason() {
        Message message = accumulate(client("ok-stream"), hello().build());

        assertEquals(AnthropicStandIn.TEXT, message.content().get(0).asText().text());
        assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
        assertEquals(AnthropicStandIn.INPUT_TOKENS, message.usage().inputTokens());
        assertEquals(AnthropicStandIn.OUTPUT_TOKENS, message.usage().outputTokens());
        assertEquals(AnthropicStandIn.CACHE_READ_INPUT_TOKENS, message.usage().cacheReadInputTokens().orElseThrow());
        assertTrue(standIn.lastCall().body().getBoolean("stream"));
    }

    @Test
    void streamSendsEveryEventTypeIncludingPingAndSeveralTextDeltas() {
        List<String> types = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> stream = client("ok-events").messages()
                .createStreaming(hello().build())) {
            stream.stream().forEach(event -> types.add(eventType(event)));
        }
        // ping is read and dropped by the SDK's SSE reader, so it is checked on the wire below
        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop"), types);
    }

    @Test
    void streamOnTheWireHasEventLinesAndAPing() throws Exception {
        String body = rawPost("/v1/messages", "ok-wire", "2023-06-01",
                new JsonObject().put("model", MODEL).put("max_tokens", 64).put("stream", true)
                        .put("messages", List.of(Map.of("role", "user", "content", "Hi")))).body();

        assertTrue(body.startsWith("event: message_start\ndata: {\"type\":\"message_start\""), body);
        assertTrue(body.contains("event: ping\ndata: {\"type\":\"ping\"}\n\n"), body);
        assertTrue(body.endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"), body);
    }

    private static String eventType(RawMessageStreamEvent event) {
        if (event.isMessageStart()) {
            return "message_start";
        } else if (event.isContentBlockStart()) {
            return "content_block_start";
        } else if (event.isContentBlockDelta()) {
            return "content_block_delta";
        } else if (event.isContentBlockStop()) {
            return "content_block_stop";
        } else if (event.isMessageDelta()) {
            return "message_delta";
        }
        return event.isMessageStop() ? "message_stop" : "unknown";
    }

    @Test
    void streamedToolUseHasItsInputAssembledFromSeveralJsonDeltas() {
        List<String> partialJson = new ArrayList<>();
        MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> stream = client("tooluse-stream").messages()
                .createStreaming(hello().addTool(weatherTool()).build())) {
            stream.stream().peek(accumulator::accumulate).forEach(event -> event.contentBlockDelta()
                    .flatMap(d -> d.delta().inputJson()).ifPresent(j -> partialJson.add(j.partialJson())));
        }
        Message message = accumulator.message();

        assertTrue(partialJson.stream().filter(p -> !p.isEmpty()).count() >= 2, partialJson.toString());
        assertEquals(StopReason.TOOL_USE, message.stopReason().orElseThrow());
        assertEquals(AnthropicStandIn.TOOL_TEXT, message.content().get(0).asText().text());
        ToolUseBlock toolUse = message.content().get(1).asToolUse();
        assertEquals("get_weather", toolUse.name());
        assertEquals(AnthropicStandIn.TOOL_USE_ID, toolUse.id());
        assertEquals(JsonValue.from(Map.of("city", "Paris")), toolUse._input());
    }

    @Test
    void streamedThinkingBlockComesFirstWithItsSignature() {
        Message message = accumulate(client("thinking-stream"),
                hello().maxTokens(4096).enabledThinking(2048).build());

        ContentBlock thinking = message.content().get(0);
        assertTrue(thinking.isThinking(), message.content().toString());
        assertEquals(AnthropicStandIn.THINKING, thinking.asThinking().thinking());
        assertEquals(AnthropicStandIn.SIGNATURE, thinking.asThinking().signature());
        assertEquals(AnthropicStandIn.TEXT, message.content().get(1).asText().text());
    }

    @Test
    void thinkingBudgetNotBelowMaxTokensIsRefusedAsTheRealApiDoes() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client("thinking-x").messages()
                .create(hello().maxTokens(2048).enabledThinking(2048).build()));
        assertTrue(e.apiMessage().orElseThrow().contains("budget_tokens"));
    }

    @Test
    void toolResultRoundTripQuotesTheToolResult() {
        AnthropicClient client = client("tooluse-roundtrip");
        MessageCreateParams.Builder conversation = hello().addTool(weatherTool());
        Message toolCall = client.messages().create(conversation.build());
        assertEquals(StopReason.TOOL_USE, toolCall.stopReason().orElseThrow());
        ToolUseBlock toolUse = toolCall.content().get(1).asToolUse();
        assertEquals(JsonValue.from(Map.of("city", "Paris")), toolUse._input());

        Message answer = client.messages().create(conversation.addMessage(toolCall)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam
                        .builder().toolUseId(toolUse.id()).content("18 degrees and sunny").build())))
                .build());

        assertEquals(StopReason.END_TURN, answer.stopReason().orElseThrow());
        assertEquals(AnthropicStandIn.TOOL_RESULT_PREFIX + "18 degrees and sunny",
                answer.content().get(0).asText().text());
        JsonObject sentToolUse = standIn.lastCall().body().getJsonArray("messages").getJsonObject(1)
                .getJsonArray("content").getJsonObject(1);
        assertEquals("tool_use", sentToolUse.getString("type"));
        assertEquals(toolUse.id(), sentToolUse.getString("id"));
    }

    @Test
    void stopSequenceEndsTheAnswerWithThatSequence() {
        Message message = client("ok-stop").messages().create(hello().addStopSequence("###").build());

        assertEquals(StopReason.STOP_SEQUENCE, message.stopReason().orElseThrow());
        assertEquals("###", message.stopSequence().orElseThrow());
        Message streamed = accumulate(client("ok-stop"), hello().addStopSequence("END").build());
        assertEquals(StopReason.STOP_SEQUENCE, streamed.stopReason().orElseThrow());
        assertEquals("END", streamed.stopSequence().orElseThrow());
    }

    @Test
    void maxTokensBelowFiveCutsTheAnswerWithStopReasonMaxTokens() {
        Message message = client("ok-short").messages().create(hello().maxTokens(2).build());

        assertEquals(StopReason.MAX_TOKENS, message.stopReason().orElseThrow());
        assertEquals("Hello from", message.content().get(0).asText().text());
        assertEquals(2, message.usage().outputTokens());
        Message streamed = accumulate(client("ok-short"), hello().maxTokens(3).build());
        assertEquals(StopReason.MAX_TOKENS, streamed.stopReason().orElseThrow());
        assertEquals(3, streamed.usage().outputTokens());
    }

    @Test
    void eachErrorStatusSurfacesAsTheSdksMatchingException() {
        assertError(RateLimitException.class, 429, "rate_limit_error", "status429-key");
        assertError(UnauthorizedException.class, 401, "authentication_error", "status401-key");
        assertError(PermissionDeniedException.class, 403, "permission_error", "status403-key");
        assertError(BadRequestException.class, 400, "invalid_request_error", "status400-key");
        assertError(InternalServerException.class, 500, "api_error", "status500-key");
        assertError(OverloadedException.class, 529, "overloaded_error", "status529-key");
    }

    private static void assertError(Class<? extends AnthropicServiceException> type, int status, String errorType,
                                    String apiKey) {
        AnthropicServiceException e = assertThrows(type, () -> client(apiKey).messages().create(hello().build()));
        assertEquals(status, e.statusCode());
        assertEquals(errorType, e.type().orElseThrow().asString());
        assertTrue(e.requestId().orElseThrow().startsWith("req_"));
        assertFalse(e.getMessage().contains(apiKey), "the key never appears in the SDK's message");
    }

    @Test
    void rateLimitCarriesRetryAfter() {
        RateLimitException e = assertThrows(RateLimitException.class,
                () -> client("status429-x").messages().create(hello().build()));
        assertEquals(List.of("7"), e.headers().values("retry-after"));
    }

    @Test
    void lowCreditIsABadRequestWithAnthropicsMessage() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client("credit-key").messages().create(hello().build()));
        assertEquals(AnthropicStandIn.CREDIT_MESSAGE, e.apiMessage().orElseThrow());
    }

    @Test
    void systemPromptAndImageFromTheSdkAreAccepted() {
        Message message = client("ok-vision").messages().create(MessageCreateParams.builder().model(MODEL)
                .maxTokens(256).system("You are terse.")
                .addUserMessageOfContentBlockParams(List.of(
                        ContentBlockParam.ofImage(ImageBlockParam.builder().source(Base64ImageSource.builder()
                                .mediaType(Base64ImageSource.MediaType.IMAGE_PNG).data(PNG).build()).build()),
                        ContentBlockParam.ofText(TextBlockParam.builder().text("What is this?").build())))
                .build());

        assertEquals(AnthropicStandIn.TEXT, message.content().get(0).asText().text());
        JsonObject body = standIn.lastCall().body();
        assertEquals("You are terse.", body.getString("system"));
        JsonObject image = body.getJsonArray("messages").getJsonObject(0).getJsonArray("content").getJsonObject(0);
        assertEquals("base64", image.getJsonObject("source").getString("type"));
    }

    @Test
    void systemPromptAsTextBlocksIsAccepted() {
        Message message = client("ok-blocks").messages().create(hello()
                .systemOfTextBlockParams(List.of(TextBlockParam.builder().text("Be brief.").build())).build());
        assertEquals(AnthropicStandIn.TEXT, message.content().get(0).asText().text());
        assertEquals("Be brief.", standIn.lastCall().body().getJsonArray("system").getJsonObject(0).getString("text"));
    }

    @Test
    void systemRoleMessageUnderVersion20230601IsRefused() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> gatewayLikeClient("ok-sys")
                .messages().create(hello().addSystemMessage("Be brief.").build()));
        assertTrue(e.apiMessage().orElseThrow().contains("Unexpected role \"system\""));
    }

    @Test
    void missingRequiredFieldsAndUnknownBlockTypesAreRefusedWithTheirField() {
        assertInvalid(hello().build(), null); // control: the same client and key, valid
        assertInvalid(hello().putAdditionalBodyProperty("max_tokens", JsonValue.from(0)).build(), "max_tokens");
        assertInvalid(hello().messages(List.of()).build(), "messages");
        assertInvalid(hello().putAdditionalBodyProperty("n", JsonValue.from(2)).build(), "n: Extra inputs");
        assertInvalid(hello().addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofText(TextBlockParam
                .builder().text("x").putAdditionalProperty("type", JsonValue.from("video")).build()))).build(),
                "Input tag 'video'");
    }

    private static void assertInvalid(MessageCreateParams params, String messagePart) {
        if (messagePart == null) {
            client("ok-valid").messages().create(params);
            return;
        }
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client("ok-invalid").messages().create(params));
        assertEquals("invalid_request_error", e.type().orElseThrow().asString());
        assertTrue(e.apiMessage().orElseThrow().contains(messagePart), e.apiMessage().orElseThrow());
    }

    @Test
    void missingVersionHeaderIs400MissingKeyIs401AndMissingModelOrSystemRoleIs400() throws Exception {
        JsonObject body = new JsonObject().put("model", MODEL).put("max_tokens", 16)
                .put("messages", List.of(Map.of("role", "user", "content", "Hi")));
        HttpResponse<String> noVersion = rawPost("/v1/messages", "ok-raw", null, body);
        assertEquals(400, noVersion.statusCode());
        assertEquals("invalid_request_error",
                new JsonObject(noVersion.body()).getJsonObject("error").getString("type"));
        assertEquals(400, rawPost("/v1/messages", "ok-raw", "1999-01-01", body).statusCode());
        HttpResponse<String> noKey = rawPost("/v1/messages", null, "2023-06-01", body);
        assertEquals(401, noKey.statusCode());
        assertEquals("authentication_error", new JsonObject(noKey.body()).getJsonObject("error").getString("type"));
        assertEquals(200, rawPost("/v1/messages", "ok-raw", "2023-06-01", body).statusCode());
        HttpResponse<String> noModel = rawPost("/v1/messages", "ok-raw", "2023-06-01", body.copy().put("model", null));
        assertEquals(400, noModel.statusCode());
        assertTrue(noModel.body().contains("model: "), noModel.body());
        HttpResponse<String> systemRole = rawPost("/v1/messages", "ok-raw", "2023-06-01", body.copy()
                .put("messages", List.of(Map.of("role", "system", "content", "Be brief."),
                        Map.of("role", "user", "content", "Hi"))));
        assertEquals(400, systemRole.statusCode());
    }

    @Test
    void midStreamErrorEventSurfacesAsAnSseExceptionAfterTheFirstDelta() {
        List<RawMessageStreamEvent> seen = new ArrayList<>();
        SseException e = assertThrows(SseException.class, () -> {
            try (StreamResponse<RawMessageStreamEvent> stream = client("midstream-key").messages()
                    .createStreaming(hello().build())) {
                stream.stream().forEach(seen::add);
            }
        });
        assertEquals("overloaded_error", e.type().orElseThrow().asString());
        assertTrue(seen.get(0).isMessageStart());
        assertEquals(1, seen.stream().filter(RawMessageStreamEvent::isContentBlockDelta).count());
    }

    @Test
    void midstreamWithoutStreamAndResetCloseTheConnection() {
        assertThrows(AnthropicIoException.class, () -> client("midstream-plain").messages().create(hello().build()));
        assertThrows(AnthropicIoException.class, () -> client("reset-key").messages().create(hello().build()));
    }

    @Test
    void slowAnswersAfterItsDelay() {
        long start = System.nanoTime();
        Message message = client("slow300-key").messages().create(hello().build());
        assertTrue((System.nanoTime() - start) / 1_000_000 >= 300);
        assertEquals(AnthropicStandIn.TEXT, message.content().get(0).asText().text());
    }

    // ----- Vertex AI -----

    private static AnthropicClient vertexClient(String token, Consumer<AnthropicOkHttpClient.Builder> more) {
        GoogleCredentials credentials = GoogleCredentials.create(
                new AccessToken(token, new Date(System.currentTimeMillis() + 3_600_000)));
        AnthropicOkHttpClient.Builder builder = AnthropicOkHttpClient.builder().maxRetries(0).timeout(TIMEOUT)
                .backend(VertexBackend.builder().googleCredentials(credentials).project("keyway-test")
                        .region("us-east5").baseUrl(standIn.baseUrl()).build());
        more.accept(builder);
        return builder.build();
    }

    @Test
    void vertexRawPredictIsAnsweredAndRecordedWithTokenPathAndVersionInTheBody() {
        Message message = vertexClient("ok-vertex-token", b -> { }).messages()
                .create(hello().model("claude-sonnet-4-5@20250929").build());

        assertEquals(AnthropicStandIn.TEXT, message.content().get(0).asText().text());
        assertEquals("claude-sonnet-4-5@20250929", message.model().asString());
        AnthropicStandIn.Call call = standIn.lastCall();
        assertTrue(call.vertex());
        assertEquals("/v1/projects/keyway-test/locations/us-east5/publishers/anthropic/models/"
                + "claude-sonnet-4-5@20250929:rawPredict", call.path());
        assertEquals("ok-vertex-token", call.bearerToken());
        assertFalse(call.body().containsKey("model"));
        assertEquals("2026-10-21", call.body().getString("anthropic_version")); // SDK 3.x copies its version header
    }

    @Test
    void vertexStreamRawPredictStreamsAndTakesTheVertexVersion() {
        Message message = accumulate(
                vertexClient("tooluse-vertex", b -> b.putHeader("anthropic-version",
                        AnthropicStandIn.VERTEX_ANTHROPIC_VERSION)),
                hello().addTool(weatherTool()).build());

        assertEquals(StopReason.TOOL_USE, message.stopReason().orElseThrow());
        assertEquals("get_weather", message.content().get(1).asToolUse().name());
        AnthropicStandIn.Call call = standIn.lastCall();
        assertTrue(call.path().endsWith("/models/" + MODEL + ":streamRawPredict"), call.path());
        assertEquals(AnthropicStandIn.VERTEX_ANTHROPIC_VERSION, call.body().getString("anthropic_version"));
        assertTrue(call.body().getBoolean("stream"));
    }

    @Test
    void vertexErrorsSurfaceAsTheSdksExceptions() {
        assertThrows(RateLimitException.class,
                () -> vertexClient("status429-v", b -> { }).messages().create(hello().build()));
        assertThrows(OverloadedException.class,
                () -> vertexClient("status529-v", b -> { }).messages().create(hello().build()));
        assertThrows(UnauthorizedException.class,
                () -> vertexClient("status401-v", b -> { }).messages().create(hello().build()));
    }

    @Test
    void vertexTokenThatNamesNoBehaviourTakesTheDefaultBehaviour() {
        standIn.defaultBehaviour("status403");
        assertThrows(PermissionDeniedException.class,
                () -> vertexClient("ya29.opaque-google-token", b -> { }).messages().create(hello().build()));
        standIn.defaultBehaviour("ok");
        assertEquals(AnthropicStandIn.TEXT, vertexClient("ya29.opaque-google-token", b -> { }).messages()
                .create(hello().build()).content().get(0).asText().text());
    }

    @Test
    void vertexRefusesAModelInTheBodyAndAMissingToken() throws Exception {
        String path = "/v1/projects/p/locations/us-east5/publishers/anthropic/models/" + MODEL + ":rawPredict";
        JsonObject body = new JsonObject().put("anthropic_version", AnthropicStandIn.VERTEX_ANTHROPIC_VERSION)
                .put("max_tokens", 16).put("messages", List.of(Map.of("role", "user", "content", "Hi")));
        assertEquals(200, rawVertexPost(path, "ok-token", body).statusCode());
        assertEquals(400, rawVertexPost(path, "ok-token", body.copy().put("model", MODEL)).statusCode());
        assertEquals(401, rawVertexPost(path, null, body).statusCode());
    }

    // ----- plain HTTP, for what the SDK cannot send -----

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> rawPost(String path, String apiKey, String version, JsonObject body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(standIn.baseUrl() + path))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
        if (apiKey != null) {
            request.header("x-api-key", apiKey);
        }
        if (version != null) {
            request.header("anthropic-version", version);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> rawVertexPost(String path, String token, JsonObject body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(standIn.baseUrl() + path))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
