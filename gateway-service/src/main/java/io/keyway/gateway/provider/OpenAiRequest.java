package io.keyway.gateway.provider;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading Keyway's (OpenAI-shaped) request for the adapters that translate it into another API (anthropic,
 * amazon-bedrock): the pieces every translation needs, each read the same way, and the 400 that names the field an
 * upstream API cannot take.
 */
public final class OpenAiRequest {

    /** An image given inline: {@code data:<media type>;base64,<data>}. */
    public record DataUrl(String mediaType, String base64) {
    }

    private OpenAiRequest() {
    }

    /** A request this provider cannot take: the request's own fault, answered at once (DESIGN.md §2). */
    public static UpstreamError bad(String message) {
        return new UpstreamError(400, message, true, UpstreamError.Blame.ENDPOINT);
    }

    /** The answer's length the client asked for ({@code max_completion_tokens}, else {@code max_tokens}), or null. */
    public static Integer maxTokens(JsonNode request) {
        if (request.path("max_completion_tokens").isIntegralNumber()) {
            return request.get("max_completion_tokens").intValue();
        }
        return request.path("max_tokens").isIntegralNumber() ? request.get("max_tokens").intValue() : null;
    }

    /** {@code stop} as a list (a string or an array of strings), or null when absent. */
    public static List<String> stop(JsonNode request) {
        JsonNode stop = request.get("stop");
        if (stop == null || stop.isNull()) {
            return null;
        }
        List<String> sequences = new ArrayList<>();
        if (stop.isTextual()) {
            sequences.add(stop.textValue());
        } else if (stop.isArray()) {
            stop.forEach(s -> sequences.add(s.asText()));
        } else {
            throw bad("stop must be a string or an array of strings");
        }
        return sequences;
    }

    /** A tool call's {@code function.arguments} (JSON text) as the object it must hold; {@code at} names the call. */
    public static ObjectNode toolArguments(JsonNode call, String at, ObjectMapper json) {
        String arguments = call.path("function").path("arguments").asText("{}");
        try {
            JsonNode input = json.readTree(arguments.isBlank() ? "{}" : arguments);
            if (!input.isObject()) {
                throw bad(at + ".function.arguments must be a JSON object");
            }
            return (ObjectNode) input;
        } catch (JsonProcessingException e) {
            throw bad(at + ".function.arguments must be valid JSON");
        }
    }

    /** A base64 {@code data:} URL's media type and data; null for any other URL. */
    public static DataUrl dataUrl(String url) {
        if (url == null || !url.startsWith("data:")) {
            return null;
        }
        int semicolon = url.indexOf(';');
        int comma = url.indexOf(',');
        if (semicolon < 0 || comma < semicolon || !url.substring(semicolon, comma).equals(";base64")) {
            return null;
        }
        return new DataUrl(url.substring(5, semicolon), url.substring(comma + 1));
    }

    /**
     * Adds content blocks as a message of {@code role}, or to the last message when it has the same role: the
     * translated APIs want user and assistant turns alternating, where OpenAI allows several in a row (a tool message
     * per call, say).
     */
    public static void appendMessage(ArrayNode messages, String role, ArrayNode blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && role.equals(last.path("role").asText())) {
            ((ArrayNode) last.get("content")).addAll(blocks);
        } else {
            ObjectNode m = messages.addObject();
            m.put("role", role);
            m.set("content", blocks);
        }
    }

    /** Copies a number the client set under another name (e.g. {@code top_p} → {@code topP}). */
    public static void copyNumber(JsonNode from, ObjectNode to, String field, String as) {
        JsonNode v = from.get(field);
        if (v != null && v.isNumber()) {
            to.set(as, v);
        }
    }
}
