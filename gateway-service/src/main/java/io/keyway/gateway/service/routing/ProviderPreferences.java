package io.keyway.gateway.service.routing;

import java.math.BigDecimal;
import java.util.List;

/**
 * The request's {@code provider} object (OpenRouter's ProviderPreferences), already type-checked.
 * Lists are null when absent. Max prices are USD per million prompt/completion tokens and per request.
 */
public record ProviderPreferences(
        List<String> order,
        List<String> only,
        List<String> ignore,
        boolean allowFallbacks,
        String sort,
        boolean requireParameters,
        BigDecimal maxPromptPerMillion,
        BigDecimal maxCompletionPerMillion,
        BigDecimal maxRequest) {

    public static final ProviderPreferences NONE =
            new ProviderPreferences(null, null, null, true, null, false, null, null, null);
}
