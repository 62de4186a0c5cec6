package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.UsageEvent;
import io.keyway.gateway.service.routing.Attempt;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;

/**
 * Turns what the upstream reported into Keyway's {@code usage} object and the request's {@link UsageEvent}; token
 * counts are the upstream's, never an estimate. Also finishes the {@link Generation} record and publishes the event.
 */
@ApplicationScoped
public class UsageAccounting {

    private final UsageCost cost;
    private final UsagePublisher publisher;
    private final Generations generations;

    public UsageAccounting(UsageCost cost, UsagePublisher publisher, Generations generations) {
        this.cost = cost;
        this.publisher = publisher;
        this.generations = generations;
    }

    /** Records tokens and costs of the served attempt from the upstream's usage object (may be null). */
    public void served(Generation g, Attempt attempt, String providerName, JsonNode upstreamUsage) {
        g.served = attempt;
        g.providerName = providerName;
        g.promptTokens = upstreamUsage == null ? 0 : Math.max(0, upstreamUsage.path("prompt_tokens").asLong(0));
        g.completionTokens = upstreamUsage == null ? 0 : Math.max(0, upstreamUsage.path("completion_tokens").asLong(0));
        g.listCost = attempt.endpoint().pricing().listCost(g.promptTokens, g.completionTokens);
        g.cost = cost.charged(g.accountId, attempt.byok(), g.listCost);
    }

    /** OpenRouter's usage object: tokens, cost (what the platform charges), is_byok, cost_details. */
    public ObjectNode usage(Generation g, JsonNode upstreamUsage) {
        ObjectNode u = JsonNodeFactory.instance.objectNode();
        u.put("prompt_tokens", g.promptTokens);
        u.put("completion_tokens", g.completionTokens);
        u.put("total_tokens", g.promptTokens + g.completionTokens);
        if (upstreamUsage != null) {
            copy(upstreamUsage, u, "prompt_tokens_details");
            copy(upstreamUsage, u, "completion_tokens_details");
        }
        u.put("cost", g.cost);
        u.put("is_byok", g.served != null && g.served.byok());
        ObjectNode details = u.putObject("cost_details");
        details.put("upstream_inference_cost", g.listCost);
        var pricing = g.served.endpoint().pricing();
        details.put("upstream_inference_prompt_cost",
                pricing.prompt().multiply(BigDecimal.valueOf(g.promptTokens)).stripTrailingZeros());
        details.put("upstream_inference_completions_cost",
                pricing.completion().multiply(BigDecimal.valueOf(g.completionTokens)).stripTrailingZeros());
        return u;
    }

    /** Ends the request: remembers the generation and publishes its usage event (never blocks). */
    public void finish(Generation g, int httpStatus, boolean success) {
        g.httpStatus = httpStatus;
        g.success = success;
        g.latencyMs = g.elapsedMs();
        generations.remember(g);
        publisher.publishInBackground(event(g));
    }

    public static UsageEvent event(Generation g) {
        Attempt a = g.served;
        boolean byok = a != null && a.byok();
        return new UsageEvent(UsageEvent.SCHEMA_VERSION, g.id.toString(), g.createdAt, g.accountId, g.apiKeyId,
                a != null ? a.model().id() : g.requestedModel, a != null ? a.provider() : lastProvider(g), byok,
                byok ? a.credentialId() : null, g.success ? g.promptTokens : 0, g.success ? g.completionTokens : 0,
                g.success ? g.listCost.max(BigDecimal.ZERO) : BigDecimal.ZERO,
                g.success ? UsageEvent.Status.SUCCESS : UsageEvent.Status.ERROR, g.httpStatus, g.latencyMs,
                g.streamed, g.attempts().size());
    }

    private static String lastProvider(Generation g) {
        var attempts = g.attempts();
        return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1).provider();
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        JsonNode v = from.get(field);
        if (v != null && !v.isNull()) {
            to.set(field, v);
        }
    }
}
