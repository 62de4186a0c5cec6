package io.keyway.gateway.standin;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A STAND-IN for Azure OpenAI and Azure AI Foundry chat completions (not the real service), served over HTTPS on
 * loopback with a certificate made at test time ({@link StandInTls}). It keys off the path, as a BYOK Azure key's
 * {@code endpoint_url} does:
 * <ul>
 * <li>{@code POST /openai/deployments/{deployment}/chat/completions?api-version=…}: Azure OpenAI (also served on
 *     {@code *.services.ai.azure.com}); the deployment is in the path and the body's {@code model} is ignored;</li>
 * <li>{@code POST /models/chat/completions?api-version=…}: the Foundry Models inference endpoint; the deployment is
 *     named by the body's {@code model} (routing is not case sensitive), or by the {@code x-ms-model-mesh-model-name}
 *     or {@code azureml-model-deployment} header.</li>
 * </ul>
 * What it validates, in the order checked, with Azure's own answers: the route (else 404
 * {@code {"error":{"code":"404","message":"Resource not found"}}}); {@code api-version} present (else that same 404,
 * as Azure answers) and of the form YYYY-MM-DD[-preview] (else 400 "API version not supported"); an {@code api-key}
 * header (else 401 "Access denied due to invalid subscription key…"; Entra bearer tokens are not modelled); a JSON body
 * with a {@code messages} array; the deployment (404 {@code DeploymentNotFound} on the deployments path; on the models
 * path 400 {@code no_model_name} or {@code unknown_model}).
 * <p>
 * Answers carry Azure's additions to OpenAI's shapes: {@code prompt_filter_results}, per-choice
 * {@code content_filter_results}, {@code system_fingerprint}; {@code model} is the deployment's underlying model. A
 * stream starts with Azure's prompt-annotation chunk ({@code choices: []}, empty {@code id}/{@code model}/
 * {@code object}, {@code created: 0}), then a role chunk, content deltas with filter results, a finish chunk, a usage
 * chunk only when {@code stream_options.include_usage}, and {@code data: [DONE]}.
 * <p>
 * Behaviour is chosen by the api-key's prefix before its first '-':
 * <ul>
 * <li>{@code ok} (or anything unknown): {@link #TEXT}, {@link #PROMPT_TOKENS} + {@link #COMPLETION_TOKENS} tokens;</li>
 * <li>{@code tooluse}: with {@code tools}, a call of the first tool ({@link #TOOL_CALL_ID}, {@link #TOOL_ARGUMENTS});
 *     when the last message is a tool result, text quoting it ({@link #TOOL_RESULT_PREFIX} + the result);</li>
 * <li>{@code status401}: Azure's 401 (as for a wrong key); {@code status403}: the firewall 403;
 *     {@code status429}: Azure's rate-limit 429 with {@code retry-after} / {@code retry-after-ms};
 *     {@code status400}: {@code context_length_exceeded}; {@code contentfilter}: 400 {@code content_filter} with
 *     {@code innererror.content_filter_result}; {@code status500}: {@code server_error}; {@code status503}: 503;</li>
 * <li>{@code midstream}: a stream that stops after its first content delta (a plain request: the connection closes
 *     unanswered); {@code reset}: the connection closes without an answer.</li>
 * </ul>
 * Every request is recorded ({@link #calls()}), failures included, with the api-key it carried.
 */
public final class AzureStandIn implements AutoCloseable {

    public static final int PROMPT_TOKENS = 14;
    public static final int COMPLETION_TOKENS = 7;
    public static final String TEXT = "Hello from the Azure stand-in";
    public static final String TOOL_CALL_ID = "call_azure_standin_1";
    public static final String TOOL_ARGUMENTS = "{\"city\":\"Paris\"}";
    public static final String TOOL_RESULT_PREFIX = "The tool answered: ";
    public static final String SYSTEM_FINGERPRINT = "fp_standin0a";
    public static final int RETRY_AFTER_SECONDS = 6;

    /** Deployments served when none are given: name → the model Azure reports in answers. */
    public static final Map<String, String> DEFAULT_DEPLOYMENTS = Map.of(
            "gpt-4o", "gpt-4o-2024-08-06",
            "gpt-4o-mini", "gpt-4o-mini-2024-07-18",
            "Mistral-Large-2411", "mistral-large-2411");

    public enum Route { DEPLOYMENTS, MODELS }

    /**
     * One request as received. {@code route} is null for an unknown path; {@code deployment} is the path's deployment
     * or the deployment the models route chose (null when none); {@code body} is null when the body was not JSON.
     */
    public record Call(Route route, String method, String path, String query, String apiVersion, String apiKey,
            String deployment, String bodyModel, JsonObject body) {
        @Override
        public String toString() { // the api-key is a credential: never printed
            return "Call[" + method + " " + path + "?" + query + ", route=" + route + ", deployment=" + deployment
                    + ", bodyModel=" + bodyModel + ", apiKey=****]";
        }
    }

    private static final Pattern DEPLOYMENT_PATH = Pattern.compile("^/openai/deployments/([^/]+)/chat/completions$");
    private static final Pattern API_VERSION = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}(-preview)?$");
    private static final long CREATED = 1_730_000_000L;

    private final Vertx vertx = Vertx.vertx();
    private final Map<String, String> deployments;
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    private final StandInTls tls = StandInTls.loopback();
    private final HttpServer server;

    public AzureStandIn() throws Exception {
        this(DEFAULT_DEPLOYMENTS);
    }

    /** @param deployments deployment name → the model the answers report (e.g. "gpt-4o" → "gpt-4o-2024-08-06") */
    public AzureStandIn(Map<String, String> deployments) throws Exception {
        this.deployments = Map.copyOf(deployments);
        server = vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(tls.serverKeyCert()))
                .requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public int port() {
        return server.actualPort();
    }

    /** {@code https://127.0.0.1:<port>}, the stand-in's resource endpoint. */
    public String baseUrl() {
        return "https://127.0.0.1:" + port();
    }

    /** An Azure OpenAI endpoint_url: {@code …/openai/deployments/<deployment>/chat/completions?api-version=…}. */
    public String deploymentUrl(String deployment, String apiVersion) {
        return baseUrl() + "/openai/deployments/" + deployment + "/chat/completions?api-version=" + apiVersion;
    }

    /** A Foundry Models endpoint_url: {@code …/models/chat/completions?api-version=…}. */
    public String modelsUrl(String apiVersion) {
        return baseUrl() + "/models/chat/completions?api-version=" + apiVersion;
    }

    /** The certificate the stand-in serves, with what a client needs to trust it. */
    public StandInTls tls() {
        return tls;
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<String> apiKeysCalled() {
        return calls.stream().map(Call::apiKey).toList();
    }

    public void reset() {
        calls.clear();
    }

    private void handle(HttpServerRequest req) {
        req.response().putHeader("apim-request-id", UUID.randomUUID().toString()).putHeader("x-ms-region", "Sweden Central");
        req.body().onSuccess(buf -> {
            Matcher deploymentPath = DEPLOYMENT_PATH.matcher(req.path());
            Route route = deploymentPath.matches() ? Route.DEPLOYMENTS
                    : req.path().equals("/models/chat/completions") ? Route.MODELS : null;
            String apiVersion = req.getParam("api-version");
            String apiKey = req.getHeader("api-key");
            JsonObject body = parse(buf);
            String bodyModel = body == null ? null : body.getValue("model") instanceof String s ? s : null;
            String deployment = route == Route.DEPLOYMENTS ? deploymentPath.group(1)
                    : route == Route.MODELS ? modelsDeployment(req.headers(), bodyModel) : null;
            calls.add(new Call(route, req.method().name(), req.path(), req.query(), apiVersion, apiKey, deployment,
                    bodyModel, body == null ? null : body.copy()));

            if (route == null || req.method() != HttpMethod.POST || apiVersion == null) {
                error(req, 404, new JsonObject().put("code", "404").put("message", "Resource not found"));
                return;
            }
            if (!API_VERSION.matcher(apiVersion).matches()) {
                error(req, 400, new JsonObject().put("code", "BadRequest").put("message", "API version not supported"));
                return;
            }
            String behaviour = apiKey == null ? "" : apiKey.contains("-") ? apiKey.substring(0, apiKey.indexOf('-')) : apiKey;
            if (apiKey == null || apiKey.isEmpty() || behaviour.equals("status401")) {
                error(req, 401, new JsonObject().put("code", "401").put("message", "Access denied due to invalid "
                        + "subscription key or wrong API endpoint. Make sure to provide a valid key for an active "
                        + "subscription and use a correct regional API endpoint for your resource."));
                return;
            }
            if (body == null) {
                invalidRequest(req, "We could not parse the JSON body of your request. (HINT: This likely means you "
                        + "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what "
                        + "was sent was not valid JSON.)", null, null);
                return;
            }
            String model;
            if (route == Route.DEPLOYMENTS) {
                model = deployments.get(deployment);
                if (model == null) {
                    error(req, 404, new JsonObject().put("code", "DeploymentNotFound").put("message", "The API "
                            + "deployment for this resource does not exist. If you created the deployment within the "
                            + "last 5 minutes, please wait a moment and try again."));
                    return;
                }
            } else {
                if (deployment == null) {
                    String message = "No model specified in request. Please provide a model name in the request body "
                            + "or as a x-ms-model-mesh-model-name header.";
                    error(req, 400, new JsonObject().put("code", "no_model_name").put("message", message)
                            .put("details", message));
                    return;
                }
                if (!deployments.containsKey(deployment)) {
                    String message = "Unknown model: " + deployment;
                    error(req, 400, new JsonObject().put("code", "unknown_model").put("message", message)
                            .put("details", message));
                    return;
                }
                model = deployments.get(deployment);
            }
            if (!(body.getValue("messages") instanceof JsonArray messages)) {
                invalidRequest(req, "Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
                return;
            }
            if (messages.isEmpty()) {
                invalidRequest(req, "[] is too short - 'messages'", "messages", null);
                return;
            }
            switch (behaviour) {
                case "status403" -> error(req, 403, new JsonObject().put("code", "403")
                        .put("message", "Access denied due to Virtual Network/Firewall rules."));
                case "status429" -> rateLimited(req, apiVersion);
                case "status400" -> error(req, 400, new JsonObject()
                        .put("message", "This model's maximum context length is 128000 tokens. However, your messages "
                                + "resulted in 131072 tokens. Please reduce the length of the messages.")
                        .put("type", "invalid_request_error").put("param", "messages")
                        .put("code", "context_length_exceeded").put("status", 400));
                case "contentfilter" -> contentFiltered(req);
                case "status500" -> error(req, 500, new JsonObject().put("message", "The server had an error processing "
                        + "your request. Sorry about that! You can retry your request, or contact us through an Azure "
                        + "support request at: https://go.microsoft.com/fwlink/?linkid=2213926 if you keep seeing this "
                        + "error. (Please include the request ID " + requestId(req) + " in your email.)")
                        .put("type", "server_error").putNull("param").putNull("code"));
                case "status503" -> error(req, 503, new JsonObject().put("code", "ServiceUnavailable")
                        .put("message", "The service is temporarily unable to process your request. Please try again later."));
                case "reset" -> req.connection().close();
                default -> answer(req, body, model, behaviour);
            }
        });
    }

    /**
     * The models route's deployment: the body's model, else a routing header; matched without regard to case (as
     * Foundry documents), and the requested name itself when no deployment has it.
     */
    private String modelsDeployment(MultiMap headers, String bodyModel) {
        String wanted = bodyModel != null ? bodyModel
                : headers.get("x-ms-model-mesh-model-name") != null ? headers.get("x-ms-model-mesh-model-name")
                : headers.get("azureml-model-deployment");
        if (wanted == null) {
            return null;
        }
        return deployments.keySet().stream().filter(d -> d.equalsIgnoreCase(wanted)).findFirst().orElse(wanted);
    }

    private static JsonObject parse(Buffer buf) {
        if (buf.length() == 0) {
            return null;
        }
        try {
            return buf.toJsonObject();
        } catch (DecodeException | ClassCastException e) {
            return null;
        }
    }

    private void answer(HttpServerRequest req, JsonObject body, String model, String behaviour) {
        boolean stream = body.getBoolean("stream", false);
        boolean includeUsage = body.getValue("stream_options") instanceof JsonObject options
                && options.getBoolean("include_usage", false);
        JsonArray messages = body.getJsonArray("messages");
        JsonObject last = messages.getValue(messages.size() - 1) instanceof JsonObject m ? m : new JsonObject();
        JsonArray tools = body.getValue("tools") instanceof JsonArray t ? t : new JsonArray();
        String toolName = null;
        String text = TEXT;
        if (behaviour.equals("tooluse")) {
            if ("tool".equals(last.getString("role"))) {
                text = TOOL_RESULT_PREFIX + textOf(last.getValue("content"));
            } else if (!tools.isEmpty()) {
                toolName = tools.getJsonObject(0).getJsonObject("function", new JsonObject()).getString("name");
            }
        }
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "").substring(0, 29);
        if (stream) {
            stream(req, id, model, text, toolName, includeUsage, behaviour.equals("midstream"));
        } else if (behaviour.equals("midstream")) {
            req.connection().close();
        } else {
            complete(req, id, model, text, toolName);
        }
    }

    private static String textOf(Object content) {
        if (content instanceof String s) {
            return s;
        }
        StringBuilder text = new StringBuilder();
        if (content instanceof JsonArray parts) {
            for (Object part : parts) {
                if (part instanceof JsonObject p && "text".equals(p.getString("type"))) {
                    text.append(p.getString("text", ""));
                }
            }
        }
        return text.toString();
    }

    private void complete(HttpServerRequest req, String id, String model, String text, String toolName) {
        JsonObject message = new JsonObject();
        if (toolName == null) {
            message.put("content", text).putNull("refusal").put("role", "assistant");
        } else {
            message.putNull("content").putNull("refusal").put("role", "assistant")
                    .put("tool_calls", new JsonArray().add(toolCall(toolName, TOOL_ARGUMENTS)));
        }
        JsonObject choice = new JsonObject().put("content_filter_results", toolName == null ? completionFilter() : new JsonObject())
                .put("finish_reason", toolName == null ? "stop" : "tool_calls").put("index", 0).putNull("logprobs")
                .put("message", message);
        JsonObject completion = new JsonObject().put("choices", new JsonArray().add(choice)).put("created", CREATED)
                .put("id", id).put("model", model).put("object", "chat.completion")
                .put("prompt_filter_results", promptFilterResults())
                .put("system_fingerprint", SYSTEM_FINGERPRINT).put("usage", usage());
        req.response().putHeader("Content-Type", "application/json").end(completion.encode());
    }

    private void stream(HttpServerRequest req, String id, String model, String text, String toolName,
            boolean includeUsage, boolean dieMidway) {
        HttpServerResponse res = req.response().setChunked(true)
                .putHeader("Content-Type", "text/event-stream; charset=utf-8");
        // Azure's prompt annotation: no choices, empty id/model/object, created 0
        event(res, new JsonObject().put("choices", new JsonArray()).put("created", 0).put("id", "").put("model", "")
                .put("object", "").put("prompt_filter_results", promptFilterResults()));
        if (toolName != null) {
            JsonObject first = new JsonObject().putNull("content").putNull("refusal").put("role", "assistant")
                    .put("tool_calls", new JsonArray().add(toolCall(toolName, "").put("index", 0)));
            event(res, chunk(id, model, first, new JsonObject(), null, includeUsage));
            int cut = TOOL_ARGUMENTS.indexOf(':') + 1;
            for (String piece : List.of(TOOL_ARGUMENTS.substring(0, cut), TOOL_ARGUMENTS.substring(cut))) {
                event(res, chunk(id, model, new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject()
                        .put("function", new JsonObject().put("arguments", piece)).put("index", 0))),
                        new JsonObject(), null, includeUsage));
            }
            finish(res, id, model, "tool_calls", includeUsage);
            return;
        }
        event(res, chunk(id, model, new JsonObject().put("content", "").putNull("refusal").put("role", "assistant"),
                new JsonObject(), null, includeUsage));
        int space = text.indexOf(' ') + 1;
        event(res, chunk(id, model, new JsonObject().put("content", text.substring(0, space)), completionFilter(), null,
                includeUsage));
        if (dieMidway) {
            vertx.setTimer(20, t -> req.connection().close());
            return;
        }
        event(res, chunk(id, model, new JsonObject().put("content", text.substring(space)), completionFilter(), null,
                includeUsage));
        finish(res, id, model, "stop", includeUsage);
    }

    private void finish(HttpServerResponse res, String id, String model, String reason, boolean includeUsage) {
        event(res, chunk(id, model, new JsonObject(), new JsonObject(), reason, includeUsage));
        if (includeUsage) {
            event(res, new JsonObject().put("choices", new JsonArray()).put("created", CREATED).put("id", id)
                    .put("model", model).put("object", "chat.completion.chunk")
                    .put("system_fingerprint", SYSTEM_FINGERPRINT).put("usage", usage()));
        }
        res.end("data: [DONE]\n\n");
    }

    private static JsonObject chunk(String id, String model, JsonObject delta, JsonObject filter, String finishReason,
            boolean includeUsage) {
        JsonObject choice = new JsonObject().put("content_filter_results", filter).put("delta", delta)
                .put("finish_reason", finishReason).put("index", 0).putNull("logprobs");
        JsonObject chunk = new JsonObject().put("choices", new JsonArray().add(choice)).put("created", CREATED)
                .put("id", id).put("model", model).put("object", "chat.completion.chunk")
                .put("system_fingerprint", SYSTEM_FINGERPRINT);
        return includeUsage ? chunk.putNull("usage") : chunk; // as OpenAI: every chunk carries usage: null then
    }

    private static void event(HttpServerResponse res, JsonObject data) {
        res.write("data: " + data.encode() + "\n\n");
    }

    private static JsonObject toolCall(String name, String arguments) {
        return new JsonObject().put("function", new JsonObject().put("arguments", arguments).put("name", name))
                .put("id", TOOL_CALL_ID).put("type", "function");
    }

    private static JsonObject usage() {
        return new JsonObject().put("completion_tokens", COMPLETION_TOKENS)
                .put("completion_tokens_details", new JsonObject().put("accepted_prediction_tokens", 0)
                        .put("audio_tokens", 0).put("reasoning_tokens", 0).put("rejected_prediction_tokens", 0))
                .put("prompt_tokens", PROMPT_TOKENS)
                .put("prompt_tokens_details", new JsonObject().put("audio_tokens", 0).put("cached_tokens", 0))
                .put("total_tokens", PROMPT_TOKENS + COMPLETION_TOKENS);
    }

    private static JsonObject severity(boolean filtered, String severity) {
        return new JsonObject().put("filtered", filtered).put("severity", severity);
    }

    private static JsonObject detection() {
        return new JsonObject().put("filtered", false).put("detected", false);
    }

    private static JsonArray promptFilterResults() {
        JsonObject results = new JsonObject().put("hate", severity(false, "safe")).put("jailbreak", detection())
                .put("self_harm", severity(false, "safe")).put("sexual", severity(false, "safe"))
                .put("violence", severity(false, "safe"));
        return new JsonArray().add(new JsonObject().put("prompt_index", 0).put("content_filter_results", results));
    }

    private static JsonObject completionFilter() {
        return new JsonObject().put("hate", severity(false, "safe")).put("protected_material_code", detection())
                .put("protected_material_text", detection()).put("self_harm", severity(false, "safe"))
                .put("sexual", severity(false, "safe")).put("violence", severity(false, "safe"));
    }

    private void rateLimited(HttpServerRequest req, String apiVersion) {
        req.response().putHeader("retry-after", String.valueOf(RETRY_AFTER_SECONDS))
                .putHeader("retry-after-ms", String.valueOf(RETRY_AFTER_SECONDS * 1000))
                .putHeader("x-ratelimit-remaining-requests", "0").putHeader("x-ratelimit-remaining-tokens", "0");
        error(req, 429, new JsonObject().put("code", "429").put("message", "Requests to the ChatCompletions_Create "
                + "Operation under Azure OpenAI API version " + apiVersion + " have exceeded token rate limit of your "
                + "current OpenAI S0 pricing tier. Please retry after " + RETRY_AFTER_SECONDS + " seconds. Please go "
                + "here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit."));
    }

    private void contentFiltered(HttpServerRequest req) {
        JsonObject result = new JsonObject().put("hate", severity(false, "safe")).put("jailbreak", detection())
                .put("self_harm", severity(false, "safe")).put("sexual", severity(false, "safe"))
                .put("violence", severity(true, "medium"));
        error(req, 400, new JsonObject()
                .put("message", "The response was filtered due to the prompt triggering Azure OpenAI's content "
                        + "management policy. Please modify your prompt and retry. To learn more about our content "
                        + "filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766")
                .putNull("type").put("param", "prompt").put("code", "content_filter").put("status", 400)
                .put("innererror", new JsonObject().put("code", "ResponsibleAIPolicyViolation")
                        .put("content_filter_result", result)));
    }

    private void invalidRequest(HttpServerRequest req, String message, String param, String code) {
        error(req, 400, new JsonObject().put("message", message).put("type", "invalid_request_error")
                .put("param", param).put("code", code));
    }

    private void error(HttpServerRequest req, int status, JsonObject error) {
        req.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", error).encode());
    }

    private static String requestId(HttpServerRequest req) {
        return req.response().headers().get("apim-request-id");
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
