package io.keyway.gateway.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One provider serving one catalog model: the provider slug, the model id the provider expects upstream, its list
 * prices and limits. {@code supportedParameters} null means "whatever the model supports". Data policy, as the
 * operator declares it: {@code zdr} (zero data retention) and {@code collectsData} (the provider stores or trains on
 * requests); null = not declared, which a request asking for {@code provider.zdr} or {@code data_collection: "deny"}
 * does not accept.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelEndpoint(
        @JsonProperty("provider") String provider,
        @JsonProperty("upstream_model") String upstreamModel,
        @JsonProperty("pricing") Pricing pricing,
        @JsonProperty("context_length") Integer contextLength,
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        @JsonProperty("quantization") String quantization,
        @JsonProperty("supported_parameters") List<String> supportedParameters,
        @JsonProperty("zdr") Boolean zdr,
        @JsonProperty("collects_data") Boolean collectsData) {

    public ModelEndpoint(String provider, String upstreamModel, Pricing pricing, Integer contextLength,
                         Integer maxCompletionTokens, String quantization, List<String> supportedParameters) {
        this(provider, upstreamModel, pricing, contextLength, maxCompletionTokens, quantization, supportedParameters,
                null, null);
    }
}
