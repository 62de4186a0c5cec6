package io.keyway.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The answer schemas against OpenRouter's published shapes: the samples are the OpenAPI examples the official
 * @openrouter/sdk is generated from (ChatResult, ChatStreamChunk, ChatUsage, CostDetails) and the recorded mid-stream
 * error of research/openrouter-api.md, each with the provider Keyway always names. Each rejection is a field whose
 * absence or value makes the SDK's zod schema throw, or one Keyway promises (provider, usage).
 */
class AnswerSchemasTests {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonSchema schema(String resource) {
        var config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(AnswerSchemas.class.getClassLoader().getResourceAsStream(resource), config);
    }

    static final JsonSchema COMPLETION = schema(AnswerSchemas.COMPLETION_RESOURCE);
    static final JsonSchema CHUNK = schema(AnswerSchemas.CHUNK_RESOURCE);

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** OpenRouter's ChatUsage example (cost_details as CostDetails requires it), from a BYOK request. */
    static final String USAGE = "{\"prompt_tokens\":194,\"completion_tokens\":2,\"total_tokens\":196,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"cache_write_tokens\":100,\"audio_tokens\":0,\"video_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":null,\"accepted_prediction_tokens\":null,"
            + "\"rejected_prediction_tokens\":null},\"cost\":0.95,\"is_byok\":true,\"cost_details\":{\"upstream_inference_cost\":19,"
            + "\"upstream_inference_prompt_cost\":0.0008,\"upstream_inference_completions_cost\":0.0004},"
            + "\"server_tool_use_details\":{\"tool_calls_requested\":0,\"tool_calls_executed\":0}}";

    /** OpenRouter's ChatResult example, with Keyway's provider and usage. */
    static ObjectNode completion() {
        return json("{\"id\":\"gen-1752-abc\",\"object\":\"chat.completion\",\"created\":1677652288,\"model\":\"openai/gpt-4\","
                + "\"provider\":\"openai\",\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
                + "\"message\":{\"role\":\"assistant\",\"content\":\"The capital of France is Paris.\"}}],\"usage\":" + USAGE + "}");
    }

    static ObjectNode chunk(String choices) {
        return json("{\"id\":\"gen-1752-abc\",\"object\":\"chat.completion.chunk\",\"created\":1677652288,"
                + "\"model\":\"openai/gpt-4\",\"provider\":\"openai\",\"choices\":" + choices + "}");
    }

    static void valid(JsonSchema schema, JsonNode answer) {
        var errors = schema.validate(answer);
        assertTrue(errors.isEmpty(), () -> errors + " in " + answer);
    }

    static void invalid(JsonSchema schema, JsonNode answer, String expectedPath) {
        var errors = schema.validate(answer);
        assertFalse(errors.isEmpty(), () -> "accepted " + answer);
        assertTrue(errors.toString().contains(expectedPath), () -> "expected an error at " + expectedPath + ": " + errors);
    }

    static ObjectNode with(ObjectNode answer, Consumer<ObjectNode> change) {
        change.accept(answer);
        return answer;
    }

    static ObjectNode firstChoice(ObjectNode answer) {
        return (ObjectNode) answer.get("choices").get(0);
    }

    @Test
    void openRoutersCompletionExampleWithProviderAndUsageIsValid() {
        valid(COMPLETION, completion());
        valid(COMPLETION, with(completion(), c -> c.putNull("system_fingerprint")));
        // The smallest usage: the three counts, cost and is_byok; details may be null as the SDK allows.
        valid(COMPLETION, with(completion(), c -> c.set("usage", json("{\"prompt_tokens\":0,\"completion_tokens\":0,"
                + "\"total_tokens\":0,\"cost\":0,\"is_byok\":false,\"cost_details\":null,\"prompt_tokens_details\":null}"))));
    }

    @Test
    void aToolCallAnswerWithNullContentAndReasoningIsValid() {
        valid(COMPLETION, with(completion(), c -> {
            ObjectNode choice = firstChoice(c);
            choice.put("finish_reason", "tool_calls");
            choice.set("message", json("{\"role\":\"assistant\",\"content\":null,\"reasoning\":\"I need the weather\","
                    + "\"tool_calls\":[{\"id\":\"call_abc123\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                    + "\"arguments\":\"{\\\"location\\\": \\\"Paris\\\"}\"}}]}"));
        }));
    }

    @Test
    void aCompletionWithoutSystemFingerprintProviderOrUsageIsRejected() {
        invalid(COMPLETION, with(completion(), c -> c.remove("system_fingerprint")), "system_fingerprint");
        invalid(COMPLETION, with(completion(), c -> c.remove("usage")), "usage");
        invalid(COMPLETION, with(completion(), c -> c.remove("provider")), "provider");
        invalid(COMPLETION, with(completion(), c -> c.put("object", "chat.completion.chunk")), "object");
    }

    @Test
    void aChoiceMustSayItsFinishReasonEvenIfNullAndBeTheAssistants() {
        invalid(COMPLETION, with(completion(), c -> firstChoice(c).remove("finish_reason")), "finish_reason");
        valid(COMPLETION, with(completion(), c -> firstChoice(c).putNull("finish_reason")));
        invalid(COMPLETION, with(completion(), c -> ((ObjectNode) firstChoice(c).get("message")).put("role", "user")), "role");
        invalid(COMPLETION, with(completion(), c -> ((ObjectNode) firstChoice(c).get("message")).remove("content")), "content");
        invalid(COMPLETION, with(completion(), c -> ((ObjectNode) firstChoice(c).get("message")).set("tool_calls",
                json("{\"a\":[{\"id\":\"call_1\",\"type\":\"tool\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}").get("a"))),
                "type");
        invalid(COMPLETION, with(completion(), c -> ((ObjectNode) firstChoice(c).get("message")).set("tool_calls",
                json("{\"a\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":{}}}]}").get("a"))),
                "arguments");
    }

    @Test
    void usageNeedsCountsCostAndIsByokAndCostDetailsNeedTheSdksTwoUpstreamCosts() {
        for (String field : new String[] {"prompt_tokens", "completion_tokens", "total_tokens", "cost", "is_byok"}) {
            invalid(COMPLETION, with(completion(), c -> ((ObjectNode) c.get("usage")).remove(field)), field);
        }
        invalid(COMPLETION, with(completion(), c -> ((ObjectNode) c.get("usage")).put("prompt_tokens", -1)), "prompt_tokens");
        invalid(COMPLETION, with(completion(), c -> ((ObjectNode) c.get("usage")).put("cost", "0.95")), "cost");
        invalid(COMPLETION, with(completion(), c -> ((ObjectNode) c.get("usage").get("cost_details"))
                .remove("upstream_inference_prompt_cost")), "upstream_inference_prompt_cost");
        invalid(COMPLETION, with(completion(), c -> ((ObjectNode) c.get("usage").get("prompt_tokens_details"))
                .putNull("cached_tokens")), "cached_tokens");
        valid(COMPLETION, with(completion(), c -> ((ObjectNode) c.get("usage").get("cost_details")).putNull("upstream_inference_cost")));
    }

    @Test
    void aStreamFromTheAssistantsRoleToTheTrailingUsageChunkIsValid() {
        valid(CHUNK, chunk("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]"));
        valid(CHUNK, chunk("[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"finish_reason\":null}]"));
        valid(CHUNK, chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_abc123\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},\"finish_reason\":null}]"));
        valid(CHUNK, chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"loc\"}}]},"
                + "\"finish_reason\":null}]"));
        valid(CHUNK, chunk("[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]"));
        valid(CHUNK, with(chunk("[]"), c -> {
            c.set("usage", json(USAGE));
            c.put("system_fingerprint", "fp_44709d6fcb");
        }));
    }

    @Test
    void theRecordedMidStreamErrorChunkIsValid() {
        valid(CHUNK, with(chunk("[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]"),
                c -> c.set("error", json("{\"code\":429,\"message\":\"Rate limit exceeded\","
                        + "\"metadata\":{\"error_type\":\"rate_limit_exceeded\"}}"))));
        invalid(CHUNK, with(chunk("[]"), c -> c.set("error", json("{\"code\":\"429\",\"message\":\"m\"}"))), "code");
        invalid(CHUNK, with(chunk("[]"), c -> c.set("error", json("{\"code\":502,\"message\":\"m\",\"metadata\":{\"raw\":\"x\"}}"))),
                "error_type");
    }

    @Test
    void aChunkWhoseDeltaRoleIsNotTheAssistantsIsRejected() {
        invalid(CHUNK, chunk("[{\"index\":0,\"delta\":{\"role\":\"user\",\"content\":\"\"},\"finish_reason\":null}]"), "role");
        invalid(CHUNK, chunk("[{\"index\":0,\"delta\":{\"role\":\"tool\"},\"finish_reason\":null}]"), "role");
    }

    @Test
    void aChunkMayLeaveOutSystemFingerprintButNeverSendItAsNullWhichTheSdkRejects() {
        valid(CHUNK, chunk("[]"));
        invalid(CHUNK, with(chunk("[]"), c -> c.putNull("system_fingerprint")), "system_fingerprint");
    }

    @Test
    void aChunkNeedsProviderEveryChoiceItsFinishReasonKeyAndEveryToolCallDeltaItsIndex() {
        invalid(CHUNK, with(chunk("[]"), c -> c.remove("provider")), "provider");
        invalid(CHUNK, chunk("[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]"), "finish_reason");
        invalid(CHUNK, chunk("[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"call_1\"}]},\"finish_reason\":null}]"), "index");
        invalid(CHUNK, with(chunk("[]"), c -> c.set("usage", json("{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}"))),
                "cost");
    }

    @Test
    void bothSchemasStateTheSameUsage() throws IOException {
        try (InputStream completion = AnswerSchemas.class.getClassLoader().getResourceAsStream(AnswerSchemas.COMPLETION_RESOURCE);
             InputStream chunk = AnswerSchemas.class.getClassLoader().getResourceAsStream(AnswerSchemas.CHUNK_RESOURCE)) {
            JsonNode a = JSON.readTree(completion).at("/$defs/usage");
            JsonNode b = JSON.readTree(chunk).at("/$defs/usage");
            assertFalse(a.isMissingNode());
            assertEquals(a, b);
        }
    }
}
