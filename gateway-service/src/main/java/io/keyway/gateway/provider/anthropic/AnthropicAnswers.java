package io.keyway.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.provider.Answer;
import io.keyway.gateway.provider.MessageCompletion;
import io.keyway.gateway.provider.ToolCall;
import io.keyway.gateway.provider.UpstreamError;
import io.keyway.gateway.provider.UpstreamHttp.Head;
import io.keyway.gateway.provider.Usage;
import io.keyway.gateway.provider.openaicompatible.OpenAiWire;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Anthropic's answers in Keyway's normalized form, for the adapters that speak the Messages API (anthropic, and
 * google-vertex for Claude models): a {@code message} as a {@link MessageCompletion}, a stream as
 * {@link AnthropicStream}, a failure classified by its {@code error.type} (DESIGN.md §2).
 */
public final class AnthropicAnswers {

    private final ObjectMapper json;

    public AnthropicAnswers(ObjectMapper json) {
        this.json = json;
    }

    public Future<Answer> answer(Head head, boolean stream) {
        if (head.status() == 200) {
            if (stream) {
                return new AnthropicStream(head, json).begin();
            }
            return head.body().compose(body -> {
                try {
                    return Future.succeededFuture(new Answer.Whole(completion(json.readTree(body.getBytes()))));
                } catch (IOException | RuntimeException e) {
                    return Future.failedFuture(new UpstreamError(502, "Provider returned an invalid response", false,
                            UpstreamError.Blame.ENDPOINT));
                }
            });
        }
        return head.body().compose(body -> Future.failedFuture(error(head.status(), body)));
    }

    static MessageCompletion completion(JsonNode message) {
        if (!"message".equals(message.path("type").asText())) {
            throw new IllegalArgumentException("not a message");
        }
        StringBuilder text = new StringBuilder();
        StringBuilder thinking = null;
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText());
                case "thinking" -> {
                    if (thinking == null) {
                        thinking = new StringBuilder();
                    }
                    thinking.append(block.path("thinking").asText());
                }
                case "tool_use" -> calls.add(new ToolCall(calls.size(), block.path("id").asText(),
                        block.path("name").asText(), block.path("input").toString()));
                default -> { } // redacted_thinking, server tools: nothing an OpenAI client reads
            }
        }
        String stop = message.path("stop_reason").asText(null);
        return new MessageCompletion(text.length() == 0 && !calls.isEmpty() ? null : text.toString(),
                thinking == null ? null : thinking.toString(), calls, finishReason(stop), stop,
                usage(message.path("usage"), 0));
    }

    /**
     * Anthropic's usage: {@code input_tokens} leaves out the cached parts, so the prompt is input + cache reads + cache
     * writes (as OpenRouter counts it), with the two broken out. {@code promptFallback} is used when the object has no
     * {@code input_tokens} (a stream's closing {@code message_delta}).
     */
    static Usage usage(JsonNode u, long promptFallback) {
        long cacheRead = u.path("cache_read_input_tokens").asLong(0);
        long cacheWrite = u.path("cache_creation_input_tokens").asLong(0);
        long prompt = u.has("input_tokens") ? u.path("input_tokens").asLong(0) + cacheRead + cacheWrite : promptFallback;
        return new Usage(prompt, u.path("output_tokens").asLong(0), cacheRead, cacheWrite, 0);
    }

    /** {@code end_turn}/{@code stop_sequence} → stop, {@code max_tokens} → length, {@code tool_use} → tool_calls. */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "end_turn", "stop_sequence", "pause_turn" -> "stop";
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop";
        };
    }

    /**
     * DESIGN.md §2 by Anthropic's error type: overloaded (529) and API errors are the endpoint's, retryable; rate
     * limits, invalid or unpermitted keys are the key's, retryable on another; "credit balance is too low", sent as a
     * 400, is the key being out of credit (402, retryable); other invalid requests are the request's own fault.
     */
    UpstreamError error(int status, Buffer body) {
        String raw = OpenAiWire.raw(body);
        String type = null;
        String message = "";
        try {
            JsonNode error = json.readTree(body.getBytes()).path("error");
            type = error.path("type").asText(null);
            message = error.path("message").asText("");
        } catch (IOException e) {
            // not Anthropic's JSON: classified by status alone
        }
        return classify(status, type, message, raw);
    }

    static UpstreamError classify(int status, String type, String message, String raw) {
        if (type == null) {
            return UpstreamError.ofStatus(status, raw);
        }
        return switch (type) {
            case "overloaded_error", "api_error" -> new UpstreamError(status, raw, false, UpstreamError.Blame.ENDPOINT);
            case "rate_limit_error", "authentication_error", "permission_error", "billing_error" ->
                    new UpstreamError(status, raw, false, UpstreamError.Blame.CREDENTIAL);
            case "invalid_request_error" -> message.toLowerCase().contains("credit balance is too low")
                    ? new UpstreamError(402, raw, false, UpstreamError.Blame.CREDENTIAL)
                    : UpstreamError.ofStatus(status, raw);
            default -> UpstreamError.ofStatus(status, raw);
        };
    }
}
