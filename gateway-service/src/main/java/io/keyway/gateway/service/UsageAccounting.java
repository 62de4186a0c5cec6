package io.keyway.gateway.service;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.contracts.UsageEvent;
import io.keyway.gateway.provider.Usage;
import io.keyway.gateway.service.routing.Attempt;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what the upstream reported into Keyway's {@code usage} object and the request's {@link UsageEvent}; token
 * counts are the upstream's, except for an answer cut before the upstream reported them ({@link #cut}: an estimate
 * the event flags). Also finishes the {@link Generation} record and publishes the event.
 */
@Singleton
public class UsageAccounting {

    private final UsageCost cost;
    private final UsagePublisher publisher;
    private final Generations generations;
    private final EndpointMeasurements measurements;

    public UsageAccounting(UsageCost cost, UsagePublisher publisher, Generations generations,
                           EndpointMeasurements measurements) {
        this.cost = cost;
        this.publisher = publisher;
        this.generations = generations;
        this.measurements = measurements;
    }

    /** Records tokens and costs of the served attempt from what the upstream reported (null: nothing). */
    public void served(Generation g, Attempt attempt, String providerName, Usage usage) {
        g.served = attempt;
        g.providerName = providerName;
        g.promptTokens = usage == null ? 0 : usage.promptTokens();
        g.completionTokens = usage == null ? 0 : usage.completionTokens();
        g.cachedTokens = usage == null ? -1 : usage.cachedTokens();
        g.reasoningTokens = usage == null ? -1 : usage.reasoningTokens();
        g.listCost = attempt.endpoint().pricing().listCost(g.promptTokens, g.completionTokens);
        g.cost = cost.charged(g.accountId, attempt.byok(), g.listCost);
    }

    /** Characters per token of the estimate (OpenAI's rule of thumb for English text). */
    static final int CHARS_PER_TOKEN = 4;

    /**
     * Records the tokens of an answer cut after part of it reached the client ({@code by}: the client went away, the
     * upstream broke the stream, or the total timeout ended it). What was delivered is metered: the upstream's own
     * counts when it reported usage before the cut; otherwise — or for the completion, when the upstream's count is
     * below what was visibly delivered (an upstream that reports usage as it starts) — an estimate:
     * {@code ceil(characters / 4)} of the request's message text for the prompt, of the delivered text for the
     * completion. The event then says {@code tokens_estimated}.
     */
    public void cut(Generation g, Attempt attempt, String providerName, Usage reported, long deliveredChars,
                    JsonNode requestBody, UsageEvent.Interruption by) {
        g.interrupted = by;
        Usage usage = delivered(reported, deliveredChars, requestBody);
        g.tokensEstimated = usage != reported;
        served(g, attempt, providerName, usage);
    }

    /** The usage of a cut answer by {@link #cut}'s rule: {@code reported} itself when it stands, else an estimate. */
    static Usage delivered(Usage reported, long deliveredChars, JsonNode requestBody) {
        long completionEstimate = ceilQuarter(deliveredChars);
        if (reported == null) {
            return new Usage(ceilQuarter(promptChars(requestBody)), completionEstimate, 0, 0, 0);
        }
        if (reported.completionTokens() < completionEstimate) {
            return new Usage(reported.promptTokens(), completionEstimate, reported.cachedTokens(),
                    reported.cacheWriteTokens(), reported.reasoningTokens());
        }
        return reported;
    }

    private static long ceilQuarter(long chars) {
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /** Characters of the messages' text: string contents and the {@code text} of content parts. */
    static long promptChars(JsonNode body) {
        long chars = 0;
        if (body == null) {
            return 0;
        }
        for (JsonNode m : body.path("messages")) {
            JsonNode content = m.path("content");
            if (content.isTextual()) {
                chars += content.asText().length();
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    chars += part.path("text").asText("").length();
                }
            }
        }
        return chars;
    }

    private static final SerializedString PROMPT_TOKENS = new SerializedString("prompt_tokens");
    private static final SerializedString COMPLETION_TOKENS = new SerializedString("completion_tokens");
    private static final SerializedString TOTAL_TOKENS = new SerializedString("total_tokens");
    private static final SerializedString COST = new SerializedString("cost");
    private static final SerializedString IS_BYOK = new SerializedString("is_byok");
    private static final SerializedString COST_DETAILS = new SerializedString("cost_details");
    private static final SerializedString UPSTREAM_COST = new SerializedString("upstream_inference_cost");
    private static final SerializedString UPSTREAM_PROMPT_COST = new SerializedString("upstream_inference_prompt_cost");
    private static final SerializedString UPSTREAM_COMPLETIONS_COST =
            new SerializedString("upstream_inference_completions_cost");
    private static final SerializedString PROMPT_DETAILS = new SerializedString("prompt_tokens_details");
    private static final SerializedString CACHED_TOKENS = new SerializedString("cached_tokens");
    private static final SerializedString CACHE_WRITE_TOKENS = new SerializedString("cache_write_tokens");
    private static final SerializedString COMPLETION_DETAILS = new SerializedString("completion_tokens_details");
    private static final SerializedString REASONING_TOKENS = new SerializedString("reasoning_tokens");

    /**
     * Writes OpenRouter's usage object (tokens, cost — what the platform charges —, is_byok, cost_details) as the next
     * value of {@code gen}: straight to the response's bytes, as every answer and stream ends with one. The details
     * (cached and cache-write prompt tokens, reasoning tokens) are the upstream's, 0 when it reported none.
     */
    public void writeUsage(JsonGenerator gen, Generation g, Usage usage) throws IOException {
        gen.writeStartObject();
        gen.writeFieldName(PROMPT_TOKENS);
        gen.writeNumber(g.promptTokens);
        gen.writeFieldName(COMPLETION_TOKENS);
        gen.writeNumber(g.completionTokens);
        gen.writeFieldName(TOTAL_TOKENS);
        gen.writeNumber(g.promptTokens + g.completionTokens);
        gen.writeFieldName(PROMPT_DETAILS);
        gen.writeStartObject();
        gen.writeFieldName(CACHED_TOKENS);
        gen.writeNumber(usage == null ? 0 : usage.cachedTokens());
        if (usage != null && usage.cacheWriteTokens() > 0) {
            gen.writeFieldName(CACHE_WRITE_TOKENS);
            gen.writeNumber(usage.cacheWriteTokens());
        }
        gen.writeEndObject();
        gen.writeFieldName(COMPLETION_DETAILS);
        gen.writeStartObject();
        gen.writeFieldName(REASONING_TOKENS);
        gen.writeNumber(usage == null ? 0 : usage.reasoningTokens());
        gen.writeEndObject();
        gen.writeFieldName(COST);
        gen.writeNumber(g.cost);
        gen.writeFieldName(IS_BYOK);
        gen.writeBoolean(g.served != null && g.served.byok());
        gen.writeFieldName(COST_DETAILS);
        gen.writeStartObject();
        gen.writeFieldName(UPSTREAM_COST);
        gen.writeNumber(g.listCost);
        var pricing = g.served.endpoint().pricing();
        gen.writeFieldName(UPSTREAM_PROMPT_COST);
        gen.writeNumber(pricing.prompt().multiply(BigDecimal.valueOf(g.promptTokens)).stripTrailingZeros());
        gen.writeFieldName(UPSTREAM_COMPLETIONS_COST);
        gen.writeNumber(pricing.completion().multiply(BigDecimal.valueOf(g.completionTokens)).stripTrailingZeros());
        gen.writeEndObject();
        gen.writeEndObject();
    }

    /** Ends the request: remembers the generation and publishes its usage event (never blocks). */
    public void finish(Generation g, int httpStatus, boolean success) {
        g.httpStatus = httpStatus;
        g.success = success;
        g.latencyMs = g.elapsedMs();
        if (success && g.served != null) {
            measurements.generated(g.served.model().id(), g.served.provider(), g.completionTokens, generationMs(g));
        }
        generations.remember(g);
        if (g.reservation != null) {
            boolean metered = success || g.interrupted != null;
            boolean byok = g.served != null && g.served.byok();
            g.reservation.settle(metered ? g.cost.max(BigDecimal.ZERO) : BigDecimal.ZERO,
                    metered && byok ? g.listCost.max(BigDecimal.ZERO) : BigDecimal.ZERO);
        }
        publisher.publishInBackground(event(g), g.trace);
    }

    /** How long the served answer took to generate: after its first byte for a stream, its whole call otherwise. */
    static long generationMs(Generation g) {
        if (g.streamed && g.firstByteMs >= 0) {
            return g.latencyMs - g.firstByteMs;
        }
        long ms = g.latencyMs;
        for (Generation.AttemptRecord a : g.attempts()) {
            if ("success".equals(a.outcome())) {
                ms = a.latencyMs();
            }
        }
        return ms;
    }

    /**
     * The request's usage event (schema version 3). Tokens and list cost are carried by a success, and by a failure
     * whose answer was cut after part of it reached the client ({@code interrupted}: what was delivered); other
     * failures carry none. Abandoned attempts are listed whatever the outcome.
     */
    public static UsageEvent event(Generation g) {
        Attempt a = g.served;
        boolean byok = a != null && a.byok();
        boolean metered = g.success || g.interrupted != null;
        return new UsageEvent(UsageEvent.SCHEMA_VERSION, g.id.toString(), g.createdAt, g.accountId, g.apiKeyId,
                a != null ? a.model().id() : g.requestedModel, a != null ? a.provider() : g.lastAttemptProvider(), byok,
                byok ? a.credentialId() : null, metered ? g.promptTokens : 0, metered ? g.completionTokens : 0,
                metered ? g.listCost.max(BigDecimal.ZERO) : BigDecimal.ZERO,
                g.success ? UsageEvent.Status.SUCCESS : UsageEvent.Status.ERROR, g.httpStatus, g.latencyMs,
                g.streamed, g.attemptCount(), abandoned(g), g.interrupted, metered && g.tokensEstimated,
                g.reservation == null ? List.of() : g.reservation.leaseIds(), detail(g));
    }

    /**
     * What {@code /generation} shows besides the event's own members, for billing to keep (docs/decisions.md, "Where
     * generations live"): ids, numbers and short words, within the schema's bounds — an event billing refused would
     * lose its charge, so strings are cut and cleaned here rather than refused there.
     */
    static UsageEvent.GenerationDetail detail(Generation g) {
        List<Generation.AttemptRecord> records = g.attempts();
        int from = Math.max(0, records.size() - UsageEvent.MAX_ATTEMPT_DETAILS); // the served attempt is the last
        List<UsageEvent.AttemptDetail> attempts = new ArrayList<>(records.size() - from);
        for (Generation.AttemptRecord r : records.subList(from, records.size())) {
            attempts.add(new UsageEvent.AttemptDetail(r.model(), r.provider(), r.credentialKind(), r.byokKeyId(),
                    r.status() >= 100 && r.status() <= 599 ? r.status() : 0, outcome(r.outcome()),
                    Math.max(0, r.latencyMs())));
        }
        return new UsageEvent.GenerationDetail(clean(g.providerName, 256),
                clean(g.finishReason(), UsageEvent.MAX_FINISH_REASON),
                clean(g.nativeFinishReason(), UsageEvent.MAX_FINISH_REASON),
                g.firstByteMs >= 0 ? g.firstByteMs : null, g.cachedTokens >= 0 ? g.cachedTokens : null,
                g.reasoningTokens >= 0 ? g.reasoningTokens : null, g.cancelled,
                clean(g.user(), UsageEvent.MAX_ATTRIBUTION), clean(g.referer(), UsageEvent.MAX_ATTRIBUTION), attempts);
    }

    /** An attempt's outcome as the schema's short word: {@code [a-z0-9_]}, at most 64; {@code unknown} when empty. */
    static String outcome(String outcome) {
        if (outcome == null || outcome.isEmpty()) {
            return "unknown";
        }
        StringBuilder word = new StringBuilder(Math.min(outcome.length(), 64));
        for (int i = 0; i < outcome.length() && word.length() < 64; i++) {
            char c = Character.toLowerCase(outcome.charAt(i));
            word.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '_');
        }
        return word.toString();
    }

    /**
     * Cut to {@code max} characters (a surrogate pair is not split); NUL, which PostgreSQL cannot store, and lone
     * surrogates, which are not UTF-8, replaced by U+FFFD. Most values pass untouched.
     */
    static String clean(String s, int max) {
        if (s == null) {
            return null;
        }
        int end = Math.min(s.length(), max);
        boolean plain = true;
        for (int i = 0; i < end && plain; i++) {
            char c = s.charAt(i);
            plain = c != '\u0000' && !Character.isSurrogate(c);
        }
        if (plain) {
            return end == s.length() ? s : s.substring(0, end);
        }
        StringBuilder out = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                if (i + 1 < end) {
                    out.append(c).append(s.charAt(++i));
                }
                // else: the pair would straddle the cut; it goes whole
            } else {
                out.append(c == '\u0000' || Character.isSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }

    private static List<UsageEvent.AbandonedAttempt> abandoned(Generation g) {
        List<Generation.AttemptRecord> records = g.abandonedAttempts();
        if (records.isEmpty()) {
            return List.of();
        }
        List<UsageEvent.AbandonedAttempt> list = new ArrayList<>(records.size());
        for (Generation.AttemptRecord r : records) {
            list.add(new UsageEvent.AbandonedAttempt(r.model(), r.provider(), r.byokKeyId() != null, r.byokKeyId(),
                    "timeout", r.latencyMs()));
        }
        return list;
    }
}
