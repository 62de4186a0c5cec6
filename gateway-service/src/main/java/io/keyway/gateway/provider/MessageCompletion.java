package io.keyway.gateway.provider;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.util.List;

/**
 * A whole answer an adapter builds from its provider's own answer: one assistant message (text, reasoning, tool
 * calls), its finish reason (OpenAI's word, and the provider's own as {@code native_finish_reason}), and the usage.
 */
public record MessageCompletion(String content, String reasoning, List<ToolCall> toolCalls, String finishReason,
                                String nativeFinishReason, Usage usage) implements Completion {

    public MessageCompletion {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    @Override
    public void writeMembers(ByteArrayBuilder out) {
        out.write(Members.of(this::write));
    }

    private void write(JsonGenerator gen) throws IOException {
        gen.writeArrayFieldStart("choices");
        gen.writeStartObject();
        gen.writeNumberField("index", 0);
        gen.writeObjectFieldStart("message");
        gen.writeStringField("role", "assistant");
        gen.writeStringField("content", content);
        if (reasoning != null) {
            gen.writeStringField("reasoning", reasoning);
        }
        if (!toolCalls.isEmpty()) {
            gen.writeArrayFieldStart("tool_calls");
            for (ToolCall call : toolCalls) {
                call.write(gen, false);
            }
            gen.writeEndArray();
        }
        gen.writeEndObject();
        Members.finish(gen, finishReason, nativeFinishReason);
        gen.writeEndObject();
        gen.writeEndArray();
    }

    @Override
    public boolean hasMembers() {
        return true;
    }

    @Override
    public boolean hasCreated() {
        return false;
    }

    @Override
    public boolean hasSystemFingerprint() {
        return false;
    }
}
