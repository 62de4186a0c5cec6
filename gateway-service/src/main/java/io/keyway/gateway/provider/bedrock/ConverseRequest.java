package io.keyway.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.provider.OpenAiRequest;
import io.keyway.gateway.provider.UpstreamError;
import java.util.List;

/**
 * Keyway's (OpenAI-shaped) request as a Bedrock Converse body: system and developer messages as {@code system} text
 * blocks; text and base64 image parts as content blocks (Bedrock takes no image URL); assistant tool calls as
 * {@code toolUse} blocks and tool messages as user {@code toolResult} blocks, consecutive messages of one role merged
 * (Converse wants them alternating); {@code inferenceConfig} from {@code max_tokens} (or the catalog's limit),
 * {@code temperature}, {@code top_p} and {@code stop}; {@code tools} and {@code tool_choice} as {@code toolConfig};
 * OpenRouter's {@code reasoning} as Claude's {@code thinking} (Claude models only). A request Bedrock cannot take is a
 * 400 naming the field. The client's body is only read.
 */
final class ConverseRequest {

    /** Thinking needs a length to take its budget from when neither the request nor the catalog gives one. */
    static final int DEFAULT_MAX_TOKENS = 4096;
    /** Claude's smallest thinking budget. */
    static final int MIN_THINKING_BUDGET = 1024;

    private ConverseRequest() {
    }

    static ObjectNode of(ObjectNode request, String modelId, Integer catalogMaxTokens, ObjectMapper json) {
        ObjectNode out = json.createObjectNode();
        ArrayNode system = json.createArrayNode();
        ArrayNode messages = out.putArray("messages");
        boolean toolBlocks = false;
        JsonNode in = request.path("messages");
        for (int i = 0; i < in.size(); i++) {
            JsonNode m = in.get(i);
            String role = m.path("role").asText();
            String at = "messages[" + i + "]";
            switch (role) {
                case "system", "developer" -> system.addAll(textBlocks(m.get("content"), at + ".content", json));
                case "user" -> OpenAiRequest.appendMessage(messages, "user",
                        contentBlocks(m.get("content"), at + ".content", json));
                case "assistant" -> {
                    ArrayNode blocks = assistantBlocks(m, at, json);
                    toolBlocks |= m.path("tool_calls").size() > 0;
                    OpenAiRequest.appendMessage(messages, "assistant", blocks);
                }
                case "tool" -> {
                    toolBlocks = true;
                    OpenAiRequest.appendMessage(messages, "user", toolResult(m, at, json));
                }
                default -> throw bad(at + ".role '" + role + "' is not supported by this provider");
            }
        }
        if (messages.isEmpty()) {
            throw bad("messages must hold at least one user or assistant message for this provider");
        }
        if (!system.isEmpty()) {
            out.set("system", system);
        }
        Integer asked = OpenAiRequest.maxTokens(request);
        Integer maxTokens = asked != null ? asked : catalogMaxTokens;
        ObjectNode thinking = thinking(request, modelId, maxTokens, json);
        if (thinking != null) {
            int budget = thinking.get("budget_tokens").intValue();
            if (maxTokens == null || maxTokens <= budget) {
                maxTokens = budget + MIN_THINKING_BUDGET; // the answer needs room beyond the thinking
            }
            out.putObject("additionalModelRequestFields").set("thinking", thinking);
        }
        ObjectNode inference = json.createObjectNode();
        if (maxTokens != null) {
            inference.put("maxTokens", maxTokens);
        }
        OpenAiRequest.copyNumber(request, inference, "temperature", "temperature");
        OpenAiRequest.copyNumber(request, inference, "top_p", "topP");
        List<String> stop = OpenAiRequest.stop(request);
        if (stop != null) {
            stop.forEach(inference.putArray("stopSequences")::add);
        }
        if (!inference.isEmpty()) {
            out.set("inferenceConfig", inference);
        }
        toolConfig(request, out, toolBlocks, json);
        return out;
    }

    /**
     * Claude's extended thinking, asked for by OpenRouter's {@code reasoning} (a budget of its own, or a share of the
     * answer's length by effort); null for other models, which take no such field, or when reasoning is off.
     */
    private static ObjectNode thinking(ObjectNode request, String modelId, Integer maxTokens, ObjectMapper json) {
        JsonNode reasoning = request.get("reasoning");
        if (reasoning == null || !reasoning.isObject() || reasoning.path("exclude").asBoolean(false)
                || !reasoning.path("enabled").asBoolean(true) || !modelId.contains("anthropic.claude")) {
            return null;
        }
        int length = maxTokens != null ? maxTokens : DEFAULT_MAX_TOKENS;
        int budget = reasoning.path("max_tokens").isIntegralNumber() ? reasoning.get("max_tokens").intValue()
                : (int) (length * switch (reasoning.path("effort").asText("medium")) {
                    case "high", "xhigh" -> 0.8;
                    case "low", "minimal" -> 0.2;
                    default -> 0.5;
                });
        return json.createObjectNode().put("type", "enabled").put("budget_tokens", Math.max(MIN_THINKING_BUDGET, budget));
    }

    /**
     * {@code tools} as {@code toolConfig.tools[].toolSpec}; {@code tool_choice} auto → auto, required → any, a function
     * → tool. Converse has no "none": the tools are left out, unless the conversation already holds tool blocks (then
     * Converse requires a toolConfig, and the model is left to choose).
     */
    private static void toolConfig(ObjectNode request, ObjectNode out, boolean toolBlocks, ObjectMapper json) {
        JsonNode tools = request.get("tools");
        if (tools == null || !tools.isArray() || tools.isEmpty()) {
            return;
        }
        JsonNode choice = request.get("tool_choice");
        ObjectNode toolChoice = null;
        if (choice != null && choice.isTextual()) {
            switch (choice.textValue()) {
                case "auto" -> toolChoice = json.createObjectNode().set("auto", json.createObjectNode());
                case "required" -> toolChoice = json.createObjectNode().set("any", json.createObjectNode());
                case "none" -> {
                    if (!toolBlocks) {
                        return;
                    }
                }
                default -> throw bad("tool_choice must be auto, required, none or a function");
            }
        } else if (choice != null && choice.isObject()) {
            String name = choice.path("function").path("name").asText(null);
            if (name == null) {
                throw bad("tool_choice.function.name is required");
            }
            toolChoice = json.createObjectNode();
            toolChoice.putObject("tool").put("name", name);
        }
        ObjectNode config = out.putObject("toolConfig");
        ArrayNode list = config.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            JsonNode f = tools.get(i).path("function");
            if (!f.path("name").isTextual()) {
                throw bad("tools[" + i + "].function.name is required");
            }
            ObjectNode spec = list.addObject().putObject("toolSpec");
            spec.put("name", f.get("name").textValue());
            if (f.path("description").isTextual() && !f.get("description").textValue().isEmpty()) {
                spec.put("description", f.get("description").textValue());
            }
            JsonNode schema = f.get("parameters");
            spec.putObject("inputSchema").set("json", schema != null && schema.isObject() ? schema
                    : json.createObjectNode().put("type", "object"));
        }
        if (toolChoice != null) {
            config.set("toolChoice", toolChoice);
        }
    }

    /** Text blocks of a string or of text parts; empty text is left out (Converse refuses a blank text block). */
    private static ArrayNode textBlocks(JsonNode content, String at, ObjectMapper json) {
        ArrayNode blocks = json.createArrayNode();
        if (content == null || content.isNull()) {
            return blocks;
        }
        if (content.isTextual()) {
            addText(blocks, content.textValue());
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
            addText(blocks, part.path("text").asText());
        }
        return blocks;
    }

    private static void addText(ArrayNode blocks, String text) {
        if (!text.isEmpty()) {
            blocks.addObject().put("text", text);
        }
    }

    private static ArrayNode contentBlocks(JsonNode content, String at, ObjectMapper json) {
        if (content == null || !content.isArray()) {
            return textBlocks(content, at, json);
        }
        ArrayNode blocks = json.createArrayNode();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText();
            switch (type) {
                case "text" -> addText(blocks, part.path("text").asText());
                case "image_url" -> blocks.add(image(part.path("image_url").path("url").asText(null),
                        at + "[" + i + "].image_url.url", json));
                default -> throw bad(at + "[" + i + "].type '" + type + "' is not supported by this provider");
            }
        }
        return blocks;
    }

    /** A base64 {@code data:} URL as an image block; Bedrock fetches no URL, so any other URL is refused. */
    private static ObjectNode image(String url, String at, ObjectMapper json) {
        if (url == null || url.isBlank()) {
            throw bad(at + " is required");
        }
        OpenAiRequest.DataUrl inline = OpenAiRequest.dataUrl(url);
        if (inline == null) {
            throw bad(at + " must be a base64 data URL: Amazon Bedrock does not fetch images by URL");
        }
        String format = switch (inline.mediaType().toLowerCase()) {
            case "image/png" -> "png";
            case "image/jpeg", "image/jpg" -> "jpeg";
            case "image/gif" -> "gif";
            case "image/webp" -> "webp";
            default -> throw bad(at + " must be a png, jpeg, gif or webp image for this provider");
        };
        ObjectNode block = json.createObjectNode();
        ObjectNode image = block.putObject("image").put("format", format);
        image.putObject("source").put("bytes", inline.base64()); // a blob is base64 in Converse's JSON
        return block;
    }

    private static ArrayNode assistantBlocks(JsonNode m, String at, ObjectMapper json) {
        ArrayNode blocks = textBlocks(m.get("content"), at + ".content", json);
        JsonNode calls = m.get("tool_calls");
        if (calls != null && calls.isArray()) {
            for (int c = 0; c < calls.size(); c++) {
                JsonNode call = calls.get(c);
                String callAt = at + ".tool_calls[" + c + "]";
                ObjectNode use = blocks.addObject().putObject("toolUse");
                use.put("toolUseId", call.path("id").asText());
                use.put("name", call.path("function").path("name").asText());
                use.set("input", OpenAiRequest.toolArguments(call, callAt, json));
            }
        }
        return blocks;
    }

    private static ArrayNode toolResult(JsonNode m, String at, ObjectMapper json) {
        String id = m.path("tool_call_id").asText(null);
        if (id == null) {
            throw bad(at + ".tool_call_id is required");
        }
        ArrayNode blocks = json.createArrayNode();
        ObjectNode result = blocks.addObject().putObject("toolResult").put("toolUseId", id);
        JsonNode content = m.get("content");
        ArrayNode parts = content != null && content.isArray() ? textBlocks(content, at + ".content", json)
                : json.createArrayNode();
        if (parts.isEmpty()) {
            parts.addObject().put("text", content == null || content.isNull() || content.isArray() ? ""
                    : content.asText());
        }
        result.set("content", parts);
        return blocks;
    }

    static UpstreamError bad(String message) {
        return OpenAiRequest.bad(message);
    }
}
