package io.keyway.gateway.provider;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/**
 * A tool call in OpenAI's terms. In a whole answer every field is set; in a streamed delta {@code id} and {@code name}
 * come with the call's first delta and {@code arguments} is the next fragment of its JSON text.
 */
public record ToolCall(int index, String id, String name, String arguments) {

    /** As one element of {@code tool_calls}: in a stream's delta (with its index) or in a whole message. */
    void write(JsonGenerator gen, boolean delta) throws IOException {
        gen.writeStartObject();
        if (delta) {
            gen.writeNumberField("index", index);
        }
        if (id != null) {
            gen.writeStringField("id", id);
            gen.writeStringField("type", "function");
        }
        gen.writeObjectFieldStart("function");
        if (name != null) {
            gen.writeStringField("name", name);
        }
        gen.writeStringField("arguments", arguments != null ? arguments : delta ? "" : "{}");
        gen.writeEndObject();
        gen.writeEndObject();
    }
}
