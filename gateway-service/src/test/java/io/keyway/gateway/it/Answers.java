package io.keyway.gateway.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.keyway.contracts.AnswerSchemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the gateway's answers as a client would and holds each one to contracts' JSON Schemas of OpenRouter's shapes
 * (the completion; every streamed chunk), so every adapter's test proves its answers are OpenRouter-complete.
 */
public final class Answers {

    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonSchema COMPLETION = schema(AnswerSchemas.COMPLETION_RESOURCE);
    static final JsonSchema CHUNK = schema(AnswerSchemas.CHUNK_RESOURCE);

    private Answers() {
    }

    private static JsonSchema schema(String resource) {
        var config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(AnswerSchemas.class.getClassLoader().getResourceAsStream(resource), config);
    }

    /** A non-streamed answer, checked against the completion schema. */
    public static JsonNode completion(String body) {
        JsonNode n = read(body);
        var errors = COMPLETION.validate(n);
        assertTrue(errors.isEmpty(), () -> "not an OpenRouter completion: " + errors + " in " + body);
        return n;
    }

    /**
     * A streamed answer's chunks, each checked against the chunk schema; the stream must end with {@code [DONE]}
     * (unless it ends with an error chunk, after which nothing follows) and its first chunk announce the assistant
     * role.
     */
    public static List<JsonNode> chunks(String sse) {
        List<JsonNode> chunks = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                JsonNode c = read(line.substring(6));
                var errors = CHUNK.validate(c);
                assertTrue(errors.isEmpty(), () -> "not an OpenRouter chunk: " + errors + " in " + line);
                chunks.add(c);
            }
        }
        assertTrue(!chunks.isEmpty(), "no chunks");
        boolean failed = "error".equals(chunks.get(chunks.size() - 1).at("/choices/0/finish_reason").asText(null));
        assertTrue(failed || sse.trim().endsWith("data: [DONE]"), () -> "no [DONE] at the end of " + sse);
        assertEquals("assistant", chunks.get(0).path("choices").path(0).path("delta").path("role").asText(),
                () -> "the first chunk does not announce the assistant role: " + chunks.get(0));
        return chunks;
    }

    /** The text of a streamed answer. */
    public static String text(List<JsonNode> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> c.path("choices").forEach(ch -> text.append(ch.path("delta").path("content").asText(""))));
        return text.toString();
    }

    /** The usage of a streamed answer: its last chunk's. */
    public static JsonNode usage(List<JsonNode> chunks) {
        JsonNode last = chunks.get(chunks.size() - 1);
        assertTrue(last.has("usage"), () -> "the last chunk carries no usage: " + last);
        return last.get("usage");
    }

    static JsonNode read(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
