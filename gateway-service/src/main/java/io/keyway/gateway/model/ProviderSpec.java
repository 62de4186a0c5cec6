package io.keyway.gateway.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * An upstream provider as the operator configures it in the catalog: its slug, display name, which adapter speaks to
 * it ({@code openai-compatible} for io.net, OpenAI, Together, Groq, vLLM, …; {@code anthropic}, {@code azure},
 * {@code amazon-bedrock}, {@code google-vertex}), the adapter's base URL where it has one, and the adapter's own
 * options (e.g. a Bedrock region or a Vertex default region; each adapter documents its options).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ProviderSpec(
        @JsonProperty("slug") String slug,
        @JsonProperty("name") String name,
        @JsonProperty("adapter") String adapter,
        @JsonProperty("base_url") String baseUrl,
        @JsonProperty("options") Map<String, String> options) {

    public ProviderSpec {
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    public ProviderSpec(String slug, String name, String adapter, String baseUrl) {
        this(slug, name, adapter, baseUrl, null);
    }

    /** An adapter option, or {@code fallback} when the catalog does not set it. */
    public String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }
}
