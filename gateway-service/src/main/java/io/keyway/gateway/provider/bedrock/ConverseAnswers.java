package io.keyway.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.provider.Answer;
import io.keyway.gateway.provider.MessageCompletion;
import io.keyway.gateway.provider.ToolCall;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamError.Blame;
import io.keyway.gateway.provider.UpstreamHttp.Head;
import io.keyway.gateway.provider.Usage;
import io.keyway.gateway.provider.openaicompatible.OpenAiWire;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Bedrock's answers in Keyway's normalized form: a Converse response as a {@link MessageCompletion}, a ConverseStream
 * as a {@link ConverseStream}, a failure classified by Bedrock's error type (DESIGN.md §2).
 */
final class ConverseAnswers {

    private static final String ERROR_TYPE = "x-amzn-ErrorType";

    private final ObjectMapper json;

    ConverseAnswers(ObjectMapper json) {
        this.json = json;
    }

    Future<Answer> answer(Head head, boolean stream) {
        if (head.status() == 200) {
            if (stream) {
                return new ConverseStream(head, json).begin();
            }
            return head.body().compose(body -> {
                try {
                    return Future.succeededFuture(new Answer.Whole(completion(json.readTree(body.getBytes()))));
                } catch (IOException | RuntimeException e) {
                    return Future.failedFuture(invalidResponse());
                }
            });
        }
        return head.body().compose(body -> Future.failedFuture(error(head.status(),
                head.response().getHeader(ERROR_TYPE), body)));
    }

    static UpstreamError invalidResponse() {
        return new UpstreamError(502, "Provider returned an invalid response", false, Blame.ENDPOINT);
    }

    static MessageCompletion completion(JsonNode response) {
        JsonNode message = response.path("output").path("message");
        if (!message.isObject()) {
            throw new IllegalArgumentException("no output message");
        }
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = null;
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : message.path("content")) {
            if (block.has("text")) {
                text.append(block.path("text").asText());
            } else if (block.has("toolUse")) {
                JsonNode use = block.get("toolUse");
                calls.add(new ToolCall(calls.size(), use.path("toolUseId").asText(), use.path("name").asText(),
                        use.path("input").isMissingNode() ? "{}" : use.get("input").toString()));
            } else if (block.path("reasoningContent").has("reasoningText")) {
                if (reasoning == null) {
                    reasoning = new StringBuilder();
                }
                reasoning.append(block.get("reasoningContent").get("reasoningText").path("text").asText());
            } // redacted reasoning, citations, images: nothing an OpenAI client reads
        }
        String stop = response.path("stopReason").asText(null);
        return new MessageCompletion(text.length() == 0 && !calls.isEmpty() ? null : text.toString(),
                reasoning == null ? null : reasoning.toString(), calls, finishReason(stop), stop,
                usage(response.path("usage")));
    }

    /**
     * Bedrock's usage: {@code inputTokens} leaves out the cached parts ({@code totalTokens} is input + output + cache
     * reads + cache writes), so the prompt is input + cache reads + cache writes, as OpenRouter counts it, with the two
     * broken out. Null when the object is missing.
     */
    static Usage usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        long cacheRead = u.path("cacheReadInputTokens").asLong(0);
        long cacheWrite = u.path("cacheWriteInputTokens").asLong(0);
        return new Usage(u.path("inputTokens").asLong(0) + cacheRead + cacheWrite, u.path("outputTokens").asLong(0),
                cacheRead, cacheWrite, 0);
    }

    /**
     * end_turn / stop_sequence → stop, max_tokens → length, tool_use → tool_calls, content_filtered /
     * guardrail_intervened → content_filter.
     */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "content_filtered", "guardrail_intervened" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence
        };
    }

    UpstreamError error(int status, String errorType, Buffer body) {
        String raw = OpenAiWire.raw(body);
        String type = errorType;
        if (type == null) { // some front ends put the type in the body only
            try {
                JsonNode doc = json.readTree(body.getBytes());
                type = doc.path("__type").asText(doc.path("code").asText(null));
            } catch (IOException e) {
                // not JSON: classified by status alone
            }
        }
        return classify(status, type, raw);
    }

    /**
     * DESIGN.md §2 by Bedrock's error type ({@code x-amzn-ErrorType}, a {@code :…} suffix or a {@code …#} namespace
     * ignored; an event stream's {@code :exception-type} in its lower-case spelling): throttling and refused
     * credentials are the key's (429, 403, retryable on another key); a validation error is the request's own (400,
     * returned at once); an unavailable or not-ready model, a model timeout and internal errors are the endpoint's
     * (503, 408, 500, retryable). Any other type is classified by {@code status}.
     */
    static UpstreamError classify(int status, String errorType, String raw) {
        String type = errorType == null ? "" : errorType;
        int colon = type.indexOf(':');
        if (colon >= 0) {
            type = type.substring(0, colon);
        }
        type = type.substring(type.lastIndexOf('#') + 1).trim();
        if (!type.isEmpty()) {
            type = Character.toUpperCase(type.charAt(0)) + type.substring(1);
        }
        return switch (type) {
            case "ThrottlingException", "ServiceQuotaExceededException" ->
                    new UpstreamError(429, raw, false, Blame.CREDENTIAL);
            case "AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
                 "ExpiredTokenException", "MissingAuthenticationTokenException", "IncompleteSignatureException" ->
                    new UpstreamError(403, raw, false, Blame.CREDENTIAL);
            case "ValidationException" -> new UpstreamError(400, raw, true, Blame.ENDPOINT);
            case "ServiceUnavailableException", "ModelNotReadyException" ->
                    new UpstreamError(503, raw, false, Blame.ENDPOINT);
            case "ModelTimeoutException" -> new UpstreamError(408, raw, false, Blame.ENDPOINT);
            case "InternalServerException" -> new UpstreamError(500, raw, false, Blame.ENDPOINT);
            case "ModelErrorException", "ModelStreamErrorException" -> new UpstreamError(424, raw, false, Blame.ENDPOINT);
            default -> UpstreamError.ofStatus(status, raw);
        };
    }
}
