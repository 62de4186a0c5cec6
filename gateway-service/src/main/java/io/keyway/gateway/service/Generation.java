package io.keyway.gateway.service;

import io.keyway.contracts.UsageEvent;
import io.keyway.gateway.service.routing.Attempt;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * One request as {@code GET /api/v1/generation} shows it afterwards: what served it, what it cost, and every attempt
 * made (provider, credential kind, outcome, latency). Filled in by one request's flow, which runs on the request's
 * event loop (continuations from other threads are moved back to it), so its fields need no synchronization;
 * {@link Generations} copies what it shows when the request ends, and nothing reads a generation after that.
 */
public final class Generation {

    /** One upstream attempt; {@code status} is the upstream HTTP status, or 0 with {@code outcome} saying why not. */
    public record AttemptRecord(String model, String provider, String credentialKind, String byokKeyId, int status,
                                String outcome, long latencyMs) {
    }

    public final UUID id = UUID.randomUUID();
    /** Built once: every response and chunk of the request carries it. */
    private final String publicId = "gen-" + id;
    /** Microseconds, as PostgreSQL keeps it: billing-service answers for the request with the very same time. */
    public final Instant createdAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    public final long startNanos = System.nanoTime();
    public final String accountId;
    public final String apiKeyId;
    public final String requestedModel;
    public final boolean streamed;
    private final List<AttemptRecord> attempts = new ArrayList<>(2);
    /** Attempts given up on after the upstream accepted the request (usually none: allocated on the first). */
    private List<AttemptRecord> abandoned;

    /** What the request reserved before it was sent (settled when it ends); null before that. */
    public Budgets.Reservation reservation;
    public Attempt served;
    public String providerName;
    public long promptTokens;
    public long completionTokens;
    public BigDecimal listCost = BigDecimal.ZERO;
    public BigDecimal cost = BigDecimal.ZERO;
    public int httpStatus;
    public boolean success;
    public boolean cancelled;
    /** Who cut the answer after part of it reached the client, or null (usage event v2). */
    public UsageEvent.Interruption interrupted;
    /** The token counts are the gateway's estimate of what was delivered (the upstream reported none). */
    public boolean tokensEstimated;
    private String finishReason;
    private String nativeFinishReason;
    /** The request's {@code user} and {@code HTTP-Referer}, each cut to {@link #MAX_ATTRIBUTION} characters; or null. */
    private String user;
    private String referer;
    /** Cached prompt tokens and reasoning tokens the upstream reported; -1 when it reported no usage. */
    public long cachedTokens = -1;
    public long reasoningTokens = -1;
    public long latencyMs;
    public long firstByteMs = -1;
    /** The request's spans ({@link Tracing}); {@link RequestTrace#OFF} while tracing is off. */
    public RequestTrace trace = RequestTrace.OFF;

    public Generation(String accountId, String apiKeyId, String requestedModel, boolean streamed) {
        this.accountId = accountId;
        this.apiKeyId = apiKeyId;
        this.requestedModel = requestedModel;
        this.streamed = streamed;
    }

    /** The id clients see (OpenRouter style); {@code GET /generation} accepts it with or without the prefix. */
    public String publicId() {
        return publicId;
    }

    public void record(AttemptRecord attempt) {
        attempts.add(attempt);
    }

    /** In the order they were made; read-only. */
    public List<AttemptRecord> attempts() {
        return Collections.unmodifiableList(attempts);
    }

    /**
     * Records an attempt the gateway gave up on after the upstream had accepted the request (a timeout): the provider
     * may have generated, and billed, it all the same; the usage event lists it.
     */
    public void abandoned(AttemptRecord attempt) {
        if (abandoned == null) {
            abandoned = new ArrayList<>(1);
        }
        abandoned.add(attempt);
    }

    /** In the order they were made; read-only. */
    public List<AttemptRecord> abandonedAttempts() {
        return abandoned == null ? List.of() : Collections.unmodifiableList(abandoned);
    }

    public int attemptCount() {
        return attempts.size();
    }

    /** The provider of the last attempt made, or null when none was made. */
    public String lastAttemptProvider() {
        return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1).provider();
    }

    static final int MAX_ATTRIBUTION = 256;

    public String finishReason() {
        return finishReason;
    }

    /** The provider's own finish reason, before Keyway's normalization to OpenAI's words; or null. */
    public String nativeFinishReason() {
        return nativeFinishReason;
    }

    public void nativeFinishReason(String reason) {
        nativeFinishReason = reason == null || reason.equals(finishReason) ? finishReason : reason;
    }

    public String user() {
        return user;
    }

    public String referer() {
        return referer;
    }

    public void attribution(String user, String referer) {
        this.user = cut(user);
        this.referer = cut(referer);
    }

    private static String cut(String s) {
        if (s == null || s.length() <= MAX_ATTRIBUTION) {
            return s;
        }
        // a surrogate pair that would straddle the cut goes whole
        return s.substring(0, Character.isHighSurrogate(s.charAt(MAX_ATTRIBUTION - 1)) ? MAX_ATTRIBUTION - 1 : MAX_ATTRIBUTION);
    }

    /** Keeps OpenAI's finish reasons as shared constants: {@link Generations} keeps the reference a while. */
    public void finishReason(String reason) {
        finishReason = reason == null ? null : switch (reason) {
            case "stop" -> "stop";
            case "length" -> "length";
            case "tool_calls" -> "tool_calls";
            case "content_filter" -> "content_filter";
            case "function_call" -> "function_call";
            case "error" -> "error";
            default -> reason;
        };
    }

    public long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
