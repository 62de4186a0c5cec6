package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.service.routing.Attempt;
import io.keyway.gateway.service.routing.RoutingPlan;
import java.math.BigDecimal;

/**
 * The most a request can cost, reserved before it is sent (docs/decisions.md, "Budget leases"), per budget: the
 * account's (what billing will charge it) and the API key's (what counts against its spend limit). It is the largest over
 * the attempts its plan may make, each priced at its endpoint's list prices for
 * <ul>
 * <li>the prompt, estimated from the body: {@code ceil(characters of the messages' text / 3)}, 4 tokens per message,
 *     and {@value #TOKENS_PER_OTHER_PART} per content part that is not text (an image, audio, a file);</li>
 * <li>the completion: the request's {@code max_tokens} or {@code max_completion_tokens}, else the endpoint's
 *     {@code max_completion_tokens} from the catalog, else {@code keyway.gateway.budget.default-max-tokens}.</li>
 * </ul>
 * A pooled attempt costs its list cost to both budgets. A BYOK attempt costs the account the fee that could apply
 * ({@link UsageCost#worstCaseFee}: nothing while the free allowance clearly covers it), and the key that fee plus the list
 * cost when the key counts BYOK requests against its limit.
 */
public record WorstCase(BigDecimal account, BigDecimal key, long promptTokens, long completionTokens) {

    static final int CHARS_PER_TOKEN = 3;
    static final int TOKENS_PER_MESSAGE = 4;
    static final int TOKENS_PER_OTHER_PART = 1000;

    public static WorstCase of(JsonNode body, RoutingPlan plan, boolean includeByokInKeyLimit, String accountId,
                               UsageCost cost, int defaultMaxTokens, long freeAllowanceMargin) {
        long prompt = promptTokens(body);
        Long requested = requestedMaxTokens(body);
        BigDecimal account = BigDecimal.ZERO;
        BigDecimal key = BigDecimal.ZERO;
        long completionAtMost = 0;
        for (RoutingPlan.ModelRoute route : plan.routes()) {
            for (Attempt a : route.attempts()) {
                if (a.leftOutReason() != null) {
                    continue; // never called
                }
                long completion = completionTokens(requested, a.endpoint(), defaultMaxTokens);
                completionAtMost = Math.max(completionAtMost, completion);
                BigDecimal list = a.endpoint().pricing().listCost(prompt, completion);
                BigDecimal toAccount = a.byok() ? cost.worstCaseFee(accountId, list, freeAllowanceMargin) : list;
                BigDecimal toKey = a.byok() && includeByokInKeyLimit ? toAccount.add(list) : toAccount;
                account = account.max(toAccount);
                key = key.max(toKey);
            }
        }
        return new WorstCase(account, key, prompt, completionAtMost);
    }

    static long promptTokens(JsonNode body) {
        long messages = 0;
        long otherParts = 0;
        for (JsonNode m : body.path("messages")) {
            messages++;
            for (JsonNode part : m.path("content")) {
                if (part.isObject() && !"text".equals(part.path("type").asText("text"))) {
                    otherParts++;
                }
            }
        }
        long chars = UsageAccounting.promptChars(body);
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN + TOKENS_PER_MESSAGE * messages
                + TOKENS_PER_OTHER_PART * otherParts;
    }

    /** The request's own cap on completion tokens, or null (validated as integers by {@link ChatRequest}). */
    static Long requestedMaxTokens(JsonNode body) {
        for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
            JsonNode v = body.get(field);
            if (v != null && v.isNumber()) {
                return Math.max(0, v.longValue());
            }
        }
        return null;
    }

    static long completionTokens(Long requested, ModelEndpoint endpoint, int defaultMaxTokens) {
        Integer endpointMax = endpoint.maxCompletionTokens();
        if (requested != null) {
            return endpointMax == null ? requested : Math.min(requested, endpointMax);
        }
        return endpointMax != null ? endpointMax : defaultMaxTokens;
    }
}
