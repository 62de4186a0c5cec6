package io.keyway.gateway.provider.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.gateway.provider.UpstreamError;
import org.junit.jupiter.api.Test;

/** OpenAI-shaped requests as Messages API bodies: each mapping rule of {@link AnthropicRequest}. */
class AnthropicRequestTests {

    static final ObjectMapper JSON = new ObjectMapper();

    static ObjectNode request(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    static ObjectNode translate(String json) throws Exception {
        return AnthropicRequest.of(request(json), "claude-x", 1000, false, null, JSON);
    }

    @Test
    void systemAndDeveloperMessagesAreLiftedOutAndTheClientsBodyIsNotChanged() throws Exception {
        ObjectNode in = request("{\"model\":\"a/b\",\"messages\":[{\"role\":\"system\",\"content\":\"S1\"},"
                + "{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"S2\"}]},{\"role\":\"user\",\"content\":\"hi\"}]}");
        String before = in.toString();
        ObjectNode out = AnthropicRequest.of(in, "claude-x", 1000, true, null, JSON);
        assertEquals("S1", out.at("/system/0/text").asText());
        assertEquals("S2", out.at("/system/1/text").asText());
        assertEquals(1, out.get("messages").size());
        assertEquals("user", out.at("/messages/0/role").asText());
        assertEquals("claude-x", out.get("model").asText());
        assertTrue(out.get("stream").asBoolean());
        assertEquals(before, in.toString());
    }

    @Test
    void maxTokensComesFromTheRequestElseTheCatalogElseTheDefault() throws Exception {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        assertEquals(77, translate("{\"max_tokens\":77," + messages + "}").get("max_tokens").asInt());
        assertEquals(88, translate("{\"max_completion_tokens\":88," + messages + "}").get("max_tokens").asInt());
        assertEquals(1000, translate("{" + messages + "}").get("max_tokens").asInt());
        assertEquals(AnthropicRequest.DEFAULT_MAX_TOKENS, AnthropicRequest.of(request("{" + messages + "}"), "c", null,
                false, null, JSON).get("max_tokens").asInt());
    }

    @Test
    void imagesByUrlAndByBase64DataUrl() throws Exception {
        ObjectNode out = translate("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.test/cat.png\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}}]}]}");
        JsonNode content = out.at("/messages/0/content");
        assertEquals("url", content.at("/1/source/type").asText());
        assertEquals("https://x.test/cat.png", content.at("/1/source/url").asText());
        assertEquals("base64", content.at("/2/source/type").asText());
        assertEquals("image/png", content.at("/2/source/media_type").asText());
        assertEquals("iVBORw0KGgo=", content.at("/2/source/data").asText());
    }

    @Test
    void toolCallsAndToolResultsBecomeBlocksAndConsecutiveResultsShareOneUserMessage() throws Exception {
        ObjectNode out = translate("{\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
                + "{\"id\":\"t2\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"sunny\"},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"t2\",\"content\":\"rain\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"w\",\"parameters\":{\"type\":\"object\"}}}],"
                + "\"tool_choice\":\"required\",\"parallel_tool_calls\":false}");
        JsonNode messages = out.get("messages");
        assertEquals(3, messages.size());
        assertEquals("tool_use", messages.at("/1/content/0/type").asText());
        assertEquals("Paris", messages.at("/1/content/0/input/city").asText());
        assertEquals("user", messages.at("/2/role").asText());
        assertEquals(2, messages.at("/2/content").size());
        assertEquals("t2", messages.at("/2/content/1/tool_use_id").asText());
        assertEquals("rain", messages.at("/2/content/1/content").asText());
        assertEquals("w", out.at("/tools/0/name").asText());
        assertEquals("object", out.at("/tools/0/input_schema/type").asText());
        assertEquals("any", out.at("/tool_choice/type").asText());
        assertTrue(out.at("/tool_choice/disable_parallel_tool_use").asBoolean());
    }

    @Test
    void stopBecomesStopSequencesAndUserBecomesMetadata() throws Exception {
        ObjectNode out = translate("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":\"END\",\"user\":\"u-1\","
                + "\"temperature\":0.2,\"top_p\":0.9}");
        assertEquals("END", out.at("/stop_sequences/0").asText());
        assertEquals("u-1", out.at("/metadata/user_id").asText());
        assertEquals(0.2, out.get("temperature").asDouble());
        assertFalse(out.has("stop"));
    }

    @Test
    void reasoningBecomesThinkingWithABudgetBelowMaxTokens() throws Exception {
        ObjectNode effort = translate("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":10000,"
                + "\"reasoning\":{\"effort\":\"high\"}}");
        assertEquals("enabled", effort.at("/thinking/type").asText());
        assertEquals(8000, effort.at("/thinking/budget_tokens").asInt());
        ObjectNode small = translate("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":100,"
                + "\"reasoning\":{\"max_tokens\":2000}}");
        assertEquals(2000, small.at("/thinking/budget_tokens").asInt());
        assertTrue(small.get("max_tokens").asInt() > 2000, "max_tokens leaves room beyond the thinking budget");
        assertFalse(translate("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"reasoning\":{\"exclude\":true}}")
                .has("thinking"));
    }

    @Test
    void aRequestThisProviderCannotTakeIsARequestErrorNamingTheField() {
        UpstreamError e = assertThrows(UpstreamError.class, () -> translate("{\"messages\":[{\"role\":\"assistant\","
                + "\"tool_calls\":[{\"id\":\"t\",\"function\":{\"name\":\"w\",\"arguments\":\"not json\"}}]}]}"));
        assertTrue(e.requestError());
        assertEquals(400, e.status());
        assertTrue(e.raw().contains("messages[0].tool_calls[0].function.arguments"), e.raw());
    }

    @Test
    void errorTypesAreClassifiedAsDesignSection2Says() {
        assertFalse(AnthropicAnswers.classify(529, "overloaded_error", "", "").requestError());
        assertEquals(UpstreamError.Blame.ENDPOINT, AnthropicAnswers.classify(529, "overloaded_error", "", "").blame());
        assertEquals(UpstreamError.Blame.CREDENTIAL, AnthropicAnswers.classify(429, "rate_limit_error", "", "").blame());
        assertEquals(UpstreamError.Blame.CREDENTIAL, AnthropicAnswers.classify(401, "authentication_error", "", "").blame());
        assertEquals(UpstreamError.Blame.CREDENTIAL, AnthropicAnswers.classify(403, "permission_error", "", "").blame());
        UpstreamError credit = AnthropicAnswers.classify(400, "invalid_request_error",
                "Your credit balance is too low to access the Anthropic API.", "");
        assertFalse(credit.requestError(), "out of credit is the key's problem, retryable on another");
        assertEquals(402, credit.status());
        assertTrue(AnthropicAnswers.classify(400, "invalid_request_error", "messages: bad", "").requestError());
    }

    @Test
    void finishReasonsMapToOpenAisWords() {
        assertEquals("stop", AnthropicAnswers.finishReason("end_turn"));
        assertEquals("stop", AnthropicAnswers.finishReason("stop_sequence"));
        assertEquals("length", AnthropicAnswers.finishReason("max_tokens"));
        assertEquals("tool_calls", AnthropicAnswers.finishReason("tool_use"));
    }
}
