package io.keyway.gateway.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.standin.BedrockStandIn.AuthKind;
import io.keyway.gateway.standin.BedrockStandIn.Call;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.token.credentials.StaticTokenProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.auth.scheme.BedrockRuntimeAuthSchemeProvider;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDeltaEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStartEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStopEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamMetadataEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.ImageSource;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStartEvent;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStopEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ModelNotReadyException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceUnavailableException;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/**
 * {@link BedrockStandIn} checked by the official AWS SDK for Java v2 (bedrockruntime): the SDK's real Converse and
 * ConverseStream requests, SigV4-signed or carrying a Bedrock API key, are accepted; its parsers read the stand-in's
 * answers, frames and errors into the SDK's own types. Retries are off so that error cases answer at once.
 */
class BedrockStandInSdkTests {

    /** An inference-profile id: its ':' is percent-encoded in the path, and SigV4 encodes the path once more. */
    private static final String MODEL = "us.anthropic.claude-3-haiku-20240307-v1:0";
    private static final String SECRET = "test-secret-access-key-" + java.util.UUID.randomUUID();
    private static final List<String> BEHAVIOURS = List.of("ok", "tooluse", "throttle", "denied", "invalid",
            "unavailable", "notready", "internal", "midstream", "reset");

    private static BedrockStandIn standIn; // SDK clients are made per test: each carries the credential that picks a behaviour
    private static SdkAsyncHttpClient netty; // shared: a Netty client takes seconds to close

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> secrets = BEHAVIOURS.stream().collect(Collectors.toMap(BedrockStandInSdkTests::keyId, b -> SECRET));
        standIn = new BedrockStandIn(secrets, Set.of("ok-bedrock-api-key", "tooluse-bedrock-api-key"));
        netty = NettyNioAsyncHttpClient.create();
    }

    @AfterAll
    static void stop() {
        netty.close();
        standIn.close();
    }

    @BeforeEach
    void clearCalls() {
        standIn.reset();
    }

    private static String keyId(String behaviour) {
        return behaviour + "-test-access-key-id";
    }

    private static BedrockRuntimeClient client(String accessKeyId, String secret, Region region) {
        return BedrockRuntimeClient.builder().endpointOverride(standIn.endpoint()).region(region)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secret)))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    private static BedrockRuntimeClient client(String behaviour) {
        return client(keyId(behaviour), SECRET, Region.US_EAST_1);
    }

    private static BedrockRuntimeAsyncClient asyncClient(String behaviour) {
        return BedrockRuntimeAsyncClient.builder().endpointOverride(standIn.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(keyId(behaviour), SECRET)))
                .httpClient(netty)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    private static Message user(String text) {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build();
    }

    private static ToolConfiguration weatherTool() {
        Document schema = Document.mapBuilder().putString("type", "object")
                .putDocument("properties", Document.mapBuilder()
                        .putDocument("city", Document.mapBuilder().putString("type", "string").build()).build())
                .build();
        return ToolConfiguration.builder()
                .tools(Tool.fromToolSpec(t -> t.name("get_weather").description("Current weather in a city")
                        .inputSchema(ToolInputSchema.fromJson(schema))))
                .toolChoice(c -> c.auto(a -> { }))
                .build();
    }

    // ---- Converse ----

    @Test
    void converseAnswersTextWithUsageIncludingCacheTokensAndRecordsTheSignedCall() {
        try (BedrockRuntimeClient client = client("ok")) {
            ConverseResponse response = client.converse(ConverseRequest.builder().modelId(MODEL)
                    .system(SystemContentBlock.fromText("Be brief."))
                    .messages(user("Hi"))
                    .inferenceConfig(c -> c.maxTokens(100).temperature(0.5f).topP(0.9f).stopSequences("END"))
                    .additionalModelRequestFields(Document.mapBuilder().putNumber("top_k", 200).build())
                    .build());

            assertEquals(BedrockStandIn.TEXT, response.output().message().content().get(0).text());
            assertEquals(ConversationRole.ASSISTANT, response.output().message().role());
            assertEquals(StopReason.END_TURN, response.stopReason());
            TokenUsage usage = response.usage();
            assertEquals(10, usage.inputTokens());
            assertEquals(5, usage.outputTokens());
            assertEquals(3, usage.cacheReadInputTokens());
            assertEquals(2, usage.cacheWriteInputTokens());
            assertEquals(BedrockStandIn.TOTAL_TOKENS, usage.totalTokens());
            assertNotNull(response.metrics().latencyMs());
        }
        Call call = standIn.calls().get(0);
        assertEquals("/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/converse", call.path());
        assertEquals(MODEL, call.modelId());
        assertFalse(call.stream());
        assertEquals(AuthKind.SIGV4, call.auth());
        assertEquals(keyId("ok"), call.credential());
        assertEquals("us-east-1", call.region());
        assertEquals("bedrock", call.service());
        JsonObject body = call.body();
        assertEquals("Hi", body.getJsonArray("messages").getJsonObject(0).getJsonArray("content").getJsonObject(0)
                .getString("text"));
        assertEquals("Be brief.", body.getJsonArray("system").getJsonObject(0).getString("text"));
        assertEquals(100, body.getJsonObject("inferenceConfig").getInteger("maxTokens"));
        assertEquals("END", body.getJsonObject("inferenceConfig").getJsonArray("stopSequences").getString(0));
        assertEquals(200, body.getJsonObject("additionalModelRequestFields").getInteger("top_k"));
    }

    @Test
    void anImageBlockArrivesWithItsFormatAndBase64Bytes() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        try (BedrockRuntimeClient client = client("ok")) {
            client.converse(r -> r.modelId(MODEL).messages(Message.builder().role(ConversationRole.USER).content(
                    ContentBlock.fromText("What is this?"),
                    ContentBlock.fromImage(i -> i.format(ImageFormat.PNG)
                            .source(ImageSource.fromBytes(SdkBytes.fromByteArray(png))))).build()));
        }
        JsonObject image = standIn.calls().get(0).body().getJsonArray("messages").getJsonObject(0)
                .getJsonArray("content").getJsonObject(1).getJsonObject("image");
        assertEquals("png", image.getString("format"));
        assertEquals(Base64.getEncoder().encodeToString(png), image.getJsonObject("source").getString("bytes"));
    }

    @Test
    void theRegionOfTheCredentialScopeIsRecorded() {
        try (BedrockRuntimeClient client = client(keyId("ok"), SECRET, Region.EU_WEST_3)) {
            client.converse(r -> r.modelId(MODEL).messages(user("Bonjour")));
        }
        assertEquals("eu-west-3", standIn.calls().get(0).region());
    }

    @Test
    void converseStopsAtMaxTokensAndAtAStopSequence() {
        try (BedrockRuntimeClient client = client("ok")) {
            ConverseResponse cut = client.converse(r -> r.modelId(MODEL).messages(user("Hi"))
                    .inferenceConfig(c -> c.maxTokens(2)));
            assertEquals("Hello from", cut.output().message().content().get(0).text());
            assertEquals(StopReason.MAX_TOKENS, cut.stopReason());
            assertEquals(2, cut.usage().outputTokens());

            ConverseResponse stopped = client.converse(r -> r.modelId(MODEL).messages(user("Hi"))
                    .inferenceConfig(c -> c.stopSequences("Bedrock")));
            assertEquals("Hello from the ", stopped.output().message().content().get(0).text());
            assertEquals(StopReason.STOP_SEQUENCE, stopped.stopReason());
        }
    }

    @Test
    void converseWithAToolAsksForItThenQuotesItsResult() {
        try (BedrockRuntimeClient client = client("tooluse")) {
            Message question = user("What is the weather in Paris?");
            ConverseResponse first = client.converse(r -> r.modelId(MODEL).messages(question).toolConfig(weatherTool()));

            assertEquals(StopReason.TOOL_USE, first.stopReason());
            ToolUseBlock toolUse = first.output().message().content().get(0).toolUse();
            assertEquals("get_weather", toolUse.name());
            assertTrue(toolUse.toolUseId().startsWith("tooluse_"));
            assertEquals("Paris", toolUse.input().asMap().get("city").asString());

            Message result = Message.builder().role(ConversationRole.USER).content(ContentBlock.fromToolResult(t -> t
                    .toolUseId(toolUse.toolUseId()).content(ToolResultContentBlock.fromText("18°C and sunny")))).build();
            ConverseResponse second = client.converse(r -> r.modelId(MODEL).toolConfig(weatherTool())
                    .messages(question, first.output().message(), result));

            assertEquals(StopReason.END_TURN, second.stopReason());
            assertEquals("The tool said: 18°C and sunny", second.output().message().content().get(0).text());
        }
        JsonObject sent = standIn.calls().get(0).body().getJsonObject("toolConfig");
        JsonObject spec = sent.getJsonArray("tools").getJsonObject(0).getJsonObject("toolSpec");
        assertEquals("get_weather", spec.getString("name"));
        assertEquals("object", spec.getJsonObject("inputSchema").getJsonObject("json").getString("type"));
        assertTrue(sent.getJsonObject("toolChoice").containsKey("auto"));
    }

    @Test
    void theStandInValidatesWhatTheRealApiValidates() {
        try (BedrockRuntimeClient client = client("ok")) {
            Message assistantFirst = Message.builder().role(ConversationRole.ASSISTANT)
                    .content(ContentBlock.fromText("Hello")).build();
            ValidationException e = assertThrows(ValidationException.class,
                    () -> client.converse(r -> r.modelId(MODEL).messages(assistantFirst)));
            assertTrue(e.awsErrorDetails().errorMessage().startsWith("A conversation must start with a user message"));

            Message toolResultWithoutTools = Message.builder().role(ConversationRole.USER).content(ContentBlock
                    .fromToolResult(t -> t.toolUseId("tooluse_x").content(ToolResultContentBlock.fromText("1")))).build();
            assertThrows(ValidationException.class,
                    () -> client.converse(r -> r.modelId(MODEL).messages(toolResultWithoutTools)));

            assertThrows(ValidationException.class, () -> client.converse(r -> r.modelId(MODEL).messages(user("Hi"))
                    .inferenceConfig(c -> c.temperature(1.5f))));
        }
    }

    // ---- ConverseStream ----

    private static List<ConverseStreamOutput> stream(String behaviour, ConverseStreamRequest request) throws Exception {
        List<ConverseStreamOutput> events = new CopyOnWriteArrayList<>();
        try (BedrockRuntimeAsyncClient client = asyncClient(behaviour)) {
            client.converseStream(request, ConverseStreamResponseHandler.builder().subscriber(events::add).build())
                    .get(10, TimeUnit.SECONDS);
        }
        return events;
    }

    private static <T> List<T> eventsOf(List<ConverseStreamOutput> events, Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void converseStreamDeliversTheTextInPiecesThenStopReasonAndUsage() throws Exception {
        List<ConverseStreamOutput> events = stream("ok", ConverseStreamRequest.builder().modelId(MODEL)
                .messages(user("Hi")).build());

        assertInstanceOf(MessageStartEvent.class, events.get(0));
        assertEquals(ConversationRole.ASSISTANT, ((MessageStartEvent) events.get(0)).role());
        List<ContentBlockDeltaEvent> deltas = eventsOf(events, ContentBlockDeltaEvent.class);
        assertTrue(deltas.size() >= 2, "the text arrives in two or more deltas");
        assertEquals(BedrockStandIn.TEXT, deltas.stream().map(d -> d.delta().text()).collect(Collectors.joining()));
        assertTrue(eventsOf(events, ContentBlockStartEvent.class).isEmpty(), "a text block has no contentBlockStart");
        assertEquals(1, eventsOf(events, ContentBlockStopEvent.class).size());
        assertEquals(StopReason.END_TURN, eventsOf(events, MessageStopEvent.class).get(0).stopReason());
        ConverseStreamMetadataEvent metadata = eventsOf(events, ConverseStreamMetadataEvent.class).get(0);
        assertEquals(10, metadata.usage().inputTokens());
        assertEquals(5, metadata.usage().outputTokens());
        assertEquals(3, metadata.usage().cacheReadInputTokens());
        assertEquals(2, metadata.usage().cacheWriteInputTokens());
        assertNotNull(metadata.metrics().latencyMs());
        assertInstanceOf(ConverseStreamMetadataEvent.class, events.get(events.size() - 1));

        Call call = standIn.calls().get(0);
        assertEquals("/model/us.anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", call.path());
        assertTrue(call.stream());
        assertEquals(AuthKind.SIGV4, call.auth());
    }

    @Test
    void converseStreamAssemblesAToolUseInputFromPartialJson() throws Exception {
        List<ConverseStreamOutput> events = stream("tooluse", ConverseStreamRequest.builder().modelId(MODEL)
                .messages(user("Weather in Paris?")).toolConfig(weatherTool()).build());

        ContentBlockStartEvent start = eventsOf(events, ContentBlockStartEvent.class).get(0);
        assertEquals("get_weather", start.start().toolUse().name());
        assertTrue(start.start().toolUse().toolUseId().startsWith("tooluse_"));
        List<ContentBlockDeltaEvent> deltas = eventsOf(events, ContentBlockDeltaEvent.class);
        assertTrue(deltas.size() >= 2, "the input arrives in two or more pieces");
        String input = deltas.stream().map(d -> d.delta().toolUse().input()).collect(Collectors.joining());
        assertEquals("Paris", new JsonObject(input).getString("city"));
        assertEquals(StopReason.TOOL_USE, eventsOf(events, MessageStopEvent.class).get(0).stopReason());
        assertEquals(5, eventsOf(events, ConverseStreamMetadataEvent.class).get(0).usage().outputTokens());
    }

    @Test
    void aMidStreamExceptionEventSurfacesAsTheSdksInternalServerException() {
        List<ConverseStreamOutput> events = new CopyOnWriteArrayList<>();
        try (BedrockRuntimeAsyncClient client = asyncClient("midstream")) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> client.converseStream(
                    r -> r.modelId(MODEL).messages(user("Hi")),
                    ConverseStreamResponseHandler.builder().subscriber(events::add).build()).get(10, TimeUnit.SECONDS));
            assertInstanceOf(InternalServerException.class, rootServiceException(e));
        }
        assertInstanceOf(MessageStartEvent.class, events.get(0));
        assertEquals(BedrockStandIn.MIDSTREAM_TEXT, ((ContentBlockDeltaEvent) events.get(1)).delta().text());
        assertTrue(eventsOf(events, MessageStopEvent.class).isEmpty());
    }

    // ---- errors ----

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("throttle", ThrottlingException.class, 429),
                Arguments.of("denied", AccessDeniedException.class, 403),
                Arguments.of("invalid", ValidationException.class, 400),
                Arguments.of("unavailable", ServiceUnavailableException.class, 503),
                Arguments.of("notready", ModelNotReadyException.class, 429),
                Arguments.of("internal", InternalServerException.class, 500));
    }

    @ParameterizedTest(name = "{0}: Converse fails with {1}")
    @MethodSource("errors")
    void converseErrorsMapToTheSdksExceptionTypes(String behaviour, Class<? extends AwsServiceException> type, int status) {
        try (BedrockRuntimeClient client = client(behaviour)) {
            AwsServiceException e = assertThrows(type, () -> client.converse(r -> r.modelId(MODEL).messages(user("Hi"))));
            assertEquals(status, e.statusCode());
            assertEquals(type.getSimpleName(), e.awsErrorDetails().errorCode());
            assertFalse(e.awsErrorDetails().errorMessage().isBlank());
        }
    }

    @ParameterizedTest(name = "{0}: ConverseStream fails with {1}")
    @MethodSource("errors")
    void converseStreamErrorsMapToTheSdksExceptionTypes(String behaviour, Class<? extends AwsServiceException> type,
                                                        int status) {
        try (BedrockRuntimeAsyncClient client = asyncClient(behaviour)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> client.converseStream(
                    r -> r.modelId(MODEL).messages(user("Hi")),
                    ConverseStreamResponseHandler.builder().subscriber(event -> { }).build()).get(10, TimeUnit.SECONDS));
            AwsServiceException cause = rootServiceException(e);
            assertInstanceOf(type, cause);
            assertEquals(status, cause.statusCode());
        }
    }

    @Test
    void aMidstreamCredentialFailsConverseWholeWithInternalServerException() {
        try (BedrockRuntimeClient client = client("midstream")) {
            assertThrows(InternalServerException.class, () -> client.converse(r -> r.modelId(MODEL).messages(user("Hi"))));
        }
    }

    @Test
    void resetClosesTheConnectionWithoutAnAnswer() {
        try (BedrockRuntimeClient client = client("reset")) {
            assertThrows(SdkClientException.class, () -> client.converse(r -> r.modelId(MODEL).messages(user("Hi"))));
        }
        assertEquals(1, standIn.calls().size());
    }

    private static AwsServiceException rootServiceException(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof AwsServiceException e) {
                return e;
            }
        }
        throw new AssertionError("no service exception in " + thrown);
    }

    // ---- SigV4 ----

    @Test
    void aRequestSignedWithAWrongSecretIsRejectedAsInvalidSignature() {
        try (BedrockRuntimeClient client = client(keyId("ok"), SECRET + "-wrong", Region.US_EAST_1)) {
            AwsServiceException e = assertThrows(AwsServiceException.class,
                    () -> client.converse(r -> r.modelId(MODEL).messages(user("Hi"))));
            assertEquals(403, e.statusCode());
            assertEquals("InvalidSignatureException", e.awsErrorDetails().errorCode());
            assertTrue(e.awsErrorDetails().errorMessage().startsWith("The request signature we calculated does not match"));
        }
        assertEquals(keyId("ok"), standIn.calls().get(0).credential());
    }

    @Test
    void anUnknownAccessKeyIdIsRejectedAsUnrecognizedClient() {
        try (BedrockRuntimeClient client = client("ok-test-unknown-access-key-id", SECRET, Region.US_EAST_1)) {
            AwsServiceException e = assertThrows(AwsServiceException.class,
                    () -> client.converse(r -> r.modelId(MODEL).messages(user("Hi"))));
            assertEquals(403, e.statusCode());
            assertEquals("UnrecognizedClientException", e.awsErrorDetails().errorCode());
        }
    }

    /** Signs a Converse request with the SDK's signer and sends it (or another body under its signature) as plain HTTP. */
    private static HttpResponse<String> sendSigned(String signedBody, String sentBody, Instant signedAt) throws Exception {
        URI uri = URI.create(standIn.endpoint() + "/model/" + "anthropic.claude-3-haiku-20240307-v1%3A0" + "/converse");
        SdkHttpFullRequest request = SdkHttpFullRequest.builder().method(SdkHttpMethod.POST).uri(uri)
                .putHeader("Content-Type", "application/json").build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(keyId("ok"), SECRET))
                .request(request)
                .payload(ContentStreamProvider.fromUtf8String(signedBody))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-west-2")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)));
        HttpRequest.Builder http = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(sentBody));
        signed.request().forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) { // java.net.http writes the same Host itself
                values.forEach(v -> http.header(name, v));
            }
        });
        return HttpClient.newHttpClient().send(http.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBodyChangedAfterSigningIsRejectedSoThePayloadIsPartOfTheRecomputedSignature() throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}]}";
        HttpResponse<String> intact = sendSigned(body, body, Instant.now());
        assertEquals(200, intact.statusCode(), intact.body());
        assertEquals("us-west-2", standIn.calls().get(0).region());

        HttpResponse<String> changed = sendSigned(body, body.replace("Hi", "Ho"), Instant.now());
        assertEquals(403, changed.statusCode());
        assertEquals("InvalidSignatureException", changed.headers().firstValue("x-amzn-ErrorType").orElseThrow());
        assertTrue(new JsonObject(changed.body()).getString("message").startsWith("The request signature we calculated"));
    }

    @Test
    void aSignatureOlderThanFifteenMinutesIsRejected() throws Exception {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}]}";
        HttpResponse<String> old = sendSigned(body, body, Instant.now().minus(Duration.ofMinutes(20)));
        assertEquals(403, old.statusCode());
        assertTrue(new JsonObject(old.body()).getString("message").startsWith("Signature expired"));
    }

    @Test
    void aRequestWithoutAuthorizationIsRejected() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(standIn.endpoint() + "/model/m/converse"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, response.statusCode());
        assertEquals("MissingAuthenticationTokenException", response.headers().firstValue("x-amzn-ErrorType").orElseThrow());
        assertEquals(AuthKind.NONE, standIn.calls().get(0).auth());
    }

    // ---- Bedrock API keys ----

    /** The SDK's bearer support: a token provider, and the httpBearerAuth scheme preferred over SigV4. */
    private static BedrockRuntimeClient apiKeyClient(String apiKey) {
        return BedrockRuntimeClient.builder().endpointOverride(standIn.endpoint()).region(Region.US_EAST_1)
                .tokenProvider(StaticTokenProvider.create(() -> apiKey))
                .authSchemeProvider(BedrockRuntimeAuthSchemeProvider.defaultProvider(List.of("httpBearerAuth")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @Test
    void aKnownBedrockApiKeyIsAcceptedAsABearerTokenAndNeverPrinted() {
        try (BedrockRuntimeClient client = apiKeyClient("ok-bedrock-api-key")) {
            ConverseResponse response = client.converse(r -> r.modelId(MODEL).messages(user("Hi")));
            assertEquals(BedrockStandIn.TEXT, response.output().message().content().get(0).text());
        }
        Call call = standIn.calls().get(0);
        assertEquals(AuthKind.BEARER, call.auth());
        assertEquals("ok-bedrock-api-key", call.credential());
        assertFalse(call.toString().contains("bedrock-api-key"));
    }

    @Test
    void anUnknownBedrockApiKeyIsRejected() {
        try (BedrockRuntimeClient client = apiKeyClient("ok-not-a-known-key")) {
            AccessDeniedException e = assertThrows(AccessDeniedException.class,
                    () -> client.converse(r -> r.modelId(MODEL).messages(user("Hi"))));
            assertEquals(403, e.statusCode());
        }
    }

    @Test
    void theApiKeysPrefixChoosesTheBehaviourToo() {
        try (BedrockRuntimeClient client = apiKeyClient("tooluse-bedrock-api-key")) {
            ConverseResponse response = client.converse(r -> r.modelId(MODEL).messages(user("Weather?"))
                    .toolConfig(weatherTool()));
            assertEquals(StopReason.TOOL_USE, response.stopReason());
        }
        List<String> seen = new ArrayList<>();
        standIn.calls().forEach(c -> seen.add(c.auth() + " " + c.modelId()));
        assertEquals(List.of("BEARER " + MODEL), seen);
    }
}
