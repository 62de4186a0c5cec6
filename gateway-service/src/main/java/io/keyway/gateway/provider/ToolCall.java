package io.keyway.gateway.provider;

/**
 * A tool call in OpenAI's terms. In a whole answer every field is set; in a streamed delta {@code id} and {@code name}
 * come with the call's first delta and {@code arguments} is the next fragment of its JSON text.
 */
public record ToolCall(int index, String id, String name, String arguments) {
}
