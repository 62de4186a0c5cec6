package io.keyway.gateway.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.api.client.json.gson.GsonFactory;
import com.google.api.client.json.webtoken.JsonWebSignature;
import com.google.api.client.json.webtoken.JsonWebToken;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.OpenAIException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Checks {@link GoogleTokenStandIn} and {@link VertexStandIn} with the vendors' official clients: Google's
 * google-auth-library-java obtains (and caches, and refreshes) tokens through the JWT bearer grant, and the OpenAI Java
 * SDK, pointed at the Vertex OpenAI-compatible base URL with such a token as its API key, parses every answer.
 */
class VertexStandInSdkTests {

    static final String MODEL = "google/gemini-2.0-flash-001";
    static final String REGION = "us-central1";

    static GoogleTokenStandIn tokens;
    static VertexStandIn vertex;

    String project;
    GoogleTokenStandIn.ServiceAccountKey key;

    @BeforeAll
    static void start() throws Exception {
        tokens = new GoogleTokenStandIn();
        vertex = new VertexStandIn(tokens);
    }

    @AfterAll
    static void stop() {
        vertex.close();
        tokens.close();
    }

    @BeforeEach
    void freshAccount() {
        tokens.expiresInSeconds(3599);
        vertex.reset();
        project = "keyway-test-" + Long.toHexString(System.nanoTime());
        key = tokens.mint(project);
    }

    // ---- the token endpoint, driven by google-auth-library ----

    @Test
    void mintedKeyFileIsExchangedForATokenByTheLibrarysJwtGrant() throws IOException {
        AccessToken token = credentials(key.json()).refreshAccessToken();

        assertNotNull(token.getTokenValue());
        var grant = tokens.grantOf(token.getTokenValue()).orElseThrow();
        assertEquals(key.clientEmail(), grant.clientEmail());
        assertEquals(project, grant.projectId());
        assertEquals(List.of(GoogleTokenStandIn.CLOUD_PLATFORM), grant.scopes());
        long secondsLeft = Duration.between(Instant.now(), token.getExpirationTime().toInstant()).toSeconds();
        assertTrue(secondsLeft > 3500 && secondsLeft <= 3599, "expires_in was not honoured: " + secondsLeft);
        assertEquals(1, tokens.exchanges(key.clientEmail()));
    }

    @Test
    void keyFileReadsAsGooglesServiceAccountFormat() throws IOException {
        JsonObject file = new JsonObject(key.json());
        assertEquals("service_account", file.getString("type"));
        assertTrue(file.getString("private_key").startsWith("-----BEGIN PRIVATE KEY-----\n"));
        assertTrue(file.getString("client_email").endsWith("@" + project + ".iam.gserviceaccount.com"));
        assertEquals(tokens.tokenUri(), file.getString("token_uri"));
        var credentials = (ServiceAccountCredentials) GoogleCredentials.fromStream(stream(key.json()));
        assertEquals(project, credentials.getProjectId());
        assertEquals(key.privateKeyId(), credentials.getPrivateKeyId());
        assertEquals("global", new JsonObject(key.jsonWithRegion("global")).getString("region"));
        assertFalse(key.toString().contains("PRIVATE"), "the key file's toString must not print the private key");
    }

    @Test
    void assertionSignedByAnotherKeyIsRefusedWithInvalidGrant() {
        var other = tokens.mint(project);
        String forged = new JsonObject(key.json())
                .put("private_key", new JsonObject(other.json()).getString("private_key")).encode();
        int refusalsBefore = tokens.refusals();

        IOException refused = assertThrows(IOException.class, () -> credentials(forged).refreshAccessToken());

        assertTrue(refused.getMessage().contains("invalid_grant"), refused.getMessage());
        assertTrue(refused.getMessage().contains("Invalid JWT Signature."), refused.getMessage());
        assertEquals(0, tokens.exchanges(key.clientEmail()));
        assertEquals(refusalsBefore + 1, tokens.refusals());
    }

    @Test
    void unknownServiceAccountIsRefusedWithInvalidGrant() {
        String stranger = new JsonObject(key.json()).put("client_email", "nobody@" + project + ".iam.gserviceaccount.com")
                .encode();

        IOException refused = assertThrows(IOException.class, () -> credentials(stranger).refreshAccessToken());

        assertTrue(refused.getMessage().contains("invalid_grant"), refused.getMessage());
        assertTrue(refused.getMessage().contains("account not found"), refused.getMessage());
    }

    @Test
    void requestMetadataTwiceReusesTheLibrarysCachedTokenAfterOneExchange() throws IOException {
        GoogleCredentials credentials = credentials(key.json());

        Map<String, List<String>> first = credentials.getRequestMetadata();
        Map<String, List<String>> second = credentials.getRequestMetadata();

        assertTrue(first.get("Authorization").get(0).startsWith("Bearer ya29."));
        assertEquals(first.get("Authorization"), second.get("Authorization"));
        assertEquals(1, tokens.exchanges(key.clientEmail()));
    }

    @Test
    void shortLivedTokenIsRefreshedByTheLibraryWithASecondExchange() throws IOException {
        tokens.expiresInSeconds(30); // inside the library's expiry margin: stale as soon as it arrives
        GoogleCredentials credentials = credentials(key.json());

        String first = credentials.getRequestMetadata().get("Authorization").get(0);
        String second = credentials.getRequestMetadata().get("Authorization").get(0);

        assertNotEquals(first, second);
        assertEquals(2, tokens.exchanges(key.clientEmail()));
    }

    @Test
    void assertionWithAForeignAudienceOrStaleTimesIsRefused() throws Exception {
        var credentials = (ServiceAccountCredentials) GoogleCredentials.fromStream(stream(key.json()));
        long now = Instant.now().getEpochSecond();

        var wrongAudience = post(assertion(credentials, "https://example.com/token", now, now + 3600));
        var stale = post(assertion(credentials, GoogleTokenStandIn.GOOGLE_TOKEN_URI, now - 7200, now - 3600));
        var tooLong = post(assertion(credentials, GoogleTokenStandIn.GOOGLE_TOKEN_URI, now, now + 7200));
        var good = post(assertion(credentials, GoogleTokenStandIn.GOOGLE_TOKEN_URI, now, now + 3600));

        for (var refused : List.of(wrongAudience, stale, tooLong)) {
            assertEquals(400, refused.statusCode());
            assertEquals("invalid_grant", new JsonObject(refused.body()).getString("error"));
        }
        assertTrue(new JsonObject(stale.body()).getString("error_description").contains("iat and exp"));
        assertEquals(200, good.statusCode());
        JsonObject answer = new JsonObject(good.body());
        assertEquals("Bearer", answer.getString("token_type"));
        assertEquals(3599, answer.getInteger("expires_in"));
        assertTrue(tokens.grantOf(answer.getString("access_token")).isPresent());
    }

    @Test
    void otherGrantTypesAreUnsupported() throws Exception {
        var answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(tokens.tokenUri()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(400, answer.statusCode());
        assertEquals("unsupported_grant_type", new JsonObject(answer.body()).getString("error"));
    }

    // ---- the Vertex chat endpoint, driven by the OpenAI Java SDK ----

    @Test
    void plainCompletionParsesAndTheCallNamesProjectRegionModelAndAccount() throws IOException {
        ChatCompletion completion = openAi(REGION, token()).chat().completions().create(ask().build());

        assertEquals(VertexStandIn.TEXT, completion.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        assertEquals(VertexStandIn.PROMPT_TOKENS, completion.usage().orElseThrow().promptTokens());
        assertEquals(VertexStandIn.COMPLETION_TOKENS, completion.usage().orElseThrow().completionTokens());
        assertEquals(MODEL, completion.model());
        var call = vertex.calls().get(0);
        assertEquals("v1", call.apiVersion());
        assertEquals(project, call.project());
        assertEquals(REGION, call.location());
        assertEquals(MODEL, call.model());
        assertEquals(key.clientEmail(), call.clientEmail());
        assertFalse(call.stream());
        assertFalse(call.toString().contains(call.accessToken()), "a call's toString must not print its token");
    }

    @Test
    void globalLocationIsRecordedAsCalled() throws IOException {
        openAi("global", token()).chat().completions().create(ask().build());

        assertEquals(List.of("global"), vertex.locationsCalled());
    }

    @Test
    void streamedCompletionAccumulatesWithUsageFromTheLastChunk() throws IOException {
        var params = ask().streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        var accumulator = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        try (var stream = openAi(REGION, token()).chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunks.add(chunk);
                accumulator.accumulate(chunk);
            });
        }

        ChatCompletion completion = accumulator.chatCompletion();
        assertEquals(VertexStandIn.TEXT, completion.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        var last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty());
        assertEquals(VertexStandIn.PROMPT_TOKENS + VertexStandIn.COMPLETION_TOKENS, last.usage().orElseThrow().totalTokens());
        assertTrue(vertex.calls().get(0).stream());
        assertTrue(vertex.calls().get(0).includeUsage());
    }

    @Test
    void streamWithoutIncludeUsageHasNoUsageChunk() throws IOException {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var stream = openAi(REGION, token()).chat().completions().createStreaming(ask().build())) {
            stream.stream().forEach(chunks::add);
        }

        assertTrue(chunks.stream().noneMatch(c -> c.usage().isPresent()));
        assertEquals(ChatCompletionChunk.Choice.FinishReason.STOP,
                chunks.get(chunks.size() - 1).choices().get(0).finishReason().orElseThrow());
    }

    @Test
    void requestWithToolsGetsAToolCallAnswerPlainAndStreamed() throws IOException {
        var params = ask().addTool(weatherTool()).build();
        OpenAIClient client = openAi(REGION, token());

        ChatCompletion plain = client.chat().completions().create(params);
        var accumulator = ChatCompletionAccumulator.create();
        try (var stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }

        for (ChatCompletion completion : List.of(plain, accumulator.chatCompletion())) {
            var choice = completion.choices().get(0);
            assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
            ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
            assertEquals("get_weather", call.function().name());
            assertEquals("{\"location\":\"stand-in\"}", call.function().arguments());
        }
    }

    @ParameterizedTest(name = "{0} surfaces as {1}")
    @CsvSource({
        "STATUS_429, 429, RateLimitException, RESOURCE_EXHAUSTED",
        "STATUS_403, 403, PermissionDeniedException, PERMISSION_DENIED",
        "STATUS_400, 400, BadRequestException, INVALID_ARGUMENT",
        "STATUS_500, 500, InternalServerException, INTERNAL",
        "STATUS_503, 503, InternalServerException, UNAVAILABLE"})
    void injectedStatusSurfacesAsTheSdksExceptionWithGooglesErrorBody(VertexStandIn.Behaviour behaviour, int status,
            String exception, String googleStatus) throws IOException {
        vertex.behave(project, behaviour);
        OpenAIClient client = openAi(REGION, token());

        var failure = assertThrows(OpenAIServiceException.class, () -> client.chat().completions().create(ask().build()));

        assertEquals(status, failure.statusCode());
        assertEquals(exception, failure.getClass().getSimpleName());
        JsonObject error = googleError(failure);
        assertEquals(googleStatus, error.getString("status"));
        assertEquals(status, error.getInteger("code"));
        assertEquals(1, vertex.calls().size(), "SDK retries are off: one call");
    }

    @Test
    void unknownTokenIsUnauthenticated() {
        var failure = assertThrows(UnauthorizedException.class,
                () -> openAi(REGION, "ya29.not-issued-here").chat().completions().create(ask().build()));

        assertEquals("UNAUTHENTICATED", googleError(failure).getString("status"));
        assertNull(vertex.calls().get(0).clientEmail());
    }

    @Test
    void expiredTokenIsUnauthenticated() throws Exception {
        tokens.expiresInSeconds(1);
        String token = token();
        Thread.sleep(1100);

        assertThrows(UnauthorizedException.class, () -> openAi(REGION, token).chat().completions().create(ask().build()));
    }

    @Test
    void tokenOfAnotherProjectsServiceAccountIsDenied() throws IOException {
        String otherProjectsToken = credentials(tokens.mint("someone-else").json()).refreshAccessToken().getTokenValue();

        assertThrows(PermissionDeniedException.class,
                () -> openAi(REGION, otherProjectsToken).chat().completions().create(ask().build()));
    }

    @Test
    void tokenWithoutCloudPlatformScopeIsDenied() throws IOException {
        String narrow = ((ServiceAccountCredentials) GoogleCredentials.fromStream(stream(key.json())))
                .createScoped("https://www.googleapis.com/auth/devstorage.read_only").refreshAccessToken().getTokenValue();

        var failure = assertThrows(PermissionDeniedException.class,
                () -> openAi(REGION, narrow).chat().completions().create(ask().build()));
        assertTrue(failure.getMessage().contains("insufficient authentication scopes"), failure.getMessage());
    }

    @Test
    void modelWithoutThePublisherPrefixIsAnInvalidArgument() throws IOException {
        assertThrows(BadRequestException.class, () -> openAi(REGION, token()).chat().completions()
                .create(ChatCompletionCreateParams.builder().model("gemini-2.0-flash-001").addUserMessage("Hi").build()));
    }

    @Test
    void resetClosesTheConnectionWithoutAnAnswer() throws IOException {
        vertex.behave(project, VertexStandIn.Behaviour.RESET);

        assertThrows(OpenAIIoException.class, () -> openAi(REGION, token()).chat().completions().create(ask().build()));
        assertEquals(1, vertex.calls().size());
    }

    @Test
    void midstreamDeliversTwoChunksThenBreaks() throws IOException {
        vertex.behave(project, VertexStandIn.Behaviour.MIDSTREAM);
        AtomicInteger received = new AtomicInteger();

        assertThrows(OpenAIException.class, () -> {
            try (var stream = openAi(REGION, token()).chat().completions().createStreaming(ask().build())) {
                stream.stream().forEach(chunk -> received.incrementAndGet());
            }
        });
        assertEquals(2, received.get());
    }

    // ---- helpers ----

    /** The {@code error} object of Google's error body: the SDK takes the body's top-level {@code error} field. */
    private static JsonObject googleError(OpenAIServiceException failure) {
        return new JsonObject(failure.body().convert(Map.class));
    }

    private ChatCompletionCreateParams.Builder ask() {
        return ChatCompletionCreateParams.builder().model(MODEL).addUserMessage("Why is the sky blue?");
    }

    private String token() throws IOException {
        return credentials(key.json()).refreshAccessToken().getTokenValue();
    }

    private static GoogleCredentials credentials(String keyJson) throws IOException {
        return GoogleCredentials.fromStream(stream(keyJson)).createScoped(GoogleTokenStandIn.CLOUD_PLATFORM);
    }

    private static ByteArrayInputStream stream(String json) {
        return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
    }

    /** The OpenAI SDK as Google documents it for Vertex: the openapi endpoint as base URL, the access token as key. */
    private OpenAIClient openAi(String location, String accessToken) {
        return OpenAIOkHttpClient.builder().baseUrl(vertex.openAiBaseUrl(project, location))
                .apiKey(accessToken).maxRetries(0).build();
    }

    private static ChatCompletionFunctionTool weatherTool() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("location", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("location")))
                        .build())
                .build()).build();
    }

    /** An assertion with chosen audience and times, signed by the key file's private key with Google's JWS code. */
    private static String assertion(ServiceAccountCredentials credentials, String audience, long iat, long exp)
            throws Exception {
        var header = new JsonWebSignature.Header().setAlgorithm("RS256").setType("JWT")
                .setKeyId(credentials.getPrivateKeyId());
        var payload = new JsonWebToken.Payload().setIssuer(credentials.getClientEmail()).setAudience(audience)
                .setIssuedAtTimeSeconds(iat).setExpirationTimeSeconds(exp);
        payload.put("scope", GoogleTokenStandIn.CLOUD_PLATFORM);
        return JsonWebSignature.signUsingRsaSha256(credentials.getPrivateKey(), GsonFactory.getDefaultInstance(), header,
                payload);
    }

    private static HttpResponse<String> post(String assertion) throws Exception {
        String form = "grant_type=" + URLEncoder.encode(GoogleTokenStandIn.JWT_BEARER, StandardCharsets.UTF_8)
                + "&assertion=" + URLEncoder.encode(assertion, StandardCharsets.UTF_8);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(tokens.tokenUri()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
