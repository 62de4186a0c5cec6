package io.keyway.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.provider.AnswerSink;
import io.keyway.gateway.provider.DeltaChunk;
import io.keyway.gateway.provider.SseAnswerStream;
import io.keyway.gateway.provider.ToolCall;
import io.keyway.gateway.provider.UpstreamHttp.Head;
import io.keyway.gateway.provider.Usage;
import java.io.IOException;

/**
 * An Anthropic Messages stream as Keyway's chunks: {@code message_start} → the assistant role (and the prompt's
 * usage); {@code content_block_start} of a {@code tool_use} → a tool call's id and name; {@code content_block_delta}
 * → text ({@code text_delta}), reasoning ({@code thinking_delta}) or tool-call arguments ({@code input_json_delta});
 * {@code message_delta} → the finish reason and the completion's usage; {@code ping}, {@code content_block_stop},
 * {@code signature_delta} → nothing; {@code error} → the stream fails. The answer begins with the first event after
 * {@code message_start} and {@code ping}, so an overload reported right at the start still falls back. A stream that
 * ends without {@code message_stop} was cut.
 */
final class AnthropicStream extends SseAnswerStream {

    private final ObjectMapper json;
    private Usage usage;
    private int toolCalls;
    private boolean stopped;

    AnthropicStream(Head head, ObjectMapper json) {
        super(head);
        this.json = json;
    }

    @Override
    protected Probe probe(byte[] b, int from, int to) {
        JsonNode event = read(b, from, to);
        String type = event == null ? "" : event.path("type").asText();
        if (type.equals("error")) {
            JsonNode e = event.path("error");
            String errorType = e.path("type").asText(null);
            throw AnthropicAnswers.classify(errorType != null && errorType.equals("overloaded_error") ? 529 : 502,
                    errorType, e.path("message").asText(""), event.toString());
        }
        return type.equals("message_start") || type.equals("ping") || type.isEmpty() ? Probe.WAITS : Probe.BEGINS;
    }

    @Override
    protected void data(byte[] b, int from, int to, AnswerSink sink) {
        JsonNode event = read(b, from, to);
        if (event == null) {
            return;
        }
        switch (event.path("type").asText()) {
            case "message_start" -> {
                usage = AnthropicAnswers.usage(event.path("message").path("usage"), 0);
                sink.usage(usage);
                sink.chunk(DeltaChunk.opening());
            }
            case "content_block_start" -> {
                JsonNode block = event.path("content_block");
                if ("tool_use".equals(block.path("type").asText())) {
                    sink.chunk(DeltaChunk.toolCall(new ToolCall(toolCalls++, block.path("id").asText(),
                            block.path("name").asText(), "")));
                } else if ("text".equals(block.path("type").asText()) && !block.path("text").asText("").isEmpty()) {
                    sink.chunk(DeltaChunk.content(block.path("text").asText()));
                }
            }
            case "content_block_delta" -> {
                JsonNode delta = event.path("delta");
                switch (delta.path("type").asText()) {
                    case "text_delta" -> sink.chunk(DeltaChunk.content(delta.path("text").asText()));
                    case "thinking_delta" -> sink.chunk(DeltaChunk.reasoning(delta.path("thinking").asText()));
                    case "input_json_delta" -> sink.chunk(DeltaChunk.toolCall(
                            new ToolCall(toolCalls - 1, null, null, delta.path("partial_json").asText())));
                    default -> { } // signature_delta, citations: nothing an OpenAI client reads
                }
            }
            case "message_delta" -> {
                JsonNode u = event.path("usage");
                if (u.isObject()) {
                    long prompt = usage == null ? 0 : usage.promptTokens();
                    Usage delta = AnthropicAnswers.usage(u, prompt);
                    usage = usage == null || u.has("input_tokens") ? delta : new Usage(usage.promptTokens(),
                            delta.completionTokens(), usage.cachedTokens(), usage.cacheWriteTokens(), 0);
                    sink.usage(usage);
                }
                String stop = event.path("delta").path("stop_reason").asText(null);
                if (stop != null) {
                    sink.chunk(DeltaChunk.finish(AnthropicAnswers.finishReason(stop), stop));
                }
            }
            case "message_stop" -> stopped = true;
            case "error" -> fail("upstream error in stream: " + event.path("error").path("type").asText("error")
                    + ": " + event.path("error").path("message").asText(""));
            default -> { } // ping, content_block_stop
        }
    }

    @Override
    protected void ended(AnswerSink sink) {
        if (stopped) {
            sink.ended();
        } else {
            sink.failed("upstream stream ended before message_stop");
        }
    }

    private JsonNode read(byte[] b, int from, int to) {
        try {
            JsonNode n = json.readTree(b, from, to - from);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }
}
