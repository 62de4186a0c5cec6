package io.keyway.gateway.standin;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/**
 * A STAND-IN for Amazon Bedrock Runtime's Converse and ConverseStream APIs (not the real service), on loopback.
 * <p>
 * It speaks the real wire formats, as the AWS SDK for Java v2 sends and parses them: {@code POST /model/{modelId}/converse}
 * answers Converse JSON; {@code POST /model/{modelId}/converse-stream} answers {@code application/vnd.amazon.eventstream}
 * frames encoded with the AWS event-stream codec (messageStart, contentBlockStart for a tool call, contentBlockDelta,
 * contentBlockStop, messageStop, metadata; each payload padded with a {@code p} field as the real service does); errors
 * carry {@code x-amzn-ErrorType} and a {@code {"message": …}} body. Auth is either SigV4, verified by re-signing what
 * arrived with the SDK's own {@link AwsV4HttpSigner} and the secret known for the access key id (session tokens are not
 * checked), or a Bedrock API key ({@code Authorization: Bearer <key>}) from a known set.
 * <p>
 * The behaviour is chosen by the credential's prefix before its first '-' (access key id or API key):
 * <ul>
 * <li>{@code ok-…} (or anything unknown): {@link #TEXT}, {@value #INPUT_TOKENS} input, {@value #OUTPUT_TOKENS} output,
 *     {@value #CACHE_READ_TOKENS} cache-read and {@value #CACHE_WRITE_TOKENS} cache-write tokens. Each word of the text is
 *     one output token: {@code inferenceConfig.maxTokens} below 5 cuts it ({@code max_tokens}), a stop sequence found in
 *     it cuts it there ({@code stop_sequence});</li>
 * <li>{@code tooluse-…}: with tools in {@code toolConfig}, a toolUse of the first tool with input {@link #TOOL_INPUT_JSON}
 *     ({@code tool_use}); when the last user message carries a toolResult, text quoting it: "The tool said: …";</li>
 * <li>{@code throttle-…} 429 ThrottlingException, {@code denied-…} 403 AccessDeniedException, {@code invalid-…} 400
 *     ValidationException, {@code unavailable-…} 503 ServiceUnavailableException, {@code notready-…} 429
 *     ModelNotReadyException, {@code internal-…} 500 InternalServerException;</li>
 * <li>{@code midstream-…}: a stream sends messageStart and one text delta, then an internalServerException event, and
 *     ends; Converse (not streamed) answers 500 InternalServerException, as the real service can only fail whole there;</li>
 * <li>{@code reset-…}: the connection is closed without an answer.</li>
 * </ul>
 * Every call is recorded ({@link #calls()}), rejected ones included.
 */
public final class BedrockStandIn implements AutoCloseable {

    public static final String TEXT = "Hello from the Bedrock stand-in";
    public static final int INPUT_TOKENS = 10;
    public static final int OUTPUT_TOKENS = 5;
    public static final int CACHE_READ_TOKENS = 3;
    public static final int CACHE_WRITE_TOKENS = 2;
    /** Bedrock's totalTokens counts cache reads and writes too: inputTokens excludes them. */
    public static final int TOTAL_TOKENS = INPUT_TOKENS + OUTPUT_TOKENS + CACHE_READ_TOKENS + CACHE_WRITE_TOKENS;
    public static final String TOOL_INPUT_JSON = "{\"city\":\"Paris\"}";
    public static final String MIDSTREAM_TEXT = "Hello from ";

    public enum AuthKind { SIGV4, BEARER, NONE }

    /**
     * One request as it arrived. {@code credential} is the access key id (SigV4) or the API key (bearer, printed masked);
     * {@code region} and {@code service} come from the SigV4 credential scope; {@code body} is null if it was not JSON.
     */
    public record Call(String path, String modelId, boolean stream, AuthKind auth, String credential, String region,
                       String service, JsonObject body) {
        @Override
        public String toString() {
            String shown = auth == AuthKind.BEARER ? "****" : credential;
            return "Call[" + path + ", model=" + modelId + ", stream=" + stream + ", auth=" + auth + ", credential=" + shown
                    + ", region=" + region + ", service=" + service + "]";
        }
    }

    private static final Pattern PATH = Pattern.compile("/model/([^/]+)/(converse|converse-stream)");
    private static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final Duration ALLOWED_SKEW = Duration.ofMinutes(15);
    private static final String PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final Set<String> CONTENT_BLOCKS = Set.of("text", "image", "document", "video", "toolUse",
            "toolResult", "guardContent", "cachePoint", "reasoningContent", "citationsContent");

    private final Map<String, String> secretsByAccessKeyId;
    private final Set<String> apiKeys;
    private final Vertx vertx = Vertx.vertx();
    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    private final AtomicInteger padding = new AtomicInteger();
    private final HttpServer server;

    /**
     * @param secretsByAccessKeyId the SigV4 credentials it accepts (access key id → secret access key)
     * @param apiKeys              the Bedrock API keys it accepts as bearer tokens
     */
    public BedrockStandIn(Map<String, String> secretsByAccessKeyId, Set<String> apiKeys) throws Exception {
        this.secretsByAccessKeyId = Map.copyOf(secretsByAccessKeyId);
        this.apiKeys = Set.copyOf(apiKeys);
        server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public int port() {
        return server.actualPort();
    }

    /** What a client takes as its endpoint: the SDK's endpointOverride, the gateway's Bedrock endpoint. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public void reset() {
        calls.clear();
    }

    private void handle(HttpServerRequest req) {
        long started = System.nanoTime();
        req.body().onSuccess(buf -> {
            Matcher path = PATH.matcher(req.path());
            boolean known = req.method() == HttpMethod.POST && path.matches();
            String modelId = known ? decodePathSegment(path.group(1)) : null;
            boolean stream = known && path.group(2).equals("converse-stream");
            JsonObject body = parse(buf);
            Auth auth = authenticate(req, buf.getBytes());
            calls.add(new Call(req.path(), modelId, stream, auth.kind, auth.credential, auth.region, auth.service,
                    body == null ? null : body.copy()));
            HttpServerResponse res = req.response();
            if (auth.error != null) {
                auth.error.send(res);
            } else if (!known) {
                new ServiceError(404, "UnknownOperationException", null).send(res);
            } else if (body == null) {
                new ServiceError(400, "SerializationException", "The request body is not valid JSON.").send(res);
            } else {
                String problem = validate(body);
                if (problem != null) {
                    new ServiceError(400, "ValidationException", problem).send(res);
                } else {
                    answer(req, behaviour(auth.credential), body, stream, started);
                }
            }
        });
    }

    // ---- auth ----

    private record Auth(AuthKind kind, String credential, String region, String service, ServiceError error) {
    }

    private Auth authenticate(HttpServerRequest req, byte[] payload) {
        String authorization = req.getHeader("Authorization");
        if (authorization == null) {
            return new Auth(AuthKind.NONE, null, null, null,
                    new ServiceError(403, "MissingAuthenticationTokenException", "Missing Authentication Token"));
        }
        if (authorization.startsWith("Bearer ")) {
            String key = authorization.substring(7).trim();
            // The real service's answer to an unknown API key, as users report it: 403 with an authentication message.
            ServiceError error = apiKeys.contains(key) ? null : new ServiceError(403, "AccessDeniedException",
                    "Authentication failed: Please make sure your API Key is valid.");
            return new Auth(AuthKind.BEARER, key, null, null, error);
        }
        if (!authorization.startsWith("AWS4-HMAC-SHA256 ")) {
            return new Auth(AuthKind.NONE, null, null, null, new ServiceError(400, "IncompleteSignatureException",
                    "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters."));
        }
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : authorization.substring(17).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        String[] scope = parts.getOrDefault("Credential", "").split("/");
        String signedHeaders = parts.get("SignedHeaders");
        String signature = parts.get("Signature");
        if (scope.length != 5 || !scope[4].equals("aws4_request") || signedHeaders == null || signature == null) {
            return new Auth(AuthKind.SIGV4, null, null, null, new ServiceError(400, "IncompleteSignatureException",
                    "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters."));
        }
        String accessKeyId = scope[0];
        String region = scope[2];
        String service = scope[3];
        String secret = secretsByAccessKeyId.get(accessKeyId);
        if (secret == null) {
            return new Auth(AuthKind.SIGV4, accessKeyId, region, service, new ServiceError(403,
                    "UnrecognizedClientException", "The security token included in the request is invalid."));
        }
        ServiceError error = verifySignature(req, payload, secret, accessKeyId, scope, signedHeaders, signature);
        return new Auth(AuthKind.SIGV4, accessKeyId, region, service, error);
    }

    /** Re-signs what arrived with the SDK's signer and the known secret; the signatures must be equal. */
    private ServiceError verifySignature(HttpServerRequest req, byte[] payload, String secret, String accessKeyId,
                                         String[] scope, String signedHeaders, String signature) {
        String amzDate = req.getHeader("X-Amz-Date");
        if (amzDate == null) {
            return new ServiceError(400, "IncompleteSignatureException",
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
        Instant signedAt;
        try {
            signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return new ServiceError(400, "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'.");
        }
        if (!amzDate.startsWith(scope[1])) {
            return invalidSignature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.");
        }
        if (!scope[3].equals("bedrock")) {
            return invalidSignature("Credential should be scoped to correct service: 'bedrock'.");
        }
        if (Duration.between(signedAt, Instant.now()).abs().compareTo(ALLOWED_SKEW) > 0) {
            return invalidSignature("Signature expired: " + amzDate + " is outside the allowed 15 minutes.");
        }
        HostAndPort authority = req.authority(); // Host in HTTP/1.1, :authority in HTTP/2 (an h2c upgrade moves it there)
        if (authority == null) {
            return invalidSignature("The request has no Host header.");
        }
        SdkHttpFullRequest.Builder arrived = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.fromValue(req.method().name()))
                .protocol("http")
                .host(authority.host())
                .port(authority.port() > 0 ? authority.port() : 80)
                .encodedPath(req.path()); // as sent: the signer encodes it once more, as the client's signer did
        req.params().names().forEach(name -> arrived.putRawQueryParameter(name, req.params().getAll(name)));
        for (String name : signedHeaders.split(";")) {
            if (name.equals("host")) {
                arrived.putHeader("Host", authority.port() > 0 ? authority.host() + ":" + authority.port() : authority.host());
            } else if (!name.equals("x-amz-date")) { // the signer writes it from its clock, set to the request's date below
                arrived.putHeader(name, req.headers().getAll(name));
            }
        }
        boolean unsignedPayload = "UNSIGNED-PAYLOAD".equals(req.getHeader("x-amz-content-sha256"));
        String expected = AwsV4HttpSigner.create().sign(r -> r
                        .identity(AwsCredentialsIdentity.create(accessKeyId, secret))
                        .request(arrived.build())
                        .payload(ContentStreamProvider.fromByteArray(payload))
                        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, scope[3])
                        .putProperty(AwsV4HttpSigner.REGION_NAME, scope[2])
                        .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, !unsignedPayload)
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElse("");
        String expectedSignature = expected.substring(expected.lastIndexOf("Signature=") + 10);
        if (!MessageDigest.isEqual(expectedSignature.getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII))) {
            return invalidSignature("The request signature we calculated does not match the signature you provided. "
                    + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }
        return null;
    }

    private static ServiceError invalidSignature(String message) {
        return new ServiceError(403, "InvalidSignatureException", message);
    }

    // ---- request ----

    private static JsonObject parse(Buffer buf) {
        if (buf.length() == 0) {
            return new JsonObject();
        }
        try {
            return buf.toJsonObject();
        } catch (DecodeException | ClassCastException e) {
            return null;
        }
    }

    /** What the real API validates before a model sees the request (shape constraints and its conversation rules). */
    private static String validate(JsonObject body) {
        JsonArray messages = body.getValue("messages") instanceof JsonArray a ? a : null;
        if (messages == null || messages.isEmpty()) {
            return "1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must not be null";
        }
        boolean toolBlocks = false;
        for (int i = 0; i < messages.size(); i++) {
            if (!(messages.getValue(i) instanceof JsonObject message)) {
                return "Value at 'messages." + i + "' must be an object.";
            }
            String role = message.getValue("role") instanceof String s ? s : null;
            if (!"user".equals(role) && !"assistant".equals(role)) {
                return "1 validation error detected: Value '" + role + "' at 'messages." + (i + 1)
                        + ".member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]";
            }
            if (!(message.getValue("content") instanceof JsonArray content) || content.isEmpty()) {
                return "The content field in the Message object at messages." + i + " is empty. Add a ContentBlock object "
                        + "to the content field and try again.";
            }
            for (Object block : content) {
                if (!(block instanceof JsonObject b) || b.size() != 1 || !CONTENT_BLOCKS.contains(b.fieldNames().iterator().next())) {
                    return "Value at 'messages." + i + ".content' must hold content blocks with exactly one known member.";
                }
                toolBlocks |= b.containsKey("toolUse") || b.containsKey("toolResult");
            }
        }
        if (!"user".equals(messages.getJsonObject(0).getString("role"))) {
            return "A conversation must start with a user message. Try again with a conversation that starts with a user message.";
        }
        if (body.containsKey("system") && !(body.getValue("system") instanceof JsonArray)) {
            return "Value at 'system' must be a list of system content blocks.";
        }
        String inference = validateInferenceConfig(body.getValue("inferenceConfig"));
        if (inference != null) {
            return inference;
        }
        Object toolConfig = body.getValue("toolConfig");
        if (toolConfig == null && toolBlocks) {
            return "The toolConfig field must be defined when using toolUse and toolResult content blocks.";
        }
        return toolConfig == null ? null : validateToolConfig(toolConfig);
    }

    private static String validateInferenceConfig(Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof JsonObject config)) {
            return "Value at 'inferenceConfig' must be an object.";
        }
        if (config.getValue("maxTokens") instanceof Number n && n.intValue() < 1) {
            return "1 validation error detected: Value '" + n + "' at 'inferenceConfig.maxTokens' failed to satisfy "
                    + "constraint: Member must have value greater than or equal to 1";
        }
        for (String name : List.of("temperature", "topP")) {
            if (config.getValue(name) instanceof Number n && (n.doubleValue() < 0 || n.doubleValue() > 1)) {
                return "1 validation error detected: Value '" + n + "' at 'inferenceConfig." + name
                        + "' failed to satisfy constraint: Member must be between 0 and 1";
            }
        }
        if (config.containsKey("stopSequences") && !(config.getValue("stopSequences") instanceof JsonArray)) {
            return "Value at 'inferenceConfig.stopSequences' must be a list of strings.";
        }
        return null;
    }

    private static String validateToolConfig(Object value) {
        if (!(value instanceof JsonObject config) || !(config.getValue("tools") instanceof JsonArray tools) || tools.isEmpty()) {
            return "1 validation error detected: Value at 'toolConfig.tools' failed to satisfy constraint: "
                    + "Member must have length greater than or equal to 1";
        }
        for (int i = 0; i < tools.size(); i++) {
            if (!(tools.getValue(i) instanceof JsonObject tool) || tool.size() != 1) {
                return "Value at 'toolConfig.tools." + i + "' must have exactly one of toolSpec, systemTool, cachePoint.";
            }
            if (tool.getValue("toolSpec") instanceof JsonObject spec) {
                if (!(spec.getValue("name") instanceof String name) || !TOOL_NAME.matcher(name).matches()) {
                    return "1 validation error detected: Value at 'toolConfig.tools." + (i + 1) + ".member.toolSpec.name' "
                            + "failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+";
                }
                if (!(spec.getValue("inputSchema") instanceof JsonObject schema) || !schema.containsKey("json")) {
                    return "1 validation error detected: Value null at 'toolConfig.tools." + (i + 1)
                            + ".member.toolSpec.inputSchema' failed to satisfy constraint: Member must not be null";
                }
            }
        }
        if (config.containsKey("toolChoice") && !(config.getValue("toolChoice") instanceof JsonObject choice
                && choice.size() == 1 && Set.of("auto", "any", "tool").contains(choice.fieldNames().iterator().next()))) {
            return "Value at 'toolConfig.toolChoice' must have exactly one of auto, any, tool.";
        }
        return null;
    }

    private static String behaviour(String credential) {
        return credential.contains("-") ? credential.substring(0, credential.indexOf('-')) : credential;
    }

    private static String decodePathSegment(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    // ---- answers ----

    /** One answer: its content blocks (text, or a tool call with its input) and why it stopped. */
    private record Answer(String text, String toolName, String stopReason, int outputTokens) {
    }

    private void answer(HttpServerRequest req, String behaviour, JsonObject body, boolean stream, long started) {
        HttpServerResponse res = req.response();
        switch (behaviour) {
            case "throttle" -> new ServiceError(429, "ThrottlingException",
                    "Too many requests, please wait before trying again.").send(res);
            case "denied" -> new ServiceError(403, "AccessDeniedException",
                    "You don't have access to the model with the specified model ID.").send(res);
            case "invalid" -> new ServiceError(400, "ValidationException", "The provided model identifier is invalid.")
                    .send(res);
            case "unavailable" -> new ServiceError(503, "ServiceUnavailableException",
                    "Bedrock is unable to process your request.").send(res);
            case "notready" -> new ServiceError(429, "ModelNotReadyException",
                    "Model is not ready to serve inference requests.").send(res);
            case "internal" -> internalError().send(res);
            case "reset" -> req.connection().close();
            case "midstream" -> {
                if (stream) {
                    midstream(res);
                } else {
                    internalError().send(res);
                }
            }
            default -> {
                Answer answer = behaviour.equals("tooluse") ? toolAnswer(body) : textAnswer(body, TEXT);
                if (stream) {
                    stream(res, answer, started);
                } else {
                    converse(res, answer, started);
                }
            }
        }
    }

    private static ServiceError internalError() {
        return new ServiceError(500, "InternalServerException",
                "The system encountered an unexpected error during processing. Try your request again.");
    }

    /** The text, cut by maxTokens (a word per token) or by the first stop sequence found in it. */
    private static Answer textAnswer(JsonObject body, String text) {
        JsonObject config = body.getJsonObject("inferenceConfig", new JsonObject());
        for (Object stop : config.getJsonArray("stopSequences", new JsonArray())) {
            int at = stop instanceof String s && !s.isEmpty() ? text.indexOf(s) : -1;
            if (at >= 0) {
                String cut = text.substring(0, at);
                return new Answer(cut, null, "stop_sequence", words(cut));
            }
        }
        int maxTokens = config.getValue("maxTokens") instanceof Number n ? n.intValue() : Integer.MAX_VALUE;
        String[] words = text.split(" ");
        if (words.length > maxTokens) {
            return new Answer(String.join(" ", Arrays.copyOf(words, maxTokens)), null, "max_tokens", maxTokens);
        }
        return new Answer(text, null, "end_turn", words.length);
    }

    private static int words(String text) {
        return text.isBlank() ? 0 : text.trim().split(" +").length;
    }

    private static Answer toolAnswer(JsonObject body) {
        JsonArray messages = body.getJsonArray("messages");
        JsonObject last = messages.getJsonObject(messages.size() - 1);
        if ("user".equals(last.getString("role"))) {
            for (Object block : last.getJsonArray("content")) {
                if (((JsonObject) block).getValue("toolResult") instanceof JsonObject result) {
                    return textAnswer(body, "The tool said: " + quote(result));
                }
            }
        }
        JsonArray tools = body.getJsonObject("toolConfig", new JsonObject()).getJsonArray("tools", new JsonArray());
        for (Object tool : tools) {
            if (((JsonObject) tool).getValue("toolSpec") instanceof JsonObject spec) {
                return new Answer(null, spec.getString("name"), "tool_use", OUTPUT_TOKENS);
            }
        }
        return textAnswer(body, TEXT);
    }

    private static String quote(JsonObject toolResult) {
        StringBuilder quoted = new StringBuilder();
        for (Object block : toolResult.getJsonArray("content", new JsonArray())) {
            JsonObject b = (JsonObject) block;
            quoted.append(b.containsKey("text") ? b.getString("text") : String.valueOf(b.getValue("json")));
        }
        return quoted.toString();
    }

    private static JsonObject usage(int outputTokens) {
        return new JsonObject().put("inputTokens", INPUT_TOKENS).put("outputTokens", outputTokens)
                .put("totalTokens", INPUT_TOKENS + outputTokens + CACHE_READ_TOKENS + CACHE_WRITE_TOKENS)
                .put("cacheReadInputTokens", CACHE_READ_TOKENS).put("cacheWriteInputTokens", CACHE_WRITE_TOKENS);
    }

    private static long latencyMs(long started) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    private static String toolUseId() {
        return "tooluse_" + UUID.randomUUID().toString().replace("-", "").substring(0, 22);
    }

    private void converse(HttpServerResponse res, Answer answer, long started) {
        JsonObject block = answer.toolName == null ? new JsonObject().put("text", answer.text)
                : new JsonObject().put("toolUse", new JsonObject().put("toolUseId", toolUseId())
                        .put("name", answer.toolName).put("input", new JsonObject(TOOL_INPUT_JSON)));
        JsonObject reply = new JsonObject()
                .put("output", new JsonObject().put("message", new JsonObject().put("role", "assistant")
                        .put("content", new JsonArray().add(block))))
                .put("stopReason", answer.stopReason)
                .put("usage", usage(answer.outputTokens))
                .put("metrics", new JsonObject().put("latencyMs", latencyMs(started)));
        res.putHeader("Content-Type", "application/json").putHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                .end(reply.encode());
    }

    private void stream(HttpServerResponse res, Answer answer, long started) {
        startStream(res);
        event(res, "messageStart", new JsonObject().put("role", "assistant"));
        if (answer.toolName == null) { // text blocks have no contentBlockStart on the real service
            int cut = answer.text.indexOf(' ', answer.text.length() / 2);
            List<String> pieces = cut < 0 ? List.of(answer.text)
                    : List.of(answer.text.substring(0, cut + 1), answer.text.substring(cut + 1));
            for (String piece : pieces) {
                event(res, "contentBlockDelta", new JsonObject().put("contentBlockIndex", 0)
                        .put("delta", new JsonObject().put("text", piece)));
            }
        } else {
            event(res, "contentBlockStart", new JsonObject().put("contentBlockIndex", 0).put("start", new JsonObject()
                    .put("toolUse", new JsonObject().put("toolUseId", toolUseId()).put("name", answer.toolName))));
            int cut = TOOL_INPUT_JSON.indexOf(':') + 1; // the input arrives as partial JSON strings
            for (String piece : List.of(TOOL_INPUT_JSON.substring(0, cut), TOOL_INPUT_JSON.substring(cut))) {
                event(res, "contentBlockDelta", new JsonObject().put("contentBlockIndex", 0)
                        .put("delta", new JsonObject().put("toolUse", new JsonObject().put("input", piece))));
            }
        }
        event(res, "contentBlockStop", new JsonObject().put("contentBlockIndex", 0));
        event(res, "messageStop", new JsonObject().put("stopReason", answer.stopReason));
        event(res, "metadata", new JsonObject().put("usage", usage(answer.outputTokens))
                .put("metrics", new JsonObject().put("latencyMs", latencyMs(started))));
        res.end();
    }

    private void midstream(HttpServerResponse res) {
        startStream(res);
        event(res, "messageStart", new JsonObject().put("role", "assistant"));
        event(res, "contentBlockDelta", new JsonObject().put("contentBlockIndex", 0)
                .put("delta", new JsonObject().put("text", MIDSTREAM_TEXT)));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":exception-type", "internalServerException");
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "exception");
        res.write(frame(headers, new JsonObject().put("message", internalError().message)));
        res.end();
    }

    private static void startStream(HttpServerResponse res) {
        res.setChunked(true).putHeader("Content-Type", "application/vnd.amazon.eventstream")
                .putHeader("x-amzn-RequestId", UUID.randomUUID().toString());
    }

    private void event(HttpServerResponse res, String type, JsonObject payload) {
        // The real service pads each event with a "p" field of varying length, so sizes do not reveal the text.
        payload.put("p", PADDING.substring(0, 1 + padding.getAndIncrement() % PADDING.length()));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(":event-type", type);
        headers.put(":content-type", "application/json");
        headers.put(":message-type", "event");
        res.write(frame(headers, payload));
    }

    private static Buffer frame(Map<String, String> headers, JsonObject payload) {
        Map<String, HeaderValue> values = new LinkedHashMap<>();
        headers.forEach((name, value) -> values.put(name, HeaderValue.fromString(value)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Message(values, payload.encode().getBytes(StandardCharsets.UTF_8)).encode(out);
        return Buffer.buffer(out.toByteArray());
    }

    /** An error as the real service sends it: the status, x-amzn-ErrorType and a {"message": …} body. */
    private record ServiceError(int status, String type, String message) {
        void send(HttpServerResponse res) {
            res.setStatusCode(status).putHeader("Content-Type", "application/json")
                    .putHeader("x-amzn-RequestId", UUID.randomUUID().toString())
                    .putHeader("x-amzn-ErrorType", type)
                    .end(message == null ? "{}" : new JsonObject().put("message", message).encode());
        }
    }

    @Override
    public void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }
}
