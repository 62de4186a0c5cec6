package io.keyway.gateway.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An upstream provider as the operator configures it in the catalog: its slug, display name, which adapter speaks to
 * it ({@code openai-compatible} for io.net, OpenAI, Together, Groq, vLLM, …) and the adapter's base URL.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProviderSpec(
        @JsonProperty("slug") String slug,
        @JsonProperty("name") String name,
        @JsonProperty("adapter") String adapter,
        @JsonProperty("base_url") String baseUrl) {
}
