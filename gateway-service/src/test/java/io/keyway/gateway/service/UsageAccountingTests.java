package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.provider.Usage;
import org.junit.jupiter.api.Test;

/** The tokens of an answer cut midway: the upstream's when it reported them, else ceil(characters / 4). */
class UsageAccountingTests {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode body(String json) throws Exception {
        return JSON.readTree(json);
    }

    @Test
    void withoutUpstreamUsageTheCutAnswerIsEstimatedFromTheMessagesTextAndTheDeliveredText() throws Exception {
        // 9 + 4 + 6 = 19 characters of message text (string content and text parts; images and roles do not count)
        JsonNode request = body("""
                {"messages": [{"role": "system", "content": "Be brief."},
                              {"role": "user", "content": [{"type": "text", "text": "Look"},
                                                           {"type": "image_url", "image_url": {"url": "https://x"}},
                                                           {"type": "text", "text": "again!"}]}]}""");
        Usage u = UsageAccounting.delivered(null, 9, request);
        assertEquals(5, u.promptTokens(), "ceil(19 / 4)");
        assertEquals(3, u.completionTokens(), "ceil(9 / 4)");
        assertEquals(0, UsageAccounting.delivered(null, 0, request).completionTokens(), "nothing delivered");
    }

    @Test
    void upstreamUsageStandsUnlessItsCompletionIsBelowWhatWasVisiblyDelivered() throws Exception {
        JsonNode request = body("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        Usage complete = new Usage(12, 40, 2, 0, 5);
        assertSame(complete, UsageAccounting.delivered(complete, 100, request), "40 tokens cover 100 characters");
        Usage atStart = new Usage(12, 1, 2, 0, 0); // as Anthropic reports when the message starts
        Usage u = UsageAccounting.delivered(atStart, 100, request);
        assertEquals(12, u.promptTokens(), "the upstream's prompt count is kept");
        assertEquals(2, u.cachedTokens());
        assertEquals(25, u.completionTokens(), "ceil(100 / 4) of delivered text");
    }
}
