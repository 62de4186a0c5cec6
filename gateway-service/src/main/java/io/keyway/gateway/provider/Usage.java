package io.keyway.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Token counts as the upstream reported them, in Keyway's terms: {@code promptTokens} is the whole prompt (cache reads
 * and cache writes included, as OpenRouter counts it), with the cached parts and the completion's reasoning tokens
 * broken out. Never an estimate: an answer without usage has {@code null} usage, not zero.
 */
public record Usage(long promptTokens, long completionTokens, long cachedTokens, long cacheWriteTokens,
                    long reasoningTokens) {

    public Usage {
        promptTokens = Math.max(0, promptTokens);
        completionTokens = Math.max(0, completionTokens);
        cachedTokens = Math.max(0, cachedTokens);
        cacheWriteTokens = Math.max(0, cacheWriteTokens);
        reasoningTokens = Math.max(0, reasoningTokens);
    }

    /** OpenAI's usage object: prompt_tokens, completion_tokens and their details. Null when absent or not an object. */
    public static Usage ofOpenAi(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        JsonNode prompt = usage.path("prompt_tokens_details");
        return new Usage(usage.path("prompt_tokens").asLong(0), usage.path("completion_tokens").asLong(0),
                prompt.path("cached_tokens").asLong(0), prompt.path("cache_write_tokens").asLong(0),
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    }
}
