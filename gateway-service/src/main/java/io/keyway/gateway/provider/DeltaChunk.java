package io.keyway.gateway.provider;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * A chunk an adapter builds from its provider's own stream events: one choice whose delta carries the role, text,
 * reasoning text or a tool-call fragment, and the finish reason (OpenAI's word, and the provider's own as
 * {@code native_finish_reason}).
 */
public record DeltaChunk(boolean announcesRole, String content, String reasoning, ToolCall toolCall, String finishReason,
                         String nativeFinishReason) implements Chunk {

    /** The first chunk of an answer: the assistant role, empty text. */
    public static DeltaChunk opening() {
        return new DeltaChunk(true, "", null, null, null, null);
    }

    public static DeltaChunk content(String text) {
        return new DeltaChunk(false, text, null, null, null, null);
    }

    public static DeltaChunk reasoning(String text) {
        return new DeltaChunk(false, null, text, null, null, null);
    }

    public static DeltaChunk toolCall(ToolCall call) {
        return new DeltaChunk(false, null, null, call, null, null);
    }

    public static DeltaChunk finish(String finishReason, String nativeFinishReason) {
        return new DeltaChunk(false, null, null, null, finishReason, nativeFinishReason);
    }

    @Override
    public int textLength() {
        return (content == null ? 0 : content.length()) + (reasoning == null ? 0 : reasoning.length())
                + (toolCall == null || toolCall.arguments() == null ? 0 : toolCall.arguments().length());
    }

    @Override
    public void writeMembers(Buffer out) {
        out.appendBytes(Members.of(this::write));
    }

    private void write(JsonGenerator gen) throws IOException {
        gen.writeArrayFieldStart("choices");
        gen.writeStartObject();
        gen.writeNumberField("index", 0);
        gen.writeObjectFieldStart("delta");
        if (announcesRole) {
            gen.writeStringField("role", "assistant");
        }
        if (content != null) {
            gen.writeStringField("content", content);
        }
        if (reasoning != null) {
            gen.writeStringField("reasoning", reasoning);
        }
        if (toolCall != null) {
            gen.writeArrayFieldStart("tool_calls");
            toolCall.write(gen, true);
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
    public boolean hasChoices() {
        return true;
    }

    @Override
    public boolean hasCreated() {
        return false;
    }

}
