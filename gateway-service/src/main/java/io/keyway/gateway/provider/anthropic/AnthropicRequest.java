package io.keyway.gateway.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.provider.OpenAiRequest;
import io.keyway.gateway.provider.UpstreamError;
import java.util.List;

/**
 * Keyway's (OpenAI-shaped) request as an Anthropic Messages API body: system and developer messages lifted into
 * {@code system}; text and image parts (by URL or base64 data URL); assistant tool calls as {@code tool_use} blocks and
 * tool messages as {@code tool_result} blocks, consecutive messages of one role merged (the API wants them
 * alternating); {@code max_tokens} (required upstream) from the request or the catalog; {@code stop},
 * {@code temperature}, {@code top_p}, {@code top_k}, {@code tools}, {@code tool_choice}, {@code user}; OpenRouter's
 * {@code reasoning} as {@code thinking}. A request Anthropic cannot take is a 400 naming the field. Public for the
 * google-vertex adapter, which sends the same body to Claude models on Vertex.
 */
public final class AnthropicRequest {

    /** When neither the request nor the catalog says how long an answer may be. */
    static final int DEFAULT_MAX_TOKENS = 4096;
    /** Anthropic's smallest thinking budget. */
    static final int MIN_THINKING_BUDGET = 1024;

    private AnthropicRequest() {
    }

    /**
     * @param model the upstream model id, or null when it goes in the URL (Vertex)
     * @param version {@code anthropic_version} for the body (Vertex), or null when it is a header
     */
    public static ObjectNode of(ObjectNode request, String model, Integer catalogMaxTokens, boolean stream,
                                String version, ObjectMapper json) {
        ObjectNode out = json.createObjectNode();
        if (version != null) {
            out.put("anthropic_version", version);
        }
        if (model != null) {
            out.put("model", model);
        }
        Integer asked = OpenAiRequest.maxTokens(request);
        int maxTokens = asked != null ? asked : catalogMaxTokens != null ? catalogMaxTokens : DEFAULT_MAX_TOKENS;
        ArrayNode system = json.createArrayNode();
        ArrayNode messages = out.putArray("messages");
        JsonNode in = request.path("messages");
        for (int i = 0; i < in.size(); i++) {
            JsonNode m = in.get(i);
            String role = m.path("role").asText();
            switch (role) {
                case "system", "developer" -> textBlocks(m.get("content"), "messages[" + i + "].content")
                        .forEach(system::add);
                case "user" -> OpenAiRequest.appendMessage(messages, "user",
                        contentBlocks(m.get("content"), "messages[" + i + "].content", json));
                case "assistant" -> OpenAiRequest.appendMessage(messages, "assistant", assistantBlocks(m, i, json));
                case "tool" -> OpenAiRequest.appendMessage(messages, "user", toolResult(m, i, json));
                default -> throw bad("messages[" + i + "].role '" + role + "' is not supported by this provider");
            }
        }
        if (messages.isEmpty()) {
            throw bad("messages must hold at least one user or assistant message for this provider");
        }
        if (!system.isEmpty()) {
            out.set("system", system);
        }
        OpenAiRequest.copyNumber(request, out, "temperature", "temperature");
        OpenAiRequest.copyNumber(request, out, "top_p", "top_p");
        OpenAiRequest.copyNumber(request, out, "top_k", "top_k");
        List<String> stop = OpenAiRequest.stop(request);
        if (stop != null) {
            stop.forEach(out.putArray("stop_sequences")::add);
        }
        tools(request, out, json);
        JsonNode user = request.get("user");
        if (user != null && user.isTextual()) {
            out.putObject("metadata").put("user_id", user.textValue());
        }
        JsonNode reasoning = request.get("reasoning");
        if (reasoning != null && reasoning.isObject() && !reasoning.path("exclude").asBoolean(false)
                && reasoning.path("enabled").asBoolean(true)) {
            int budget = reasoning.path("max_tokens").isIntegralNumber() ? reasoning.get("max_tokens").intValue()
                    : (int) (maxTokens * switch (reasoning.path("effort").asText("medium")) {
                        case "high", "xhigh" -> 0.8;
                        case "low", "minimal" -> 0.2;
                        default -> 0.5;
                    });
            budget = Math.max(MIN_THINKING_BUDGET, budget);
            if (maxTokens <= budget) {
                maxTokens = budget + MIN_THINKING_BUDGET; // the answer needs room beyond the thinking
            }
            out.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
        }
        out.put("max_tokens", maxTokens);
        if (stream) {
            out.put("stream", true);
        }
        return out;
    }

    private static void tools(ObjectNode request, ObjectNode out, ObjectMapper json) {
        JsonNode tools = request.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode list = out.putArray("tools");
            for (int i = 0; i < tools.size(); i++) {
                JsonNode f = tools.get(i).path("function");
                if (!f.path("name").isTextual()) {
                    throw bad("tools[" + i + "].function.name is required");
                }
                ObjectNode t = list.addObject();
                t.put("name", f.get("name").textValue());
                if (f.path("description").isTextual()) {
                    t.put("description", f.get("description").textValue());
                }
                JsonNode schema = f.get("parameters");
                t.set("input_schema", schema != null && schema.isObject() ? schema
                        : json.createObjectNode().put("type", "object"));
            }
        }
        JsonNode choice = request.get("tool_choice");
        ObjectNode toolChoice = null;
        if (choice != null && choice.isTextual()) {
            toolChoice = switch (choice.textValue()) {
                case "auto" -> json.createObjectNode().put("type", "auto");
                case "required" -> json.createObjectNode().put("type", "any");
                case "none" -> json.createObjectNode().put("type", "none");
                default -> throw bad("tool_choice must be auto, required, none or a function");
            };
        } else if (choice != null && choice.isObject()) {
            String name = choice.path("function").path("name").asText(null);
            if (name == null) {
                throw bad("tool_choice.function.name is required");
            }
            toolChoice = json.createObjectNode().put("type", "tool").put("name", name);
        }
        JsonNode parallel = request.get("parallel_tool_calls");
        if (parallel != null && parallel.isBoolean() && !parallel.booleanValue() && out.has("tools")) {
            if (toolChoice == null) {
                toolChoice = json.createObjectNode().put("type", "auto");
            }
            toolChoice.put("disable_parallel_tool_use", true);
        }
        if (toolChoice != null && out.has("tools")) {
            out.set("tool_choice", toolChoice);
        }
    }

    private static ArrayNode textBlocks(JsonNode content, String at) {
        ArrayNode blocks = JsonNodeFactory.instance.arrayNode();
        if (content == null || content.isNull()) {
            return blocks;
        }
        if (content.isTextual()) {
            if (!content.textValue().isEmpty()) {
                blocks.addObject().put("type", "text").put("text", content.textValue());
            }
            return blocks;
        }
        if (!content.isArray()) {
            throw bad(at + " must be a string or an array of content parts");
        }
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            if (!"text".equals(part.path("type").asText())) {
                throw bad(at + "[" + i + "] must be a text part here");
            }
            blocks.addObject().put("type", "text").put("text", part.path("text").asText());
        }
        return blocks;
    }

    private static ArrayNode contentBlocks(JsonNode content, String at, ObjectMapper json) {
        ArrayNode blocks = json.createArrayNode();
        if (content == null || content.isNull()) {
            return blocks;
        }
        if (content.isTextual()) {
            blocks.addObject().put("type", "text").put("text", content.textValue());
            return blocks;
        }
        if (!content.isArray()) {
            throw bad(at + " must be a string or an array of content parts");
        }
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> blocks.addObject().put("type", "text").put("text", part.path("text").asText());
                case "image_url" -> blocks.add(image(part.path("image_url").path("url").asText(null),
                        at + "[" + i + "].image_url.url", json));
                default -> throw bad(at + "[" + i + "].type '" + type + "' is not supported by this provider");
            }
        }
        return blocks;
    }

    /** An image by URL, or a base64 {@code data:} URL as an inline image. */
    private static ObjectNode image(String url, String at, ObjectMapper json) {
        if (url == null || url.isBlank()) {
            throw bad(at + " is required");
        }
        ObjectNode block = json.createObjectNode().put("type", "image");
        ObjectNode source = block.putObject("source");
        OpenAiRequest.DataUrl inline = OpenAiRequest.dataUrl(url);
        if (inline != null) {
            source.put("type", "base64").put("media_type", inline.mediaType()).put("data", inline.base64());
        } else if (url.startsWith("data:")) {
            throw bad(at + " must be an http(s) URL or a base64 data URL");
        } else {
            source.put("type", "url").put("url", url);
        }
        return block;
    }

    private static ArrayNode assistantBlocks(JsonNode m, int i, ObjectMapper json) {
        ArrayNode blocks = json.createArrayNode();
        JsonNode content = m.get("content");
        if (content != null && content.isTextual() && !content.textValue().isEmpty()) {
            blocks.addObject().put("type", "text").put("text", content.textValue());
        } else if (content != null && content.isArray()) {
            blocks.addAll(textBlocks(content, "messages[" + i + "].content"));
        }
        JsonNode calls = m.get("tool_calls");
        if (calls != null && calls.isArray()) {
            for (int c = 0; c < calls.size(); c++) {
                JsonNode call = calls.get(c);
                String at = "messages[" + i + "].tool_calls[" + c + "]";
                ObjectNode use = blocks.addObject().put("type", "tool_use");
                use.put("id", call.path("id").asText());
                use.put("name", call.path("function").path("name").asText());
                use.set("input", OpenAiRequest.toolArguments(call, at, json));
            }
        }
        return blocks;
    }

    private static ArrayNode toolResult(JsonNode m, int i, ObjectMapper json) {
        String id = m.path("tool_call_id").asText(null);
        if (id == null) {
            throw bad("messages[" + i + "].tool_call_id is required");
        }
        ArrayNode blocks = json.createArrayNode();
        ObjectNode result = blocks.addObject().put("type", "tool_result").put("tool_use_id", id);
        JsonNode content = m.get("content");
        if (content != null && content.isArray()) {
            result.set("content", textBlocks(content, "messages[" + i + "].content"));
        } else {
            result.put("content", content == null || content.isNull() ? "" : content.asText());
        }
        return blocks;
    }

    private static UpstreamError bad(String message) {
        return OpenAiRequest.bad(message);
    }
}
