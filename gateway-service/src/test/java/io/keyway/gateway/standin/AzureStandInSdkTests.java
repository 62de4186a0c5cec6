package io.keyway.gateway.standin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.azure.AzureOpenAIServiceVersion;
import com.openai.azure.AzureUrlPathMode;
import com.openai.azure.credential.AzureApiKeyCredential;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
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
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import io.keyway.gateway.standin.AzureStandIn.Call;
import io.keyway.gateway.standin.AzureStandIn.Route;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link AzureStandIn} with the official OpenAI Java SDK in its Azure mode ({@code AzureApiKeyCredential},
 * {@code azureServiceVersion}), trusting the stand-in's test-time certificate through the SDK's
 * {@code sslSocketFactory}/{@code trustManager} hooks, hostname verification left on, retries off.
 * <p>
 * The SDK picks Azure's path layout from the host name ({@code *.openai.azure.com}, {@code *.services.ai.azure.com},
 * …); on 127.0.0.1 the documented {@code azureUrlPathMode} switch does it instead: {@code LEGACY} makes the SDK post to
 * {@code /openai/deployments/<model>/chat/completions?api-version=…}, and {@code UNIFIED} with base URL
 * {@code …/models} makes it post to the Foundry Models route {@code /models/chat/completions?api-version=…} with the
 * model in the body. So both URL forms are exercised by the SDK itself. What the SDK cannot send (no api-key, no
 * api-version on the deployments path, a bearer token only) is checked with raw HTTPS requests.
 */
class AzureStandInSdkTests {

    private static final String FOUNDRY_MODEL = "Mistral-Large-2411";
    private static final AzureOpenAIServiceVersion FOUNDRY_VERSION = AzureOpenAIServiceVersion.fromString("2024-05-01-preview");
    private static AzureStandIn standIn;

    @BeforeAll
    static void start() throws Exception {
        standIn = new AzureStandIn();
    }

    @AfterAll
    static void stop() {
        standIn.close();
    }

    @BeforeEach
    void forgetCalls() {
        standIn.reset();
    }

    /** The SDK as an Azure OpenAI client: deployments path, api-key header, api-version 2024-10-21. */
    private static OpenAIClient azureOpenAi(String apiKey) {
        return OpenAIOkHttpClient.builder()
                .baseUrl(standIn.baseUrl())
                .credential(AzureApiKeyCredential.create(apiKey))
                .azureServiceVersion(AzureOpenAIServiceVersion.fromString("2024-10-21"))
                .azureUrlPathMode(AzureUrlPathMode.LEGACY) // the host is 127.0.0.1, not *.openai.azure.com
                .sslSocketFactory(standIn.tls().sslSocketFactory())
                .trustManager(standIn.tls().trustManager())
                .maxRetries(0)
                .build();
    }

    /** The SDK against the Foundry Models endpoint: base URL …/models, model in the body. */
    private static OpenAIClient foundry(String apiKey, AzureOpenAIServiceVersion version) {
        var builder = OpenAIOkHttpClient.builder()
                .baseUrl(standIn.baseUrl() + "/models")
                .credential(AzureApiKeyCredential.create(apiKey))
                .azureUrlPathMode(AzureUrlPathMode.UNIFIED)
                .sslSocketFactory(standIn.tls().sslSocketFactory())
                .trustManager(standIn.tls().trustManager())
                .maxRetries(0);
        if (version != null) {
            builder.azureServiceVersion(version);
        }
        return builder.build();
    }

    private static ChatCompletionCreateParams hello(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello").build();
    }

    private static ChatCompletionCreateParams helloStreamed(String model, boolean includeUsage) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hello")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(includeUsage).build()).build();
    }

    private static ChatCompletionFunctionTool weatherTool() {
        return ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("get_weather")
                .description("The weather in a city")
                .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build())
                .build()).build();
    }

    /** The SDK keeps the body's {@code error} object as the exception's body. */
    private static JsonObject errorObject(OpenAIServiceException e) throws Exception {
        return new JsonObject(ObjectMappers.jsonMapper().writeValueAsString(e.body()));
    }

    @Test
    void plainCompletionOnTheDeploymentsPathParsesAndKeepsAzuresFilterResultsAsExtraProperties() {
        ChatCompletion completion = azureOpenAi("ok-plain").chat().completions().create(hello("gpt-4o"));

        assertEquals(AzureStandIn.TEXT, completion.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        assertEquals("gpt-4o-2024-08-06", completion.model());
        assertEquals(AzureStandIn.SYSTEM_FINGERPRINT, completion.systemFingerprint().orElseThrow());
        assertEquals(AzureStandIn.PROMPT_TOKENS, completion.usage().orElseThrow().promptTokens());
        assertEquals(AzureStandIn.COMPLETION_TOKENS, completion.usage().orElseThrow().completionTokens());
        assertTrue(completion._additionalProperties().containsKey("prompt_filter_results"));
        assertTrue(completion.choices().get(0)._additionalProperties().containsKey("content_filter_results"));
        completion.validate(); // Azure's shape is still a valid ChatCompletion to the SDK

        Call call = standIn.calls().get(0);
        assertEquals(Route.DEPLOYMENTS, call.route());
        assertEquals("/openai/deployments/gpt-4o/chat/completions", call.path());
        assertEquals("2024-10-21", call.apiVersion());
        assertEquals("ok-plain", call.apiKey());
        assertEquals("gpt-4o", call.deployment());
        assertEquals("Say hello", call.body().getJsonArray("messages").getJsonObject(0).getString("content"));
        assertFalse(call.toString().contains("ok-plain"), "a recorded call never prints its api-key");
    }

    @Test
    void streamedCompletionAccumulatesPastAzuresEmptyFirstChunkAndEndsWithAUsageChunk() {
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        List<ChatCompletionChunk> chunks;
        try (var stream = azureOpenAi("ok-stream").chat().completions()
                .createStreaming(helloStreamed("gpt-4o", true))) {
            chunks = stream.stream().peek(accumulator::accumulate).toList();
        }

        ChatCompletionChunk first = chunks.get(0);
        assertTrue(first.choices().isEmpty(), "Azure's first chunk is the prompt annotation, without choices");
        assertEquals("", first.model());
        assertEquals(0, first.created());
        assertTrue(first._additionalProperties().containsKey("prompt_filter_results"));
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty());
        assertEquals(AzureStandIn.PROMPT_TOKENS + AzureStandIn.COMPLETION_TOKENS, last.usage().orElseThrow().totalTokens());
        assertTrue(chunks.get(2).choices().get(0)._additionalProperties().containsKey("content_filter_results"));

        ChatCompletion completion = accumulator.chatCompletion();
        assertEquals(AzureStandIn.TEXT, completion.choices().get(0).message().content().orElseThrow());
        assertEquals("gpt-4o-2024-08-06", completion.model());
        assertEquals(AzureStandIn.COMPLETION_TOKENS, completion.usage().orElseThrow().completionTokens());
        assertTrue(standIn.calls().get(0).body().getBoolean("stream"));
    }

    @Test
    void streamWithoutIncludeUsageEndsWithTheFinishChunk() {
        List<ChatCompletionChunk> chunks;
        try (var stream = azureOpenAi("ok-nousage").chat().completions()
                .createStreaming(helloStreamed("gpt-4o", false))) {
            chunks = stream.stream().toList();
        }
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertEquals(ChatCompletionChunk.Choice.FinishReason.STOP, last.choices().get(0).finishReason().orElseThrow());
        assertTrue(chunks.stream().allMatch(c -> c.usage().isEmpty()));
    }

    @Test
    void toolCallRoundTripCallsTheToolThenQuotesItsResult() {
        OpenAIClient client = azureOpenAi("tooluse-1");
        ChatCompletionCreateParams ask = ChatCompletionCreateParams.builder().model("gpt-4o")
                .addUserMessage("Weather in Paris?").addTool(weatherTool()).build();
        ChatCompletion first = client.chat().completions().create(ask);

        ChatCompletion.Choice choice = first.choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals(AzureStandIn.TOOL_CALL_ID, call.id());
        assertEquals("get_weather", call.function().name());
        assertEquals(AzureStandIn.TOOL_ARGUMENTS, call.function().arguments());

        ChatCompletion answer = client.chat().completions().create(ask.toBuilder()
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("18 degrees").build())
                .build());
        assertEquals(AzureStandIn.TOOL_RESULT_PREFIX + "18 degrees",
                answer.choices().get(0).message().content().orElseThrow());
        JsonObject sent = standIn.calls().get(1).body();
        assertEquals("tool", sent.getJsonArray("messages").getJsonObject(2).getString("role"));
        assertEquals(AzureStandIn.TOOL_CALL_ID, sent.getJsonArray("messages").getJsonObject(2).getString("tool_call_id"));
    }

    @Test
    void streamedToolCallAccumulatesIntoOneCallWithItsArguments() {
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (var stream = azureOpenAi("tooluse-stream").chat().completions().createStreaming(ChatCompletionCreateParams
                .builder().model("gpt-4o").addUserMessage("Weather in Paris?").addTool(weatherTool()).build())) {
            stream.stream().forEach(accumulator::accumulate);
        }
        ChatCompletion.Choice choice = accumulator.chatCompletion().choices().get(0);
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertEquals("get_weather", call.function().name());
        assertEquals(AzureStandIn.TOOL_ARGUMENTS, call.function().arguments());
    }

    @Test
    void rateLimitIsARateLimitExceptionWithAzuresBodyAndRetryAfter() throws Exception {
        RateLimitException e = assertThrows(RateLimitException.class,
                () -> azureOpenAi("status429-x").chat().completions().create(hello("gpt-4o")));
        assertEquals(429, e.statusCode());
        assertEquals(String.valueOf(AzureStandIn.RETRY_AFTER_SECONDS), e.headers().values("retry-after").get(0));
        JsonObject error = errorObject(e);
        assertEquals("429", error.getString("code"));
        assertTrue(error.getString("message").contains("API version 2024-10-21 have exceeded token rate limit"));
        assertEquals(1, standIn.calls().size(), "retries are off: one request");
    }

    @Test
    void wrongKeyIsAnUnauthorizedExceptionWithAzuresMessage() throws Exception {
        UnauthorizedException e = assertThrows(UnauthorizedException.class,
                () -> azureOpenAi("status401-x").chat().completions().create(hello("gpt-4o")));
        JsonObject error = errorObject(e);
        assertEquals("401", error.getString("code"));
        assertTrue(error.getString("message").startsWith("Access denied due to invalid subscription key or wrong API endpoint."));
    }

    @Test
    void contentFilterIsABadRequestExceptionWithCodeContentFilterAndInnerError() throws Exception {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> azureOpenAi("contentfilter-x").chat().completions().create(hello("gpt-4o")));
        assertEquals("content_filter", e.code().orElseThrow());
        assertEquals("prompt", e.param().orElseThrow());
        JsonObject inner = errorObject(e).getJsonObject("innererror");
        assertEquals("ResponsibleAIPolicyViolation", inner.getString("code"));
        assertTrue(inner.getJsonObject("content_filter_result").getJsonObject("violence").getBoolean("filtered"));
    }

    @Test
    void unknownDeploymentIsANotFoundExceptionWithCodeDeploymentNotFound() {
        NotFoundException e = assertThrows(NotFoundException.class,
                () -> azureOpenAi("ok-x").chat().completions().create(hello("no-such-deployment")));
        assertEquals("DeploymentNotFound", e.code().orElseThrow());
        assertEquals("no-such-deployment", standIn.calls().get(0).deployment());
    }

    @Test
    void otherFailuresMapToTheSdksExceptionsByStatus() {
        assertEquals(400, assertThrows(BadRequestException.class,
                () -> azureOpenAi("status400-x").chat().completions().create(hello("gpt-4o"))).statusCode());
        assertEquals(403, assertThrows(PermissionDeniedException.class,
                () -> azureOpenAi("status403-x").chat().completions().create(hello("gpt-4o"))).statusCode());
        assertEquals(500, assertThrows(InternalServerException.class,
                () -> azureOpenAi("status500-x").chat().completions().create(hello("gpt-4o"))).statusCode());
        assertEquals(503, assertThrows(InternalServerException.class,
                () -> azureOpenAi("status503-x").chat().completions().create(hello("gpt-4o"))).statusCode());
        assertEquals(List.of("status400-x", "status403-x", "status500-x", "status503-x"), standIn.apiKeysCalled());
    }

    @Test
    void resetClosesTheConnectionUnanswered() {
        assertThrows(OpenAIIoException.class, () -> azureOpenAi("reset-x").chat().completions().create(hello("gpt-4o")));
    }

    @Test
    void midstreamEndsTheStreamAfterItsFirstDelta() {
        StringBuilder received = new StringBuilder();
        assertThrows(OpenAIException.class, () -> {
            try (var stream = azureOpenAi("midstream-x").chat().completions()
                    .createStreaming(helloStreamed("gpt-4o", true))) {
                stream.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(received::append)));
            }
        });
        assertEquals("Hello ", received.toString());
    }

    @Test
    void foundryModelsRouteTakesTheModelFromTheBody() {
        ChatCompletion completion = foundry("ok-foundry", FOUNDRY_VERSION)
                .chat().completions().create(hello(FOUNDRY_MODEL));

        assertEquals(AzureStandIn.TEXT, completion.choices().get(0).message().content().orElseThrow());
        assertEquals("mistral-large-2411", completion.model());
        Call call = standIn.calls().get(0);
        assertEquals(Route.MODELS, call.route());
        assertEquals("/models/chat/completions", call.path());
        assertEquals("2024-05-01-preview", call.apiVersion());
        assertEquals("ok-foundry", call.apiKey());
        assertEquals(FOUNDRY_MODEL, call.bodyModel());
        assertEquals(FOUNDRY_MODEL, call.deployment());
    }

    @Test
    void foundryModelsRouteMatchesTheDeploymentWithoutRegardToCaseAndStreams() {
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (var stream = foundry("ok-foundry", FOUNDRY_VERSION).chat().completions()
                .createStreaming(helloStreamed("mistral-large-2411", true))) {
            stream.stream().forEach(accumulator::accumulate);
        }
        assertEquals(AzureStandIn.TEXT, accumulator.chatCompletion().choices().get(0).message().content().orElseThrow());
        assertEquals(FOUNDRY_MODEL, standIn.calls().get(0).deployment());
    }

    @Test
    void foundryUnknownModelIsABadRequestWithCodeUnknownModel() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> foundry("ok-x", FOUNDRY_VERSION).chat().completions()
                        .create(hello("no-such-model")));
        assertEquals("unknown_model", e.code().orElseThrow());
    }

    @Test
    void missingApiVersionIsAzuresResourceNotFound() throws Exception {
        NotFoundException e = assertThrows(NotFoundException.class,
                () -> foundry("ok-x", null).chat().completions().create(hello(FOUNDRY_MODEL)));
        assertEquals(new JsonObject().put("code", "404").put("message", "Resource not found"), errorObject(e));
        assertNull(standIn.calls().get(0).apiVersion());
    }

    // What the SDK never sends, checked with raw HTTPS requests trusting the same certificate.

    private static HttpResponse<String> post(String url, Map<String, String> headers, String body) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(standIn.tls().clientSslContext()).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String HELLO = "{\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";

    @Test
    void deploymentsPathWithoutApiVersionIsResourceNotFound() throws Exception {
        var res = post(standIn.baseUrl() + "/openai/deployments/gpt-4o/chat/completions", Map.of("api-key", "ok-1"), HELLO);
        assertEquals(404, res.statusCode());
        assertEquals("Resource not found", new JsonObject(res.body()).getJsonObject("error").getString("message"));
    }

    @Test
    void requestWithoutApiKeyIsRefusedEvenWithABearerToken() throws Exception {
        var none = post(standIn.deploymentUrl("gpt-4o", "2024-10-21"), Map.of(), HELLO);
        var bearer = post(standIn.deploymentUrl("gpt-4o", "2024-10-21"), Map.of("Authorization", "Bearer ok-1"), HELLO);
        assertEquals(401, none.statusCode());
        assertEquals(401, bearer.statusCode());
        assertEquals("401", new JsonObject(bearer.body()).getJsonObject("error").getString("code"));
    }

    @Test
    void requestWithoutMessagesIsAnInvalidRequest() throws Exception {
        var res = post(standIn.modelsUrl("2024-05-01-preview"), Map.of("api-key", "ok-1"), "{\"model\":\"gpt-4o\"}");
        assertEquals(400, res.statusCode());
        assertEquals("missing_required_parameter", new JsonObject(res.body()).getJsonObject("error").getString("code"));
    }

    @Test
    void malformedApiVersionIsNotSupported() throws Exception {
        var res = post(standIn.deploymentUrl("gpt-4o", "latest"), Map.of("api-key", "ok-1"), HELLO);
        assertEquals(400, res.statusCode());
        assertEquals("API version not supported", new JsonObject(res.body()).getJsonObject("error").getString("message"));
    }

    @Test
    void modelsRouteWithoutAModelIsNoModelName() throws Exception {
        var res = post(standIn.modelsUrl("2024-05-01-preview"), Map.of("api-key", "ok-1"), HELLO);
        assertEquals(400, res.statusCode());
        assertEquals("no_model_name", new JsonObject(res.body()).getJsonObject("error").getString("code"));
    }

    @Test
    void modelsRouteTakesTheDeploymentFromTheModelMeshHeaderWhenTheBodyNamesNone() throws Exception {
        var res = post(standIn.modelsUrl("2024-05-01-preview"),
                Map.of("api-key", "ok-1", "x-ms-model-mesh-model-name", "gpt-4o-mini"), HELLO);
        assertEquals(200, res.statusCode());
        assertEquals("gpt-4o-mini-2024-07-18", new JsonObject(res.body()).getString("model"));
        assertEquals("gpt-4o-mini", standIn.calls().get(0).deployment());
    }

    @Test
    void theCertificateNamesTheLoopbackAddressSoHostnameVerificationStaysOn() throws Exception {
        var names = standIn.tls().certificate().getSubjectAlternativeNames().stream().map(n -> n.get(1)).toList();
        assertTrue(names.contains("127.0.0.1"), names.toString());
        assertTrue(names.contains("localhost"), names.toString());
        assertTrue(java.nio.file.Files.readString(standIn.tls().certificatePemPath()).startsWith("-----BEGIN CERTIFICATE-----"));
    }
}
