package io.keyway.gateway.standin;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A STAND-IN for Anthropic's Messages API (not the real service), on loopback, so that the gateway's {@code anthropic}
 * and {@code google-vertex} adapters can be tested end to end. It is checked by Anthropic's official Java SDK
 * ({@code AnthropicStandInSdkTests}): the SDK's requests are accepted and its parsers read the replies, plain and
 * streamed.
 * <p>
 * Routes:
 * <ul>
 * <li>{@code POST /v1/messages}: the credential is {@code x-api-key} (what the gateway sends) or
 *     {@code Authorization: Bearer} (what the official SDK 3.x sends for an API key); none gives 401
 *     {@code authentication_error}. The {@code anthropic-version} header is required and must be a released
 *     version.</li>
 * <li>{@code POST /v1/projects/{p}/locations/{r}/publishers/anthropic/models/{model}:rawPredict} and
 *     {@code :streamRawPredict} (Vertex AI): the credential is the OAuth token of {@code Authorization: Bearer} (none
 *     gives Google's 401 {@code UNAUTHENTICATED}); the body has no {@code model} (it is in the path) and carries
 *     {@code anthropic_version} ({@code vertex-2023-10-16}, or the API version the official SDK copies in from its
 *     {@code anthropic-version} header). Whether it streams follows the body's {@code stream}, as on Vertex.</li>
 * </ul>
 * Both validate the body as the real API does (required {@code model}/{@code max_tokens}/{@code messages}, roles,
 * content block types, image sources, thinking budget, unknown top-level fields) and answer errors in Anthropic's
 * shape {@code {"type":"error","error":{"type","message"},"request_id"}} with a {@code request-id} header. A
 * {@code system} role inside {@code messages} is refused under 2023-06-01 (the prompt is the top-level {@code system});
 * under 2026-10-21 the SDK models it ({@code SystemMessageParam}), so it passes there.
 * <p>
 * Behaviour is chosen by the credential's prefix before the first '-' (API key or Vertex token alike); a prefix that
 * names no behaviour falls back to {@link #defaultBehaviour(String)} ({@code ok} unless set):
 * <ul>
 * <li>{@code ok}, {@code thinking}: {@link #TEXT}; usage input 10, output 5, cache read 3, cache creation 2. Whenever
 *     the request enables thinking, a signed thinking block comes first (as the real API always does then);</li>
 * <li>{@code tooluse}: with {@code tools}, a text block and a {@code tool_use} of the first tool with
 *     {@link #TOOL_INPUT_JSON}, stop_reason {@code tool_use}; when the last user message carries a {@code tool_result},
 *     {@link #TOOL_RESULT_PREFIX} + the result's text, stop_reason {@code end_turn};</li>
 * <li>any answer: with {@code stop_sequences} it stops on the first one ({@code stop_sequence}); with
 *     {@code max_tokens} &lt; 5 it stops after that many words ({@code max_tokens});</li>
 * <li>{@code status529}, {@code status429} (with {@code retry-after}), {@code status401}, {@code status403},
 *     {@code status400}, {@code status500}: that status with its Anthropic error type (on Vertex, 401/403/429 come in
 *     Google's shape, as Vertex itself answers them);</li>
 * <li>{@code credit}: 400 {@link #CREDIT_MESSAGE};</li>
 * <li>{@code midstream}: streamed, message_start, one text delta, then an {@code error} event (overloaded_error) and
 *     the connection closes; not streamed, the connection closes;</li>
 * <li>{@code reset}: the connection closes without an answer; {@code slow1500}: the answer after 1500 ms.</li>
 * </ul>
 * Every call is recorded ({@link #calls()}), valid or not, with its credentials, version header and parsed body, so
 * tests can assert what an adapter sent. {@link Call#toString()} masks the credentials.
 */
public final class AnthropicStandIn implements AutoCloseable {

    public static final String TEXT = "Hello from the Anthropic stand-in";
    public static final int INPUT_TOKENS = 10;
    public static final int OUTPUT_TOKENS = 5;
    public static final int CACHE_READ_INPUT_TOKENS = 3;
    public static final int CACHE_CREATION_INPUT_TOKENS = 2;
    public static final String TOOL_TEXT = "Let me look that up.";
    public static final String TOOL_USE_ID = "toolu_01StandInWeatherCall";
    public static final String TOOL_INPUT_JSON = "{\"city\":\"Paris\"}";
    public static final String TOOL_RESULT_PREFIX = "The tool returned: ";
    public static final String THINKING = "The user greets me; I answer with a greeting.";
    public static final String SIGNATURE = "EqQBCkYIARgCIkBstandinsignature";
    public static final String CREDIT_MESSAGE = "Your credit balance is too low to access the Anthropic API. "
            + "Please go to Plans & Billing to upgrade or purchase credits.";
    public static final String VERTEX_ANTHROPIC_VERSION = "vertex-2023-10-16";

    /** Released {@code anthropic-version}s: 2023-06-01 is what integrations send, 2026-10-21 what SDK 3.x sends. */
    private static final Set<String> API_VERSIONS = Set.of("2023-01-01", "2023-06-01", "2026-10-21");
    /** The version whose message roles include "system" (the SDK 3.x's SystemMessageParam); 2023-06-01 refuses it. */
    private static final String SYSTEM_ROLE_VERSION = "2026-10-21";
    private static final Set<String> VERTEX_VERSIONS = Set.of(VERTEX_ANTHROPIC_VERSION, "2023-06-01", "2026-10-21");
    private static final Set<String> TOP_LEVEL_FIELDS = Set.of("model", "messages", "max_tokens", "system", "metadata",
            "stop_sequences", "stream", "temperature", "top_p", "top_k", "tools", "tool_choice", "thinking",
            "service_tier", "container", "mcp_servers", "context_management", "output_config", "output_format",
            "cache_control", "diagnostics", "inference_geo", "speed");
    private static final Set<String> BLOCK_TYPES = Set.of("text", "image", "document", "search_result", "thinking",
            "redacted_thinking", "tool_use", "tool_result", "server_tool_use", "web_search_tool_result",
            "web_fetch_tool_result", "code_execution_tool_result", "bash_code_execution_tool_result",
            "text_editor_code_execution_tool_result", "tool_search_tool_result", "container_upload");
    private static final Set<String> IMAGE_MEDIA_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");
    private static final Set<String> BEHAVIOURS = Set.of("ok", "thinking", "tooluse", "credit", "midstream", "reset",
            "status400", "status401", "status403", "status429", "status500", "status529");
    private static final Pattern VERTEX_PATH = Pattern.compile(
            "/v1/projects/([^/]+)/locations/([^/]+)/publishers/anthropic/models/([^/:]+)"
                    + ":(rawPredict|streamRawPredict)");

    /**
     * One request as it arrived. {@code apiKey} is the {@code x-api-key} header, {@code bearerToken} the token of
     * {@code Authorization: Bearer}; {@code body} is null when the body was not a JSON object.
     */
    public record Call(String path, String apiKey, String bearerToken, String anthropicVersion, String anthropicBeta,
                       JsonObject body) {

        public boolean vertex() {
            return path.contains("/publishers/anthropic/");
        }

        /** The credential that chose the behaviour: the API key, else the bearer token. */
        public String credential() {
            return apiKey != null ? apiKey : bearerToken;
        }

        @Override
        public String toString() {
            return "Call[path=" + path + ", apiKey=" + (apiKey == null ? null : "****") + ", bearerToken="
                    + (bearerToken == null ? null : "****") + ", anthropicVersion=" + anthropicVersion + ", body="
                    + (body == null ? null : body.encode()) + "]";
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    private final AtomicInteger requestIds = new AtomicInteger();
    private final HttpServer server;
    private volatile String defaultBehaviour = "ok";

    public AnthropicStandIn() throws Exception {
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public int port() {
        return server.actualPort();
    }

    /** The base URL to configure, e.g. {@code http://127.0.0.1:41234} (the routes start with {@code /v1}). */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public Call lastCall() {
        List<Call> all = calls();
        if (all.isEmpty()) {
            throw new IllegalStateException("the Anthropic stand-in has not been called");
        }
        return all.get(all.size() - 1);
    }

    public void reset() {
        calls.clear();
    }

    /** The behaviour of a credential whose prefix names none, e.g. a Vertex token a test cannot choose. */
    public void defaultBehaviour(String behaviour) {
        this.defaultBehaviour = behaviour;
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(buf -> {
            try {
                route(req, buf);
            } catch (RuntimeException bug) { // answer at once: a test must fail, not wait for its client's timeout
                if (!req.response().headWritten()) {
                    error(req.response(), 500, "api_error", "stand-in failure: " + bug);
                }
                throw bug;
            }
        });
    }

    private void route(HttpServerRequest req, Buffer buf) {
        HttpServerResponse res = req.response();
        res.putHeader("request-id", "req_standin" + requestIds.incrementAndGet());
        String apiKey = req.getHeader("x-api-key");
        String authorization = req.getHeader("Authorization");
        String bearer = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        JsonObject body = parseObject(buf);
        calls.add(new Call(req.path(), apiKey, bearer, req.getHeader("anthropic-version"),
                req.getHeader("anthropic-beta"), body == null ? null : body.copy()));

        Matcher vertex = VERTEX_PATH.matcher(req.path());
        boolean firstParty = req.path().equals("/v1/messages");
        if (!firstParty && !vertex.matches()) {
            error(res, 404, "not_found_error", "Not Found");
            return;
        }
        if (req.method() != HttpMethod.POST) {
            error(res, 405, "invalid_request_error", "Method Not Allowed");
            return;
        }
        String credential;
        String model;
        if (firstParty) {
            credential = apiKey != null && !apiKey.isEmpty() ? apiKey : bearer;
            if (credential == null || credential.isEmpty()) {
                error(res, 401, "authentication_error", "x-api-key header is required");
                return;
            }
            String version = req.getHeader("anthropic-version");
            if (version == null) {
                error(res, 400, "invalid_request_error", "anthropic-version: header is required");
                return;
            }
            if (!API_VERSIONS.contains(version)) {
                error(res, 400, "invalid_request_error", "anthropic-version: invalid version '" + version + "'");
                return;
            }
            model = body == null ? null : body.getValue("model") instanceof String s ? s : null;
        } else {
            credential = bearer;
            if (credential == null || credential.isEmpty()) {
                googleError(res, 401, "UNAUTHENTICATED", "Request is missing required authentication credential."
                        + " Expected OAuth 2 access token, login cookie or other valid authentication credential.");
                return;
            }
            model = QueryStringDecoder.decodeComponent(vertex.group(3));
        }
        String version = firstParty ? req.getHeader("anthropic-version")
                : body == null ? null : body.getValue("anthropic_version") instanceof String v ? v : null;
        String invalid = invalidRequest(body, !firstParty, SYSTEM_ROLE_VERSION.equals(version));
        if (invalid != null) {
            error(res, 400, "invalid_request_error", invalid);
            return;
        }
        if (!firstParty && !VERTEX_VERSIONS.contains(body.getString("anthropic_version"))) {
            // Vertex answers an unknown anthropic_version with 404: no such model version (clawvisor/clawvisor#156).
            googleError(res, 404, "NOT_FOUND", "Publisher Model `" + model + "` was not found or your project"
                    + " does not have access to it.");
            return;
        }
        behave(req, body, model, behaviourOf(credential), !firstParty);
    }

    private String behaviourOf(String credential) {
        String prefix = credential.contains("-") ? credential.substring(0, credential.indexOf('-')) : credential;
        return BEHAVIOURS.contains(prefix) || prefix.matches("slow\\d+") ? prefix : defaultBehaviour;
    }

    private void behave(HttpServerRequest req, JsonObject body, String model, String behaviour, boolean vertex) {
        HttpServerResponse res = req.response();
        boolean stream = Boolean.TRUE.equals(body.getValue("stream"));
        switch (behaviour) {
            case "reset" -> req.connection().close();
            case "credit" -> error(res, 400, "invalid_request_error", CREDIT_MESSAGE);
            case "status400" -> error(res, 400, "invalid_request_error", "stand-in: invalid request");
            case "status401" -> {
                if (vertex) {
                    googleError(res, 401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
                } else {
                    error(res, 401, "authentication_error", "invalid x-api-key");
                }
            }
            case "status403" -> {
                if (vertex) {
                    googleError(res, 403, "PERMISSION_DENIED", "Permission 'aiplatform.endpoints.predict' denied on"
                            + " resource (or it may not exist).");
                } else {
                    error(res, 403, "permission_error",
                            "Your API key does not have permission to use the specified resource.");
                }
            }
            case "status429" -> {
                res.putHeader("retry-after", "7");
                if (vertex) {
                    googleError(res, 429, "RESOURCE_EXHAUSTED", "Quota exceeded for"
                            + " aiplatform.googleapis.com/online_prediction_requests_per_base_model with base model: "
                            + model + ". Please submit a quota increase request.");
                } else {
                    error(res, 429, "rate_limit_error", "This request would exceed the rate limit for your"
                            + " organization of 50 requests per minute.");
                }
            }
            case "status500" -> error(res, 500, "api_error", "Internal server error");
            case "status529" -> error(res, 529, "overloaded_error", "Overloaded");
            default -> {
                if (behaviour.startsWith("slow")) {
                    vertx.setTimer(Long.parseLong(behaviour.substring(4)),
                            t -> answer(req, answerTo(body, "ok"), model, stream, false));
                } else if (behaviour.equals("midstream") && !stream) {
                    req.connection().close();
                } else {
                    answer(req, answerTo(body, behaviour), model, stream, behaviour.equals("midstream"));
                }
            }
        }
    }

    /** What the "model" says: its content blocks, stop reason and output tokens. */
    private record Answer(List<JsonObject> blocks, String stopReason, String stopSequence, int outputTokens) {
    }

    private static Answer answerTo(JsonObject body, String behaviour) {
        List<JsonObject> blocks = new ArrayList<>();
        JsonObject thinking = body.getJsonObject("thinking");
        if (thinking != null && "enabled".equals(thinking.getString("type"))) {
            blocks.add(new JsonObject().put("type", "thinking").put("thinking", THINKING).put("signature", SIGNATURE));
        }
        JsonArray tools = body.getJsonArray("tools");
        String toolResult = lastToolResult(body.getJsonArray("messages"));
        if (behaviour.equals("tooluse") && toolResult != null) {
            blocks.add(textBlock(TOOL_RESULT_PREFIX + toolResult));
            return new Answer(blocks, "end_turn", null, OUTPUT_TOKENS);
        }
        if (behaviour.equals("tooluse") && tools != null && !tools.isEmpty()) {
            blocks.add(textBlock(TOOL_TEXT));
            blocks.add(new JsonObject().put("type", "tool_use").put("id", TOOL_USE_ID)
                    .put("name", tools.getJsonObject(0).getString("name")).put("input", new JsonObject(TOOL_INPUT_JSON))
                    .put("caller", new JsonObject().put("type", "direct")));
            return new Answer(blocks, "tool_use", null, OUTPUT_TOKENS);
        }
        int maxTokens = body.getInteger("max_tokens");
        if (maxTokens < OUTPUT_TOKENS) { // one word a token: the answer is cut after max_tokens words
            blocks.add(textBlock(String.join(" ", List.of(TEXT.split(" ")).subList(0, maxTokens))));
            return new Answer(blocks, "max_tokens", null, maxTokens);
        }
        blocks.add(textBlock(TEXT));
        JsonArray stops = body.getJsonArray("stop_sequences");
        if (stops != null && !stops.isEmpty()) {
            return new Answer(blocks, "stop_sequence", stops.getString(0), OUTPUT_TOKENS);
        }
        return new Answer(blocks, "end_turn", null, OUTPUT_TOKENS);
    }

    /** The text of a tool_result in the last message when it is the user's, else null. */
    private static String lastToolResult(JsonArray messages) {
        JsonObject last = messages.getJsonObject(messages.size() - 1);
        if (!"user".equals(last.getString("role")) || !(last.getValue("content") instanceof JsonArray content)) {
            return null;
        }
        for (Object block : content) {
            JsonObject b = (JsonObject) block;
            if ("tool_result".equals(b.getString("type"))) {
                Object result = b.getValue("content");
                if (result instanceof JsonArray parts) {
                    StringBuilder text = new StringBuilder();
                    parts.forEach(p -> text.append(((JsonObject) p).getString("text", "")));
                    return text.toString();
                }
                return result == null ? "" : result.toString();
            }
        }
        return null;
    }

    private static JsonObject textBlock(String text) {
        return new JsonObject().put("type", "text").put("text", text).putNull("citations");
    }

    private void answer(HttpServerRequest req, Answer answer, String model, boolean stream, boolean dieMidway) {
        String id = "msg_01StandIn" + requestIds.get();
        HttpServerResponse res = req.response();
        if (res.closed()) {
            return;
        }
        if (!stream) {
            JsonObject message = message(id, model, answer.stopReason, answer.stopSequence,
                    usage(answer.outputTokens));
            answer.blocks.forEach(message.getJsonArray("content")::add);
            res.putHeader("content-type", "application/json").end(message.encode());
            return;
        }
        res.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache");
        event(res, "message_start", new JsonObject().put("message", message(id, model, null, null, usage(1))));
        for (int index = 0; index < answer.blocks.size(); index++) {
            JsonObject block = answer.blocks.get(index);
            event(res, "content_block_start",
                    new JsonObject().put("index", index).put("content_block", emptied(block)));
            if (index == 0) {
                event(res, "ping", new JsonObject());
            }
            for (JsonObject delta : deltas(block)) {
                event(res, "content_block_delta", new JsonObject().put("index", index).put("delta", delta));
                if (dieMidway) {
                    event(res, "error", new JsonObject().put("error", new JsonObject()
                            .put("type", "overloaded_error").put("message", "Overloaded")));
                    res.end().onComplete(done -> req.connection().close());
                    return;
                }
            }
            event(res, "content_block_stop", new JsonObject().put("index", index));
        }
        JsonObject deltaUsage = new JsonObject().put("input_tokens", INPUT_TOKENS)
                .put("cache_creation_input_tokens", CACHE_CREATION_INPUT_TOKENS)
                .put("cache_read_input_tokens", CACHE_READ_INPUT_TOKENS).put("output_tokens", answer.outputTokens)
                .putNull("output_tokens_details").putNull("server_tool_use");
        event(res, "message_delta", new JsonObject().put("delta", new JsonObject().put("stop_reason", answer.stopReason)
                .put("stop_sequence", answer.stopSequence).putNull("stop_details").putNull("container"))
                .put("usage", deltaUsage));
        event(res, "message_stop", new JsonObject());
        res.end();
    }

    private static JsonObject message(String id, String model, String stopReason, String stopSequence,
                                      JsonObject usage) {
        return new JsonObject().put("id", id).put("type", "message").put("role", "assistant").put("model", model)
                .put("content", new JsonArray()).put("stop_reason", stopReason).put("stop_sequence", stopSequence)
                .putNull("stop_details").putNull("container").put("usage", usage);
    }

    private static JsonObject usage(int outputTokens) {
        return new JsonObject().put("input_tokens", INPUT_TOKENS)
                .put("cache_creation_input_tokens", CACHE_CREATION_INPUT_TOKENS)
                .put("cache_read_input_tokens", CACHE_READ_INPUT_TOKENS)
                .put("cache_creation", new JsonObject().put("ephemeral_5m_input_tokens", CACHE_CREATION_INPUT_TOKENS)
                        .put("ephemeral_1h_input_tokens", 0))
                .put("output_tokens", outputTokens).putNull("output_tokens_details").putNull("server_tool_use")
                .put("service_tier", "standard").putNull("inference_geo").putNull("speed");
    }

    /** A block as content_block_start announces it: its text, thinking and input still empty. */
    private static JsonObject emptied(JsonObject block) {
        JsonObject start = block.copy();
        switch (block.getString("type")) {
            case "text" -> start.put("text", "").remove("citations");
            case "thinking" -> start.put("thinking", "").put("signature", "");
            case "tool_use" -> start.put("input", new JsonObject());
            default -> {
            }
        }
        return start;
    }

    /** The deltas that build a block up, each text in two pieces and tool input JSON in several. */
    private static List<JsonObject> deltas(JsonObject block) {
        return switch (block.getString("type")) {
            case "text" -> halves(block.getString("text")).stream()
                    .map(t -> new JsonObject().put("type", "text_delta").put("text", t)).toList();
            case "thinking" -> {
                List<JsonObject> deltas = new ArrayList<>(halves(block.getString("thinking")).stream()
                        .map(t -> new JsonObject().put("type", "thinking_delta").put("thinking", t)).toList());
                deltas.add(new JsonObject().put("type", "signature_delta").put("signature", SIGNATURE));
                yield deltas;
            }
            case "tool_use" -> {
                List<JsonObject> deltas = new ArrayList<>();
                deltas.add(new JsonObject().put("type", "input_json_delta").put("partial_json", ""));
                halves(block.getJsonObject("input").encode()).forEach(piece ->
                        deltas.add(new JsonObject().put("type", "input_json_delta").put("partial_json", piece)));
                yield deltas;
            }
            default -> List.of();
        };
    }

    private static List<String> halves(String text) {
        int cut = text.indexOf(' ', text.length() / 2);
        cut = cut < 0 ? text.length() / 2 : cut;
        return List.of(text.substring(0, cut), text.substring(cut));
    }

    private static void event(HttpServerResponse res, String type, JsonObject data) {
        JsonObject payload = new JsonObject().put("type", type);
        payload.mergeIn(data);
        res.write("event: " + type + "\ndata: " + payload.encode() + "\n\n");
    }

    // ----- validation, with the messages the real API gives -----

    private static String invalidRequest(JsonObject body, boolean vertex, boolean systemRole) {
        if (body == null) {
            return "There was an error parsing the body of your request as a JSON object.";
        }
        for (String field : body.fieldNames()) {
            boolean known = vertex ? !field.equals("model") && (TOP_LEVEL_FIELDS.contains(field)
                    || field.equals("anthropic_version")) : TOP_LEVEL_FIELDS.contains(field);
            if (!known) {
                return field + ": Extra inputs are not permitted";
            }
        }
        if (vertex && !(body.getValue("anthropic_version") instanceof String)) {
            return "anthropic_version: Field required";
        }
        if (!vertex && !(body.getValue("model") instanceof String model && !model.isEmpty())) {
            return body.containsKey("model") ? "model: Input should be a valid string" : "model: Field required";
        }
        Object maxTokens = body.getValue("max_tokens");
        if (maxTokens == null) {
            return "max_tokens: Field required";
        }
        if (!(maxTokens instanceof Integer || maxTokens instanceof Long)) {
            return "max_tokens: Input should be a valid integer";
        }
        if (((Number) maxTokens).longValue() < 1) {
            return "max_tokens: Input should be greater than or equal to 1";
        }
        if (body.getValue("stream") != null && !(body.getValue("stream") instanceof Boolean)) {
            return "stream: Input should be a valid boolean";
        }
        String invalid = invalidMessages(body.getValue("messages"), systemRole);
        if (invalid == null) {
            invalid = invalidSystem(body.getValue("system"));
        }
        if (invalid == null) {
            invalid = invalidOptions(body, ((Number) maxTokens).longValue());
        }
        return invalid;
    }

    private static String invalidMessages(Object value, boolean systemRole) {
        if (value == null) {
            return "messages: Field required";
        }
        if (!(value instanceof JsonArray messages)) {
            return "messages: Input should be a valid list";
        }
        if (messages.isEmpty()) {
            return "messages: at least one message is required";
        }
        for (int i = 0; i < messages.size(); i++) {
            if (!(messages.getValue(i) instanceof JsonObject message)) {
                return "messages." + i + ": Input should be a valid dictionary";
            }
            String role = message.getValue("role") instanceof String r ? r : null;
            if ("system".equals(role) && !systemRole) {
                return "messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter,"
                        + " not \"system\" as an input message role.";
            }
            if (!"user".equals(role) && !"assistant".equals(role) && !"system".equals(role)) {
                return role == null ? "messages." + i + ".role: Field required"
                        : "messages." + i + ".role: Input should be 'user' or 'assistant'";
            }
            Object content = message.getValue("content");
            if (content == null) {
                return "messages." + i + ".content: Field required";
            }
            if (content instanceof JsonArray blocks) {
                for (int j = 0; j < blocks.size(); j++) {
                    String invalid = invalidBlock(blocks.getValue(j), "messages." + i + ".content." + j);
                    if (invalid != null) {
                        return invalid;
                    }
                }
            } else if (!(content instanceof String)) {
                return "messages." + i + ".content: Input should be a valid list";
            }
        }
        return null;
    }

    private static String invalidBlock(Object value, String at) {
        if (!(value instanceof JsonObject block)) {
            return at + ": Input should be a valid dictionary";
        }
        String type = block.getValue("type") instanceof String t ? t : null;
        if (type == null) {
            return at + ".type: Field required";
        }
        if (!BLOCK_TYPES.contains(type)) {
            return at + ": Input tag '" + type + "' found using 'type' does not match any of the expected tags: "
                    + String.join(", ", BLOCK_TYPES.stream().sorted().map(t -> "'" + t + "'").toList());
        }
        return switch (type) {
            case "text" -> block.getValue("text") instanceof String ? null : at + ".text: Field required";
            case "image" -> invalidImageSource(block.getValue("source"), at + ".source");
            case "document" -> block.getValue("source") instanceof JsonObject ? null : at + ".source: Field required";
            case "tool_use" -> block.getValue("id") instanceof String && block.getValue("name") instanceof String
                    && block.getValue("input") instanceof JsonObject ? null : at + ": id, name and input are required";
            case "tool_result" -> block.getValue("tool_use_id") instanceof String ? null
                    : at + ".tool_use_id: Field required";
            case "thinking" -> block.getValue("thinking") instanceof String
                    && block.getValue("signature") instanceof String ? null
                    : at + ": thinking and signature are required";
            case "redacted_thinking" -> block.getValue("data") instanceof String ? null : at + ".data: Field required";
            default -> null;
        };
    }

    private static String invalidImageSource(Object value, String at) {
        if (!(value instanceof JsonObject source)) {
            return at + ": Field required";
        }
        String type = source.getValue("type") instanceof String t ? t : "";
        return switch (type) {
            case "base64" -> !IMAGE_MEDIA_TYPES.contains(source.getValue("media_type"))
                    ? at + ".media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'"
                    : source.getValue("data") instanceof String ? null : at + ".data: Field required";
            case "url" -> source.getValue("url") instanceof String ? null : at + ".url: Field required";
            case "file" -> source.getValue("file_id") instanceof String ? null : at + ".file_id: Field required";
            default -> at + ": Input tag '" + type + "' found using 'type' does not match any of the expected tags:"
                    + " 'base64', 'url', 'file'";
        };
    }

    private static String invalidSystem(Object system) {
        if (system == null || system instanceof String) {
            return null;
        }
        if (!(system instanceof JsonArray blocks)) {
            return "system: Input should be a valid string";
        }
        for (int i = 0; i < blocks.size(); i++) {
            if (!(blocks.getValue(i) instanceof JsonObject block) || !"text".equals(block.getValue("type"))
                    || !(block.getValue("text") instanceof String)) {
                return "system." + i + ": Input should be a text block";
            }
        }
        return null;
    }

    private static String invalidOptions(JsonObject body, long maxTokens) {
        Object stops = body.getValue("stop_sequences");
        if (stops != null && !(stops instanceof JsonArray list && list.stream().allMatch(String.class::isInstance))) {
            return "stop_sequences: Input should be a valid list of strings";
        }
        Object temperature = body.getValue("temperature");
        if (temperature != null && !(temperature instanceof Number t && t.doubleValue() >= 0 && t.doubleValue() <= 1)) {
            return "temperature: Input should be a number between 0 and 1";
        }
        Object tools = body.getValue("tools");
        if (tools != null) {
            if (!(tools instanceof JsonArray list)) {
                return "tools: Input should be a valid list";
            }
            for (int i = 0; i < list.size(); i++) {
                if (!(list.getValue(i) instanceof JsonObject tool) || !(tool.getValue("name") instanceof String)) {
                    return "tools." + i + ".name: Field required";
                }
                boolean custom = tool.getValue("type") == null || "custom".equals(tool.getValue("type"));
                if (custom && !(tool.getValue("input_schema") instanceof JsonObject)) {
                    return "tools." + i + ".custom.input_schema: Field required";
                }
            }
        }
        Object thinking = body.getValue("thinking");
        if (thinking != null) {
            if (!(thinking instanceof JsonObject config)) {
                return "thinking: Input should be a valid dictionary";
            }
            String type = config.getValue("type") instanceof String t ? t : "";
            if (!Set.of("enabled", "disabled", "adaptive").contains(type)) {
                return "thinking: Input tag '" + type + "' found using 'type' does not match any of the expected tags:"
                        + " 'adaptive', 'disabled', 'enabled'";
            }
            if (type.equals("enabled")) {
                if (!(config.getValue("budget_tokens") instanceof Number budget)) {
                    return "thinking.enabled.budget_tokens: Field required";
                }
                if (budget.longValue() < 1024) {
                    return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024";
                }
                if (maxTokens <= budget.longValue()) {
                    return "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our"
                            + " documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking";
                }
            }
        }
        return null;
    }

    private static JsonObject parseObject(Buffer buf) {
        try {
            return buf.length() == 0 ? null : buf.toJsonObject();
        } catch (RuntimeException notAnObject) {
            return null;
        }
    }

    private static void error(HttpServerResponse res, int status, String type, String message) {
        res.setStatusCode(status).putHeader("content-type", "application/json")
                .end(new JsonObject().put("type", "error")
                        .put("error", new JsonObject().put("type", type).put("message", message))
                        .put("request_id", res.headers().get("request-id")).encode());
    }

    /** Google's error shape, in which Vertex AI itself (not the model behind it) answers. */
    private static void googleError(HttpServerResponse res, int status, String googleStatus, String message) {
        res.setStatusCode(status).putHeader("content-type", "application/json; charset=UTF-8")
                .end(new JsonObject().put("error", new JsonObject().put("code", status).put("message", message)
                        .put("status", googleStatus)).encode());
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
