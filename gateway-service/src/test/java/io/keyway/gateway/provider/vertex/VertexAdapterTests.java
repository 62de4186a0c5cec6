package io.keyway.gateway.provider.vertex;

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
import io.keyway.contracts.credentials.CredentialFormat;
import io.keyway.contracts.credentials.ProviderCredential;
import io.keyway.contracts.credentials.VertexCredential;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.Pricing;
import io.keyway.gateway.model.ProviderSpec;
import io.keyway.gateway.provider.Answer;
import io.keyway.gateway.provider.AnswerSink;
import io.keyway.gateway.provider.Chunk;
import io.keyway.gateway.provider.Completion;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamException;
import io.keyway.gateway.provider.TenantAddresses;
import io.keyway.gateway.provider.UpstreamHttp;
import io.keyway.gateway.provider.UpstreamRequest;
import io.keyway.gateway.provider.Usage;
import io.keyway.gateway.provider.openaicompatible.OpenAiWire;
import io.keyway.gateway.standin.AnthropicStandIn;
import io.keyway.gateway.standin.GoogleTokenStandIn;
import io.keyway.gateway.standin.StandInTls;
import io.keyway.gateway.standin.VertexStandIn;
import io.keyway.gateway.standin.VertexStandIn.Behaviour;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The google-vertex adapter against the Google token and Vertex STAND-INs (the token endpoint over HTTPS with a
 * certificate the gateway trusts only through {@code keyway.gateway.upstream.trust-certificates}): the service account
 * exchanged for a token once and the token reused until it is due, one exchange for concurrent calls, the key's region
 * in the path, Gemini through the OpenAI-compatible endpoint plain, streamed and with tools, and every failure class.
 * Built by hand, without Quarkus; calls are made from Vert.x contexts as the request path makes them.
 */
class VertexAdapterTests {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String GEMINI = "google/gemini-2.5-flash";
    static final String CLAUDE = "anthropic/claude-sonnet-4@20250514";

    static StandInTls tls;
    static GoogleTokenStandIn tokens;
    static VertexStandIn vertex;
    static AnthropicStandIn anthropic;
    static Vertx vertx;
    static VertexAdapter adapter;

    String project;
    GoogleTokenStandIn.ServiceAccountKey key;

    @BeforeAll
    static void start() throws Exception {
        tls = StandInTls.loopback();
        tokens = new GoogleTokenStandIn(tls);
        vertex = new VertexStandIn(tokens);
        anthropic = new AnthropicStandIn();
        vertx = Vertx.vertx();
        adapter = adapter(Optional.of(tls.certificatePemPath().toString()));
    }

    @AfterAll
    static void stop() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
        vertex.close();
        anthropic.close();
        tokens.close();
    }

    @BeforeEach
    void freshAccount() {
        tokens.expiresInSeconds(3599);
        vertex.reset();
        anthropic.reset();
        anthropic.defaultBehaviour("ok"); // a Google token names no behaviour: the default one applies
        project = "keyway-test-" + Long.toHexString(System.nanoTime());
        key = tokens.mint(project);
    }

    // ---- Gemini through the OpenAI-compatible endpoint ----

    @Test
    void geminiAnswerComesFromTheKeysProjectAndRegionWithUsage() throws Throwable {
        Completion completion = whole(call(credential(key.jsonWithRegion("us-central1")), GEMINI, chat(), false));

        JsonNode members = members(completion);
        assertEquals(VertexStandIn.TEXT, members.at("/choices/0/message/content").asText());
        assertEquals("stop", completion.finishReason());
        assertEquals(new Usage(VertexStandIn.PROMPT_TOKENS, VertexStandIn.COMPLETION_TOKENS, 0, 0, 0),
                completion.usage());
        var sent = vertex.calls().get(0);
        assertEquals(List.of("us-central1"), vertex.locationsCalled());
        assertEquals(project, sent.project());
        assertEquals("v1", sent.apiVersion());
        assertEquals(GEMINI, sent.model());
        assertEquals(key.clientEmail(), sent.clientEmail());
    }

    @Test
    void keyWithoutRegionUsesTheCatalogRegionElseGlobalAndAKeysOwnGlobalWinsOverTheCatalog() throws Throwable {
        whole(call(credential(key.json()), GEMINI, chat(), false));
        whole(call(provider(Map.of("region", "europe-west4")), credential(key.json()), GEMINI, chat(), false));
        whole(call(provider(Map.of("region", "europe-west4")), credential(key.jsonWithRegion("global")), GEMINI,
                chat(), false));

        assertEquals(List.of("global", "europe-west4", "global"), vertex.locationsCalled());
    }

    @Test
    void hostIsTheRegionalOneTheGlobalOneOrTheCatalogEndpoint() {
        ProviderSpec google = new ProviderSpec("vertex", "Vertex", VertexAdapter.NAME, null);
        assertEquals("https://us-central1-aiplatform.googleapis.com", VertexAdapter.host(google, "us-central1"));
        assertEquals("https://aiplatform.googleapis.com", VertexAdapter.host(google, "global"));
        assertEquals("http://127.0.0.1:1", VertexAdapter.host(provider(Map.of("endpoint", "http://127.0.0.1:1/")),
                "us-central1"));
    }

    @Test
    void catalogProviderNeedsNoBaseUrlButItsOptionsMustMakeAHostAndAUrl() {
        assertNull(adapter.check(new ProviderSpec("vertex", "Vertex", VertexAdapter.NAME, null)));
        assertNull(adapter.check(provider(Map.of("region", "us-east5", "endpoint", "https://vertex.example.com"))));
        assertNotNull(adapter.check(provider(Map.of("region", "evil.example.com/"))));
        assertNotNull(adapter.check(provider(Map.of("endpoint", "not a url"))));
        assertNotNull(adapter.check(provider(Map.of("endpoint", "ftp://vertex.example.com"))));
    }

    @Test
    void streamedGeminiAnswerRelaysChunksAndUsageThenEnds() throws Throwable {
        Collected got = stream(call(credential(key.json()), GEMINI, chat(), true));

        assertTrue(got.ended && got.failure == null, () -> "stream did not end cleanly: " + got.failure);
        assertEquals("Hello from Vertex", got.text());
        assertEquals("assistant", got.chunks.get(0).at("/choices/0/delta/role").asText());
        assertTrue(got.chunks.get(0).at("/choices/0/finish_reason").isNull(),
                "Vertex leaves finish_reason out until the end; OpenRouter's chunk needs it, null");
        assertEquals("stop", got.chunks.get(got.chunks.size() - 1).at("/choices/0/finish_reason").asText());
        assertEquals(new Usage(VertexStandIn.PROMPT_TOKENS, VertexStandIn.COMPLETION_TOKENS, 0, 0, 0), got.usage);
        assertTrue(vertex.calls().get(0).stream() && vertex.calls().get(0).includeUsage(),
                "the upstream stream must be asked for usage");
    }

    @Test
    void toolCallsComeBackWholeAndStreamed() throws Throwable {
        ObjectNode request = chat();
        request.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "weather")
                .putObject("parameters").put("type", "object").putArray("required").add("city");

        Completion completion = whole(call(credential(key.json()), GEMINI, request, false));
        JsonNode call = members(completion).at("/choices/0/message/tool_calls/0");
        assertEquals("tool_calls", completion.finishReason());
        assertEquals("weather", call.at("/function/name").asText());
        assertEquals("{\"city\":\"stand-in\"}", call.at("/function/arguments").asText());

        Collected streamed = stream(call(credential(key.json()), GEMINI, request, true));
        JsonNode delta = streamed.chunks.get(0).at("/choices/0/delta/tool_calls/0");
        assertEquals("weather", delta.at("/function/name").asText());
        assertEquals("tool_calls", streamed.chunks.get(streamed.chunks.size() - 1).at("/choices/0/finish_reason")
                .asText());
        assertTrue(streamed.ended);
        assertFalse(request.has("model") || request.has("stream"), "the client's request must not be changed");
    }

    // ---- Claude through rawPredict ----

    @Test
    void claudeGoesThroughRawPredictWithTheModelInThePathAndTheVertexVersionInTheBody() throws Throwable {
        ObjectNode request = chat();
        request.withArray("messages").insertObject(0).put("role", "system").put("content", "Be brief.");
        Completion completion = whole(call(claudeProvider(), credential(key.jsonWithRegion("us-east5")), CLAUDE,
                request, false));

        assertEquals(AnthropicStandIn.TEXT, members(completion).at("/choices/0/message/content").asText());
        assertEquals("stop", completion.finishReason());
        assertEquals(new Usage(15, 5, 3, 2, 0), completion.usage()); // input 10 + cache read 3 + cache write 2
        var sent = anthropic.lastCall();
        assertEquals("/v1/projects/" + project + "/locations/us-east5/publishers/anthropic/models/"
                + "claude-sonnet-4@20250514:rawPredict", sent.path());
        assertEquals(key.clientEmail(), tokens.grantOf(sent.bearerToken()).orElseThrow().clientEmail());
        assertEquals(VertexAdapter.ANTHROPIC_VERSION, sent.body().getString("anthropic_version"));
        assertFalse(sent.body().containsKey("model"), "the model is in the path on Vertex");
        assertEquals("Be brief.", sent.body().getJsonArray("system").getJsonObject(0).getString("text"));
        assertEquals(8192, sent.body().getInteger("max_tokens"), "max_tokens from the catalog");
    }

    @Test
    void streamedClaudeGoesThroughStreamRawPredictAndRelaysChunksAndUsage() throws Throwable {
        Collected got = stream(call(claudeProvider(), credential(key.json()), CLAUDE, chat(), true));

        assertTrue(got.ended, () -> "stream did not end cleanly: " + got.failure);
        assertEquals(AnthropicStandIn.TEXT, got.text());
        assertEquals(new Usage(15, 5, 3, 2, 0), got.usage);
        assertTrue(anthropic.lastCall().path().endsWith("/locations/global/publishers/anthropic/models/"
                + "claude-sonnet-4@20250514:streamRawPredict"), anthropic.lastCall().path());
        assertEquals(Boolean.TRUE, anthropic.lastCall().body().getBoolean("stream"));
    }

    @Test
    void claudeToolCallComesBack() throws Throwable {
        anthropic.defaultBehaviour("tooluse");
        ObjectNode request = chat();
        request.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "weather")
                .putObject("parameters").put("type", "object");

        Completion completion = whole(call(claudeProvider(), credential(key.json()), CLAUDE, request, false));

        assertEquals("tool_calls", completion.finishReason());
        JsonNode call = members(completion).at("/choices/0/message/tool_calls/0");
        assertEquals("weather", call.at("/function/name").asText());
        assertEquals(AnthropicStandIn.TOOL_INPUT_JSON, call.at("/function/arguments").asText());
    }

    @Test
    void claudeFailuresAreClassifiedFromVertexsAndAnthropicsErrorShapes() throws Throwable {
        record Expected(String behaviour, int status, UpstreamError.Blame blame) {
        }
        for (Expected e : List.of(new Expected("status429", 429, UpstreamError.Blame.CREDENTIAL),
                new Expected("status403", 403, UpstreamError.Blame.CREDENTIAL),
                new Expected("status529", 529, UpstreamError.Blame.ENDPOINT),
                new Expected("status500", 500, UpstreamError.Blame.ENDPOINT))) {
            anthropic.defaultBehaviour(e.behaviour());
            UpstreamError error = assertInstanceOf(UpstreamError.class,
                    failure(call(claudeProvider(), credential(key.json()), CLAUDE, chat(), false)), e::toString);
            assertEquals(e.status(), error.status(), e::toString);
            assertEquals(e.blame(), error.blame(), e::toString);
            assertFalse(error.requestError(), e::toString);
        }
        assertEquals(1, tokens.exchanges(key.clientEmail()));
    }

    @Test
    void claudeStreamWithAnErrorEventAfterItBeganEndsAsFailed() throws Throwable {
        anthropic.defaultBehaviour("midstream");

        Collected got = stream(call(claudeProvider(), credential(key.json()), CLAUDE, chat(), true));

        assertNotNull(got.failure);
        assertTrue(got.failure.contains("overloaded_error"), got.failure);
        assertFalse(got.ended);
    }

    // ---- the access token ----

    @Test
    void oneTokenServesManyCallsUntilItIsDueThenTheKeyIsExchangedAgain() throws Throwable {
        tokens.expiresInSeconds(2); // due for refresh after half its lifetime: 1 s
        VertexCredential credential = credential(key.json());
        for (int i = 0; i < 5; i++) {
            whole(call(credential, GEMINI, chat(), false));
        }
        assertEquals(1, tokens.exchanges(key.clientEmail()));
        assertEquals(1, vertex.calls().stream().map(VertexStandIn.Call::accessToken).distinct().count());

        Thread.sleep(2_100); // the first token has expired: Vertex would refuse it
        whole(call(credential, GEMINI, chat(), false));
        whole(call(credential(key.json()), GEMINI, chat(), false)); // the same key parsed again: the same token

        assertEquals(2, tokens.exchanges(key.clientEmail()));
        assertEquals(2, vertex.calls().stream().map(VertexStandIn.Call::accessToken).distinct().count());
    }

    @Test
    void concurrentCallsOnSeveralEventLoopsWaitForOneExchange() throws Throwable {
        VertexCredential credential = credential(key.json());
        List<Call> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            calls.add(call(credential, GEMINI, chat(), false));
        }
        for (Call call : calls) {
            whole(call);
        }
        assertEquals(1, tokens.exchanges(key.clientEmail()));
        assertEquals(16, vertex.calls().size());
    }

    @Test
    void rotatedKeyGetsItsOwnToken() throws Throwable {
        whole(call(credential(key.json()), GEMINI, chat(), false));
        var rotated = tokens.mint(project);
        whole(call(credential(rotated.json()), GEMINI, chat(), false));

        assertEquals(List.of(key.clientEmail(), rotated.clientEmail()),
                vertex.calls().stream().map(VertexStandIn.Call::clientEmail).toList());
    }

    @Test
    void refusedTokenExchangeIsTheKeysFailureRetryableElsewhere() throws Throwable {
        var other = tokens.mint(project);
        String forged = new JsonObject(key.json()).put("private_key", new JsonObject(other.json()).getString("private_key"))
                .encode();
        VertexCredential credential = credential(forged);

        UpstreamError error = assertInstanceOf(UpstreamError.class, failure(call(credential, GEMINI, chat(), false)));

        assertEquals(401, error.status());
        assertEquals(UpstreamError.Blame.CREDENTIAL, error.blame());
        assertFalse(error.requestError());
        assertTrue(error.raw().contains("invalid_grant"), error.raw());
        assertFalse(error.raw().contains("PRIVATE KEY"), "the key must not be quoted");
        assertTrue(vertex.calls().isEmpty(), "no call without a token");
    }

    @Test
    void unreachableTokenEndpointIsAConnectFailureAtOnceWithoutTheLibrarysBackOff() throws Throwable {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String json = new JsonObject(key.json()).put("token_uri", "https://127.0.0.1:" + closed + "/token").encode();

        long started = System.nanoTime();
        Throwable failure = failure(call(credential(json), GEMINI, chat(), false));

        assertEquals(UpstreamException.Kind.CONNECT, assertInstanceOf(UpstreamException.class, failure).kind());
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(3), "the next key must not wait for retries");
    }

    @Test
    void tokenEndpointIsTrustedThroughTheGatewaysTrustCertificatesOnly() throws Throwable {
        VertexAdapter untrusting = adapter(Optional.empty());

        Throwable failure = failure(call(untrusting, provider(Map.of()), credential(key.json()), GEMINI, chat(), false));

        assertInstanceOf(UpstreamException.class, failure);
        assertEquals(0, tokens.exchanges(key.clientEmail()));
    }

    @Test
    void aTokenUriOnAnInternalAddressIsRefusedAsTheKeysFailureWithoutAnExchange() throws Throwable {
        VertexAdapter publicOnly = adapter(Optional.of(tls.certificatePemPath().toString()), Optional.empty());

        Throwable failure = failure(call(publicOnly, provider(Map.of()), credential(key.json()), GEMINI, chat(), false));

        UpstreamError refused = assertInstanceOf(UpstreamError.class, failure);
        assertEquals(403, refused.status());
        assertEquals(UpstreamError.Blame.CREDENTIAL, refused.blame());
        assertTrue(refused.raw().contains("token_uri"), refused.raw());
        assertEquals(0, tokens.exchanges(key.clientEmail()), "no exchange may reach an internal address");
    }

    // ---- Vertex's failures ----

    @Test
    void vertexStatusesAreClassifiedAsDesignSaysWithTheKeyBlamedForQuotaAndPermission() throws Throwable {
        record Expected(Behaviour behaviour, int status, UpstreamError.Blame blame, boolean requestError) {
        }
        for (Expected e : List.of(
                new Expected(Behaviour.STATUS_429, 429, UpstreamError.Blame.CREDENTIAL, false),
                new Expected(Behaviour.STATUS_403, 403, UpstreamError.Blame.CREDENTIAL, false),
                new Expected(Behaviour.STATUS_500, 500, UpstreamError.Blame.ENDPOINT, false),
                new Expected(Behaviour.STATUS_503, 503, UpstreamError.Blame.ENDPOINT, false),
                new Expected(Behaviour.STATUS_400, 400, UpstreamError.Blame.ENDPOINT, true))) {
            vertex.behave(project, e.behaviour());
            for (boolean stream : List.of(false, true)) {
                UpstreamError error = assertInstanceOf(UpstreamError.class,
                        failure(call(credential(key.json()), GEMINI, chat(), stream)), e::toString);
                assertEquals(e.status(), error.status(), e::toString);
                assertEquals(e.blame(), error.blame(), e::toString);
                assertEquals(e.requestError(), error.requestError(), e::toString);
                assertTrue(error.raw().contains("\"status\""), "Google's error body is the raw text: " + error.raw());
            }
        }
    }

    @Test
    void connectionClosedWithoutAnAnswerIsAReset() throws Throwable {
        vertex.behave(project, Behaviour.RESET);

        assertInstanceOf(UpstreamException.class, failure(call(credential(key.json()), GEMINI, chat(), false)));
    }

    @Test
    void streamCutAfterItBeganEndsAsFailedAfterTheChunksSoFar() throws Throwable {
        vertex.behave(project, Behaviour.MIDSTREAM);

        Collected got = stream(call(credential(key.json()), GEMINI, chat(), true));

        assertEquals("Hello from ", got.text());
        assertNotNull(got.failure, "a cut stream must fail, never end as if complete");
        assertFalse(got.ended);
    }

    // ---- plumbing ----

    /** An adapter for the stand-ins, which are on loopback: allowed as a tenant network. */
    static VertexAdapter adapter(Optional<String> trustCertificates) {
        return adapter(trustCertificates, Optional.of(List.of("127.0.0.0/8")));
    }

    static VertexAdapter adapter(Optional<String> trustCertificates, Optional<List<String>> allowedNetworks) {
        GatewayConfig.Upstream upstream = stub(GatewayConfig.Upstream.class, Map.of(
                "connectTimeout", Duration.ofSeconds(2),
                "firstByteTimeout", Duration.ofSeconds(5),
                "maxPoolSize", 20,
                "trustCertificates", trustCertificates));
        GatewayConfig config = stub(GatewayConfig.class, Map.of("upstream", upstream));
        return new VertexAdapter(vertx, new UpstreamHttp(vertx, config), new OpenAiWire(JSON), JSON,
                new TenantAddresses(allowedNetworks));
    }

    /** A configuration interface answering the named methods; any other throws, so a new setting read is noticed. */
    static <T> T stub(Class<T> type, Map<String, Object> answers) {
        return io.keyway.gateway.service.ConfigStub.of(type, answers);
    }

    static VertexCredential credential(String serviceAccountJson) {
        return (VertexCredential) ProviderCredential.parse(CredentialFormat.VERTEX, serviceAccountJson);
    }

    static ProviderSpec provider(Map<String, String> options) {
        Map<String, String> all = new java.util.HashMap<>(options);
        all.putIfAbsent("endpoint", vertex.baseUrl());
        return new ProviderSpec("google-vertex", "Google Vertex", VertexAdapter.NAME, null, all);
    }

    static ProviderSpec claudeProvider() {
        return provider(Map.of("endpoint", anthropic.baseUrl()));
    }

    static ObjectNode chat() {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").put("content", "hi");
        return body;
    }

    static UpstreamRequest request(ProviderSpec provider, VertexCredential credential, String upstreamModel,
                                   ObjectNode body, boolean stream) {
        ModelEndpoint endpoint = new ModelEndpoint(provider.slug(), upstreamModel,
                new Pricing(new BigDecimal("0.0000003"), new BigDecimal("0.0000025"), BigDecimal.ZERO), 1_000_000,
                8192, null, null);
        CatalogModel model = new CatalogModel("google/gemini-2.5-flash", "Gemini 2.5 Flash", null, null, 1_000_000,
                List.of("text"), List.of("text"), null, null, List.of(endpoint));
        return new UpstreamRequest(provider, model, endpoint, credential, body, stream);
    }

    /** One call, on a fresh event-loop context; the answer's stream (if any) is read on that same context. */
    record Call(Context context, CompletableFuture<Answer> answer) {
    }

    static Call call(VertexCredential credential, String model, ObjectNode body, boolean stream) {
        return call(provider(Map.of()), credential, model, body, stream);
    }

    static Call call(ProviderSpec provider, VertexCredential credential, String model, ObjectNode body, boolean stream) {
        return call(adapter, provider, credential, model, body, stream);
    }

    /** {@code getOrCreateContext} off Vert.x threads gives a new context each time, on the event loops in turn. */
    static Call call(VertexAdapter adapter, ProviderSpec provider, VertexCredential credential, String model,
                     ObjectNode body, boolean stream) {
        Context context = vertx.getOrCreateContext();
        UpstreamRequest request = request(provider, credential, model, body, stream);
        CompletableFuture<Answer> done = new CompletableFuture<>();
        context.runOnContext(v -> adapter.call(request).answer()
                .onSuccess(done::complete).onFailure(done::completeExceptionally));
        return new Call(context, done);
    }

    static Throwable failure(Call call) throws Exception {
        try {
            Answer answer = call.answer().get(30, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + answer);
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    static Completion whole(Call call) throws Throwable {
        try {
            return assertInstanceOf(Answer.Whole.class, call.answer().get(30, TimeUnit.SECONDS)).completion();
        } catch (ExecutionException e) {
            throw e.getCause();
        }
    }

    static JsonNode members(Completion completion) throws Exception {
        ByteArrayBuilder out = new ByteArrayBuilder();
        completion.writeMembers(out);
        return JSON.readTree("{" + new String(out.toByteArray(), java.nio.charset.StandardCharsets.UTF_8) + "}");
    }

    /** What a stream handed to its sink. */
    static final class Collected implements AnswerSink {
        final List<JsonNode> chunks = new CopyOnWriteArrayList<>();
        volatile Usage usage;
        volatile String failure;
        volatile boolean ended;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        @Override
        public void chunk(Chunk chunk) {
            Buffer out = Buffer.buffer();
            chunk.writeMembers(out);
            try {
                chunks.add(JSON.readTree("{" + out + "}"));
            } catch (Exception e) {
                throw new AssertionError("chunk members are not JSON: " + out, e);
            }
        }

        @Override
        public void usage(Usage usage) {
            this.usage = usage;
        }

        @Override
        public void failed(String raw) {
            failure = raw;
            done.complete(null);
        }

        @Override
        public void ended() {
            ended = true;
            done.complete(null);
        }

        String text() {
            StringBuilder text = new StringBuilder();
            chunks.forEach(c -> text.append(c.at("/choices/0/delta/content").asText("")));
            return text.toString();
        }
    }

    static Collected stream(Call call) throws Throwable {
        Answer answer;
        try {
            answer = call.answer().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause();
        }
        var streamed = assertInstanceOf(Answer.Streamed.class, answer);
        Collected sink = new Collected();
        call.context().runOnContext(v -> streamed.stream().start(sink));
        sink.done.get(30, TimeUnit.SECONDS);
        return sink;
    }
}
