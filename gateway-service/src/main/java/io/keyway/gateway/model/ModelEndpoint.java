package io.keyway.gateway.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One provider serving one catalog model: the provider slug, the model id the provider expects upstream, its list
 * prices and limits. {@code supportedParameters} null means "whatever the model supports".
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelEndpoint(
        @JsonProperty("provider") String provider,
        @JsonProperty("upstream_model") String upstreamModel,
        @JsonProperty("pricing") Pricing pricing,
        @JsonProperty("context_length") Integer contextLength,
        @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
        @JsonProperty("quantization") String quantization,
        @JsonProperty("supported_parameters") List<String> supportedParameters) {
}
