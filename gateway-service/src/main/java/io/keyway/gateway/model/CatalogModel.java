package io.keyway.gateway.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** A model as listed by {@code GET /api/v1/models}, with the endpoints (provider + price) that serve it. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record CatalogModel(
        @JsonProperty("id") String id,
        @JsonProperty("name") String name,
        @JsonProperty("description") String description,
        @JsonProperty("created") Long created,
        @JsonProperty("context_length") Integer contextLength,
        @JsonProperty("input_modalities") List<String> inputModalities,
        @JsonProperty("output_modalities") List<String> outputModalities,
        @JsonProperty("tokenizer") String tokenizer,
        @JsonProperty("supported_parameters") List<String> supportedParameters,
        @JsonProperty("endpoints") List<ModelEndpoint> endpoints) {

    /** Parameters an endpoint supports: its own list, else the model's, else null (no restriction known). */
    public List<String> supportedParameters(ModelEndpoint endpoint) {
        return endpoint.supportedParameters() != null ? endpoint.supportedParameters() : supportedParameters;
    }
}
