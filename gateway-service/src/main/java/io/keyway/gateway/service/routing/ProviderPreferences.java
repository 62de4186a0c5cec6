package io.keyway.gateway.service.routing;

import java.math.BigDecimal;
import java.util.List;

/**
 * The request's {@code provider} object (OpenRouter's ProviderPreferences), already type-checked.
 * Lists are null when absent. Max prices are USD per million prompt/completion tokens and per request.
 * {@code zdr} and {@code denyDataCollection} ({@code data_collection: "deny"}) are the data-policy filters;
 * {@code quantizations} keeps only endpoints of those quantizations.
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
        BigDecimal maxRequest,
        boolean zdr,
        boolean denyDataCollection,
        List<String> quantizations) {

    public static final ProviderPreferences NONE =
            new ProviderPreferences(null, null, null, true, null, false, null, null, null);

    /** Without data-policy or quantization filters. */
    public ProviderPreferences(List<String> order, List<String> only, List<String> ignore, boolean allowFallbacks,
                               String sort, boolean requireParameters, BigDecimal maxPromptPerMillion,
                               BigDecimal maxCompletionPerMillion, BigDecimal maxRequest) {
        this(order, only, ignore, allowFallbacks, sort, requireParameters, maxPromptPerMillion, maxCompletionPerMillion,
                maxRequest, false, false, null);
    }
}
