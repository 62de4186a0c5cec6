package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/**
 * billing-service's internal answers about the requests it keeps (gateway token), which the gateway turns into
 * OpenRouter's {@code /generation}, {@code /generations} and {@code /activity} shapes:
 * {@code GET /internal/v1/accounts/{account}/generations/{id}} → {@code {"data": Kept}};
 * {@code GET /internal/v1/accounts/{account}/generations?limit&cursor&model&provider&status&api_key_id} → {@link Page};
 * {@code GET /internal/v1/accounts/{account}/activity?date} → {@code {"data": [ActivityDay]}}.
 * Money is a decimal string, as on every Keyway wire.
 */
public final class GenerationHistory {

    private GenerationHistory() {
    }

    /**
     * One request as billing keeps it: the usage event's members and its {@code generation} detail, with the charge
     * billing computed. {@code attempts} is empty for events of versions 1 and 2 (they carried no detail).
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Kept(
            @JsonProperty("id") String id,
            @JsonProperty("created_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant createdAt,
            @JsonProperty("account_id") String accountId,
            @JsonProperty("api_key_id") String apiKeyId,
            @JsonProperty("model") String model,
            @JsonProperty("provider") String provider,
            @JsonProperty("provider_name") String providerName,
            @JsonProperty("is_byok") boolean byok,
            @JsonProperty("http_status") int httpStatus,
            @JsonProperty("prompt_tokens") long promptTokens,
            @JsonProperty("completion_tokens") long completionTokens,
            @JsonProperty("cached_tokens") Long cachedTokens,
            @JsonProperty("reasoning_tokens") Long reasoningTokens,
            @JsonProperty("list_cost") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal listCost,
            @JsonProperty("charge") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal charge,
            @JsonProperty("latency_ms") long latencyMs,
            @JsonProperty("first_byte_ms") Long firstByteMs,
            @JsonProperty("streamed") boolean streamed,
            @JsonProperty("cancelled") boolean cancelled,
            @JsonProperty("finish_reason") String finishReason,
            @JsonProperty("native_finish_reason") String nativeFinishReason,
            @JsonProperty("user") String user,
            @JsonProperty("http_referer") String httpReferer,
            @JsonProperty("attempts") List<UsageEvent.AttemptDetail> attempts) {

        public Kept {
            attempts = attempts == null ? List.of() : List.copyOf(attempts);
        }
    }

    /** A page of an account's requests, newest first; {@code next_cursor} is null on the last page. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Page(
            @JsonProperty("data") List<Kept> data,
            @JsonProperty("next_cursor") String nextCursor) {
    }

    /**
     * One UTC day × model × provider of an account's metered requests (successes, and answers cut after part of them
     * reached the client): what OpenRouter's {@code GET /api/v1/activity} lists.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ActivityDay(
            @JsonProperty("date") LocalDate date,
            @JsonProperty("model") String model,
            @JsonProperty("provider") String provider,
            @JsonProperty("provider_name") String providerName,
            @JsonProperty("requests") long requests,
            @JsonProperty("prompt_tokens") long promptTokens,
            @JsonProperty("completion_tokens") long completionTokens,
            @JsonProperty("reasoning_tokens") long reasoningTokens,
            @JsonProperty("usage") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal usage,
            @JsonProperty("byok_usage_inference") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal byokUsageInference) {
    }
}
