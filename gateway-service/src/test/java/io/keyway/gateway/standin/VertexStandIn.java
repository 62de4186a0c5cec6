package io.keyway.gateway.standin;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A STAND-IN for Vertex AI's OpenAI-compatible Chat Completions endpoint for Gemini (not the real service), on loopback:
 * {@code POST /v1/projects/{project}/locations/{location}/endpoints/openapi/chat/completions} ({@code v1beta1} too), the
 * path Google documents under {@code https://{location}-aiplatform.googleapis.com} (or {@code aiplatform.googleapis.com}
 * for {@code global}); models are named {@code google/gemini-…}.
 * <p>
 * Auth is checked as Vertex does, against the tokens a {@link GoogleTokenStandIn} issued: no token, an unknown or an
 * expired one gives 401 UNAUTHENTICATED; a token without the cloud-platform scope, or a service account of another
 * project than the one in the path, gives 403 PERMISSION_DENIED. Errors have Google's shape
 * {@code {"error":{"code","message","status","details"}}}.
 * <p>
 * Answers: a completion of {@link #TEXT} with {@link #PROMPT_TOKENS}/{@link #COMPLETION_TOKENS} usage; when the request
 * has {@code tools}, a {@code tool_calls} answer calling the first function. Streams are OpenAI's: content chunks, a
 * chunk with {@code finish_reason}, a usage-only chunk ({@code choices: []}) when {@code stream_options.include_usage}
 * is set, then {@code data: [DONE]}. Fault injection is settable per project ({@link #behave}, {@link Behaviour}).
 * Every call that reaches the endpoint path is recorded ({@link #calls()}), with the location, so a test can see which
 * region of a key was used.
 */
public final class VertexStandIn implements AutoCloseable {

    public static final String TEXT = "Hello from Vertex";
    public static final int PROMPT_TOKENS = 11;
    public static final int COMPLETION_TOKENS = 4;

    /** What the stand-in does for a project's authorised calls. */
    public enum Behaviour {
        /** A normal answer (a tool call when {@code tools} are given). */
        OK,
        /** 429 RESOURCE_EXHAUSTED, Vertex's quota message. */
        STATUS_429,
        /** 403 PERMISSION_DENIED (the IAM permission is missing). */
        STATUS_403,
        /** 400 INVALID_ARGUMENT. */
        STATUS_400,
        /** 500 INTERNAL. */
        STATUS_500,
        /** 503 UNAVAILABLE. */
        STATUS_503,
        /** Streams two chunks, then closes the connection (a non-streamed call: closed without an answer). */
        MIDSTREAM,
        /** The connection is closed without an answer. */
        RESET
    }

    /**
     * One call that reached the endpoint path, recorded before it is answered (refused ones too). {@code clientEmail} is
     * the service account of the token (null when the token stand-in did not issue it); {@code host} is the Host header
     * sent (the base URL is overridden in tests, so the path's location is what shows the region). {@code toString}
     * hides the token.
     */
    public record Call(String apiVersion, String project, String location, String model, String accessToken,
            String clientEmail, boolean stream, boolean includeUsage, JsonObject body, String host) {

        @Override
        public String toString() {
            return "Call[" + apiVersion + " " + project + "/" + location + " " + model + " as " + clientEmail
                    + (stream ? " streamed" : "") + ", token ****]";
        }
    }

    private static final Pattern PATH = Pattern.compile(
            "/(v1|v1beta1)/projects/([^/]+)/locations/([^/]+)/endpoints/openapi/chat/completions");

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final GoogleTokenStandIn tokens;
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

    /** @param tokens the token endpoint whose tokens this one accepts */
    public VertexStandIn(GoogleTokenStandIn tokens) throws Exception {
        this.tokens = tokens;
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public int port() {
        return server.actualPort();
    }

    /** What stands for {@code https://{location}-aiplatform.googleapis.com}: the base a gateway's override points at. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** The OpenAI SDK base URL for a project and location (the SDK appends {@code /chat/completions}). */
    public String openAiBaseUrl(String project, String location) {
        return baseUrl() + "/v1/projects/" + project + "/locations/" + location + "/endpoints/openapi";
    }

    /** From now on, authorised calls for {@code project} behave so ({@link Behaviour#OK} by default). */
    public void behave(String project, Behaviour behaviour) {
        behaviours.put(project, behaviour);
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The locations called, in order: the region the gateway took from each key. */
    public List<String> locationsCalled() {
        return calls.stream().map(Call::location).toList();
    }

    public void reset() {
        calls.clear();
        behaviours.clear();
    }

    private void handle(HttpServerRequest req) {
        req.body().onSuccess(buf -> {
            Matcher path = PATH.matcher(req.path());
            if (!path.matches()) {
                error(req.response(), 404, "NOT_FOUND", "The requested URL " + req.path() + " was not found on this server.",
                        null);
                return;
            }
            if (req.method() != HttpMethod.POST) {
                error(req.response(), 405, "METHOD_NOT_ALLOWED", "Method " + req.method() + " is not allowed.", null);
                return;
            }
            String project = path.group(2);
            String location = path.group(3);
            String auth = req.getHeader("Authorization");
            String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
            var grant = tokens.grantOf(token);
            JsonObject body;
            try {
                body = buf.length() == 0 ? null : buf.toJsonObject();
            } catch (DecodeException e) {
                body = null;
            }
            boolean stream = body != null && Boolean.TRUE.equals(body.getValue("stream"));
            boolean includeUsage = body != null && body.getValue("stream_options") instanceof JsonObject options
                    && Boolean.TRUE.equals(options.getValue("include_usage"));
            String model = body == null ? null : body.getValue("model") instanceof String s ? s : null;
            calls.add(new Call(path.group(1), project, location, model, token,
                    grant.map(GoogleTokenStandIn.Grant::clientEmail).orElse(null), stream, includeUsage, body,
                    req.getHeader("Host")));
            HttpServerResponse res = req.response();

            String resource = "projects/" + project + "/locations/" + location + "/endpoints/openapi";
            if (token == null) {
                unauthenticated(res, "Request is missing required authentication credential. Expected OAuth 2 access"
                        + " token, login cookie or other valid authentication credential. See"
                        + " https://developers.google.com/identity/sign-in/web/devconsole-project.", "CREDENTIALS_MISSING");
            } else if (grant.isEmpty() || grant.get().expired()) {
                unauthenticated(res, "Request had invalid authentication credentials. Expected OAuth 2 access token,"
                        + " login cookie or other valid authentication credential. See"
                        + " https://developers.google.com/identity/sign-in/web/devconsole-project.",
                        grant.isEmpty() ? "ACCESS_TOKEN_TYPE_UNSUPPORTED" : "ACCESS_TOKEN_EXPIRED");
            } else if (!grant.get().scopes().contains(GoogleTokenStandIn.CLOUD_PLATFORM)) {
                error(res, 403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.",
                        errorInfo("ACCESS_TOKEN_SCOPE_INSUFFICIENT"));
            } else if (!grant.get().projectId().equals(project)) {
                permissionDenied(res, resource);
            } else if (body == null) {
                error(res, 400, "INVALID_ARGUMENT", "Invalid JSON payload received. Request body is not a JSON object.", null);
            } else if (model == null || model.isBlank()) {
                error(res, 400, "INVALID_ARGUMENT", "model is required.", null);
            } else if (!model.startsWith("google/")) {
                error(res, 400, "INVALID_ARGUMENT", "Invalid model: " + model
                        + ". Gemini models are addressed as google/<model id>, e.g. google/gemini-2.0-flash-001.", null);
            } else if (!(body.getValue("messages") instanceof JsonArray messages) || messages.isEmpty()) {
                error(res, 400, "INVALID_ARGUMENT", "messages must be a non-empty list.", null);
            } else {
                behave(req, res, behaviours.getOrDefault(project, Behaviour.OK), resource, body, model, stream, includeUsage);
            }
        });
    }

    private void behave(HttpServerRequest req, HttpServerResponse res, Behaviour behaviour, String resource,
            JsonObject body, String model, boolean stream, boolean includeUsage) {
        switch (behaviour) {
            case STATUS_429 -> error(res, 429, "RESOURCE_EXHAUSTED", "Resource exhausted. Please try again later. Please"
                    + " refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.", null);
            case STATUS_403 -> permissionDenied(res, resource);
            case STATUS_400 -> error(res, 400, "INVALID_ARGUMENT", "Request contains an invalid argument.", null);
            case STATUS_500 -> error(res, 500, "INTERNAL", "Internal error encountered.", null);
            case STATUS_503 -> error(res, 503, "UNAVAILABLE", "The service is currently unavailable.", null);
            case RESET -> req.connection().close();
            case MIDSTREAM -> {
                if (!stream) {
                    req.connection().close();
                    return;
                }
                startStream(res);
                res.write(chunk(model, new JsonObject().put("role", "assistant").put("content", "Hello "), null));
                res.write(chunk(model, new JsonObject().put("content", "from "), null));
                vertx.setTimer(20, t -> req.connection().close());
            }
            case OK -> answer(res, body, model, stream, includeUsage);
        }
    }

    private void answer(HttpServerResponse res, JsonObject body, String model, boolean stream, boolean includeUsage) {
        JsonObject toolCall = toolCall(body);
        String finishReason = toolCall == null ? "stop" : "tool_calls";
        if (!stream) {
            JsonObject message = new JsonObject().put("role", "assistant");
            if (toolCall == null) {
                message.put("content", TEXT);
            } else {
                message.putNull("content").put("tool_calls", new JsonArray().add(toolCall));
            }
            res.putHeader("Content-Type", "application/json; charset=UTF-8").end(envelope(model, "chat.completion")
                    .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message)
                            .put("finish_reason", finishReason).putNull("logprobs")))
                    .put("usage", usage()).encode());
            return;
        }
        startStream(res);
        if (toolCall == null) {
            res.write(chunk(model, new JsonObject().put("role", "assistant").put("content", "Hello "), null));
            res.write(chunk(model, new JsonObject().put("content", "from Vertex"), null));
        } else {
            res.write(chunk(model, new JsonObject().put("role", "assistant").put("tool_calls",
                    new JsonArray().add(toolCall.copy().put("index", 0))), null));
        }
        res.write(chunk(model, new JsonObject(), finishReason));
        if (includeUsage) {
            res.write("data: " + envelope(model, "chat.completion.chunk").put("choices", new JsonArray())
                    .put("usage", usage()).encode() + "\n\n");
        }
        res.end("data: [DONE]\n\n");
    }

    /** A call of the request's first function, each required argument set to "stand-in"; null without tools. */
    private static JsonObject toolCall(JsonObject body) {
        if (!(body.getValue("tools") instanceof JsonArray tools) || tools.isEmpty()
                || !(tools.getValue(0) instanceof JsonObject tool) || !(tool.getValue("function") instanceof JsonObject fn)) {
            return null;
        }
        JsonObject arguments = new JsonObject();
        if (fn.getValue("parameters") instanceof JsonObject parameters
                && parameters.getValue("required") instanceof JsonArray required) {
            required.forEach(name -> arguments.put(String.valueOf(name), "stand-in"));
        }
        return new JsonObject().put("id", "call_standin_0").put("type", "function")
                .put("function", new JsonObject().put("name", fn.getString("name")).put("arguments", arguments.encode()));
    }

    private static void startStream(HttpServerResponse res) {
        res.setChunked(true).putHeader("Content-Type", "text/event-stream");
    }

    private static JsonObject envelope(String model, String object) {
        return new JsonObject().put("id", "standin-" + Long.toHexString(System.nanoTime())).put("object", object)
                .put("created", Instant.now().getEpochSecond()).put("model", model).put("system_fingerprint", "");
    }

    private static JsonObject usage() {
        return new JsonObject().put("prompt_tokens", PROMPT_TOKENS).put("completion_tokens", COMPLETION_TOKENS)
                .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS);
    }

    private static String chunk(String model, JsonObject delta, String finishReason) {
        JsonObject choice = new JsonObject().put("index", 0).put("delta", delta);
        if (finishReason != null) {
            choice.put("finish_reason", finishReason);
        }
        return "data: " + envelope(model, "chat.completion.chunk").put("choices", new JsonArray().add(choice)).encode()
                + "\n\n";
    }

    private static void unauthenticated(HttpServerResponse res, String message, String reason) {
        res.putHeader("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
        error(res, 401, "UNAUTHENTICATED", message, errorInfo(reason));
    }

    private static void permissionDenied(HttpServerResponse res, String resource) {
        error(res, 403, "PERMISSION_DENIED", "Permission 'aiplatform.endpoints.predict' denied on resource"
                + " '//aiplatform.googleapis.com/" + resource + "' (or it may not exist).", errorInfo("IAM_PERMISSION_DENIED"));
    }

    private static JsonObject errorInfo(String reason) {
        return new JsonObject().put("@type", "type.googleapis.com/google.rpc.ErrorInfo").put("reason", reason)
                .put("domain", reason.startsWith("IAM") ? "aiplatform.googleapis.com" : "googleapis.com")
                .put("metadata", new JsonObject().put("service", "aiplatform.googleapis.com")
                        .put("method", "google.cloud.aiplatform.v1.PredictionService.ChatCompletions"));
    }

    private static void error(HttpServerResponse res, int code, String status, String message, JsonObject detail) {
        JsonObject error = new JsonObject().put("code", code).put("message", message).put("status", status);
        if (detail != null) {
            error.put("details", new JsonArray().add(detail));
        }
        res.setStatusCode(code).putHeader("Content-Type", "application/json; charset=UTF-8")
                .end(new JsonObject().put("error", error).encodePrettily());
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
