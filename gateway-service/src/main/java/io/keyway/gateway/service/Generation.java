package io.keyway.gateway.service;

import io.keyway.gateway.service.routing.Attempt;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One request as {@code GET /api/v1/generation} shows it afterwards: what served it, what it cost, and every attempt
 * made (provider, credential kind, outcome, latency). Filled in by one request's flow, read by others later.
 */
public final class Generation {

    /** One upstream attempt; {@code status} is the upstream HTTP status, or 0 with {@code outcome} saying why not. */
    public record AttemptRecord(String model, String provider, String credentialKind, String byokKeyId, int status,
                                String outcome, long latencyMs) {
    }

    public final UUID id = UUID.randomUUID();
    /** Built once: every response and chunk of the request carries it. */
    private final String publicId = "gen-" + id;
    public final Instant createdAt = Instant.now();
    public final long startNanos = System.nanoTime();
    public final String accountId;
    public final String apiKeyId;
    public final String requestedModel;
    public final boolean streamed;
    /** Replaced, never changed: only the request's own flow records attempts (one at a time, in order), others read. */
    private volatile List<AttemptRecord> attempts = List.of();

    public volatile Attempt served;
    public volatile String providerName;
    public volatile long promptTokens;
    public volatile long completionTokens;
    public volatile BigDecimal listCost = BigDecimal.ZERO;
    public volatile BigDecimal cost = BigDecimal.ZERO;
    public volatile int httpStatus;
    public volatile boolean success;
    public volatile boolean cancelled;
    private volatile String finishReason;
    public volatile long latencyMs;
    public volatile long firstByteMs = -1;

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
        List<AttemptRecord> before = attempts;
        if (before.isEmpty()) {
            attempts = List.of(attempt);
        } else {
            List<AttemptRecord> after = new ArrayList<>(before.size() + 1);
            after.addAll(before);
            after.add(attempt);
            attempts = List.copyOf(after);
        }
    }

    public List<AttemptRecord> attempts() {
        return attempts;
    }

    public int attemptCount() {
        return attempts.size();
    }

    /** The provider of the last attempt made, or null when none was made. */
    public String lastAttemptProvider() {
        List<AttemptRecord> made = attempts;
        return made.isEmpty() ? null : made.get(made.size() - 1).provider();
    }

    public String finishReason() {
        return finishReason;
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
