package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * One request's usage, as gateway-service publishes it on {@link Topics#USAGE} (key = account id) and
 * billing-service and finance tools consume it. DESIGN.md §5; schema: {@code schemas/usage-event.v3.schema.json}
 * (version 2 lacks the last member, version 1 the last four; consumers read all three).
 * Money is a decimal string on the wire; {@code occurred_at} is RFC 3339 in UTC.
 * <p>
 * Version 2 adds what finance needs to see besides the served attempt: {@code abandoned_attempts} (attempts the
 * gateway gave up on after the upstream had accepted the request: the provider may have generated, and billed its
 * credential, all the same), {@code interrupted} (the answer was cut after part of it reached the client: by the
 * client, the upstream or the total timeout) and {@code tokens_estimated} (the token counts are the gateway's
 * estimate of what was delivered, because the upstream reported none before the cut).
 * <p>
 * Version 3 adds {@code budget_leases}: the budget leases the request's worst case was reserved against (docs/decisions.md,
 * "Budget leases"), so that billing counts its charge against what the serving replica was granted; and
 * {@code generation}: what {@code GET /api/v1/generation} shows of the request besides the members above (every attempt,
 * finish reasons, first-byte latency, cached and reasoning tokens, the caller's attribution), so that billing keeps it
 * for any replica to answer (docs/decisions.md, "Where generations live"). Ids and numbers only: never prompt or
 * completion text, never a secret.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.ALWAYS)
public record UsageEvent(
        @JsonProperty("schema_version") int schemaVersion,
        @JsonProperty("event_id") String eventId,
        @JsonProperty("occurred_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant occurredAt,
        @JsonProperty("account_id") String accountId,
        @JsonProperty("api_key_id") String apiKeyId,
        @JsonProperty("model") String model,
        @JsonProperty("provider") String provider,
        @JsonProperty("is_byok") boolean byok,
        @JsonProperty("byok_key_id") String byokKeyId,
        @JsonProperty("prompt_tokens") long promptTokens,
        @JsonProperty("completion_tokens") long completionTokens,
        @JsonProperty("list_cost") @JsonFormat(shape = JsonFormat.Shape.STRING) BigDecimal listCost,
        @JsonProperty("status") Status status,
        @JsonProperty("http_status") int httpStatus,
        @JsonProperty("latency_ms") long latencyMs,
        @JsonProperty("streamed") boolean streamed,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("abandoned_attempts") List<AbandonedAttempt> abandonedAttempts,
        @JsonProperty("interrupted") Interruption interrupted,
        @JsonProperty("tokens_estimated") boolean tokensEstimated,
        @JsonProperty("budget_leases") List<String> budgetLeases,
        @JsonProperty("generation") GenerationDetail generation) {

    public static final int SCHEMA_VERSION = 3;
    public static final String SCHEMA_RESOURCE = "schemas/usage-event.v3.schema.json";
    /** The earlier versions' schemas: events of older gateways, still on the topic. */
    public static final String SCHEMA_RESOURCE_V1 = "schemas/usage-event.v1.schema.json";
    public static final String SCHEMA_RESOURCE_V2 = "schemas/usage-event.v2.schema.json";

    public UsageEvent {
        abandonedAttempts = abandonedAttempts == null ? List.of() : List.copyOf(abandonedAttempts);
        budgetLeases = budgetLeases == null ? List.of() : List.copyOf(budgetLeases);
    }

    /** A version-3 event without its {@code generation} detail (billing then keeps only what the members above say). */
    public UsageEvent(int schemaVersion, String eventId, Instant occurredAt, String accountId, String apiKeyId,
                      String model, String provider, boolean byok, String byokKeyId, long promptTokens,
                      long completionTokens, BigDecimal listCost, Status status, int httpStatus, long latencyMs,
                      boolean streamed, int attempts, List<AbandonedAttempt> abandonedAttempts,
                      Interruption interrupted, boolean tokensEstimated, List<String> budgetLeases) {
        this(schemaVersion, eventId, occurredAt, accountId, apiKeyId, model, provider, byok, byokKeyId, promptTokens,
                completionTokens, listCost, status, httpStatus, latencyMs, streamed, attempts, abandonedAttempts,
                interrupted, tokensEstimated, budgetLeases, null);
    }

    /** A version-2 event: reserved against no budget lease. */
    public UsageEvent(int schemaVersion, String eventId, Instant occurredAt, String accountId, String apiKeyId,
                      String model, String provider, boolean byok, String byokKeyId, long promptTokens,
                      long completionTokens, BigDecimal listCost, Status status, int httpStatus, long latencyMs,
                      boolean streamed, int attempts, List<AbandonedAttempt> abandonedAttempts,
                      Interruption interrupted, boolean tokensEstimated) {
        this(schemaVersion, eventId, occurredAt, accountId, apiKeyId, model, provider, byok, byokKeyId, promptTokens,
                completionTokens, listCost, status, httpStatus, latencyMs, streamed, attempts, abandonedAttempts,
                interrupted, tokensEstimated, List.of(), null);
    }

    /** A version-1 event: nothing abandoned, not interrupted, the upstream's own token counts. */
    public UsageEvent(int schemaVersion, String eventId, Instant occurredAt, String accountId, String apiKeyId,
                      String model, String provider, boolean byok, String byokKeyId, long promptTokens,
                      long completionTokens, BigDecimal listCost, Status status, int httpStatus, long latencyMs,
                      boolean streamed, int attempts) {
        this(schemaVersion, eventId, occurredAt, accountId, apiKeyId, model, provider, byok, byokKeyId, promptTokens,
                completionTokens, listCost, status, httpStatus, latencyMs, streamed, attempts, List.of(), null, false,
                List.of(), null);
    }

    public enum Status {
        @JsonProperty("success") SUCCESS,
        @JsonProperty("error") ERROR
    }

    /** Who cut an answer after part of it had reached the client. */
    public enum Interruption {
        /** The client went away (the gateway then closed the upstream connection). */
        @JsonProperty("client") CLIENT,
        /** The upstream broke the stream (reset, or an error event) after the answer began. */
        @JsonProperty("upstream") UPSTREAM,
        /** The gateway's total timeout ended the stream. */
        @JsonProperty("timeout") TIMEOUT;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * An attempt the gateway gave up on after the upstream had accepted the request (it was fully written) and before
     * the answer came: the provider may have generated it all the same and billed {@code byok_key_id}'s account (or
     * the platform's pooled credential). {@code reason}: {@code timeout}.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record AbandonedAttempt(
            @JsonProperty("model") String model,
            @JsonProperty("provider") String provider,
            @JsonProperty("is_byok") boolean byok,
            @JsonProperty("byok_key_id") String byokKeyId,
            @JsonProperty("reason") String reason,
            @JsonProperty("latency_ms") long latencyMs) {
    }

    /** At most this many {@link GenerationDetail#attempts()}: a producer keeps the last ones (the served one is last). */
    public static final int MAX_ATTEMPT_DETAILS = 64;
    /** The longest {@code user} and {@code http_referer} an event carries (the gateway cuts longer ones). */
    public static final int MAX_ATTRIBUTION = 256;
    /** The longest finish reason (OpenAI's or the provider's own) an event carries. */
    public static final int MAX_FINISH_REASON = 64;

    /**
     * What {@code GET /api/v1/generation} shows of a request that the members above do not say (version 3). Counts are
     * null when the upstream reported none; {@code first_byte_ms} is null when no byte of an answer came.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record GenerationDetail(
            @JsonProperty("provider_name") String providerName,
            @JsonProperty("finish_reason") String finishReason,
            @JsonProperty("native_finish_reason") String nativeFinishReason,
            @JsonProperty("first_byte_ms") Long firstByteMs,
            @JsonProperty("cached_tokens") Long cachedTokens,
            @JsonProperty("reasoning_tokens") Long reasoningTokens,
            @JsonProperty("cancelled") boolean cancelled,
            @JsonProperty("user") String user,
            @JsonProperty("http_referer") String httpReferer,
            @JsonProperty("attempts") List<AttemptDetail> attempts) {

        public GenerationDetail {
            attempts = attempts == null ? List.of() : List.copyOf(attempts);
        }
    }

    /**
     * One upstream attempt of the request, in the order made. {@code credential}: {@code byok_prioritized},
     * {@code pooled} or {@code byok_fallback}; {@code byok_key_id} the BYOK key's id (never its secret), null for pooled;
     * {@code status} the upstream's HTTP status, or 0 when none came ({@code outcome} says why: {@code success},
     * {@code timeout}, {@code circuit_open}, …).
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record AttemptDetail(
            @JsonProperty("model") String model,
            @JsonProperty("provider") String provider,
            @JsonProperty("credential") String credential,
            @JsonProperty("byok_key_id") String byokKeyId,
            @JsonProperty("status") int status,
            @JsonProperty("outcome") String outcome,
            @JsonProperty("latency_ms") long latencyMs) {
    }

    /**
     * Whether billing charges this event (DESIGN.md §4 as amended in docs/decisions.md, "Aborts"): a success, or a
     * failure whose answer was cut after part of it reached the client — charged for what was delivered. Other
     * failures are neither charged nor counted.
     */
    @JsonIgnore
    public boolean billable() {
        return status == Status.SUCCESS || interrupted != null;
    }
}
