package io.keyway.gateway.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An upstream provider as the operator configures it in the catalog: its slug, display name, which adapter speaks to
 * it ({@code openai-compatible} for io.net, OpenAI, Together, Groq, vLLM, …; {@code anthropic}, {@code azure},
 * {@code amazon-bedrock}, {@code google-vertex}), the adapter's base URL where it has one, and the adapter's own
 * options (e.g. a Bedrock region or a Vertex default region; each adapter documents its options). One option is read
 * for every adapter: {@value #NON_STREAMED_FIRST_BYTE_TIMEOUT}, how long a non-streamed call may wait for its answer's
 * first byte (a whole answer sends nothing until it is complete), default the gateway's total timeout.
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

    /** The option every adapter reads: a non-streamed call's first-byte timeout (see {@link #nonStreamedFirstByteTimeout}). */
    public static final String NON_STREAMED_FIRST_BYTE_TIMEOUT = "non_streamed_first_byte_timeout";

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    /**
     * How long a non-streamed call to this provider may wait for the first byte of its answer, or null when the
     * catalog does not say (the gateway's total timeout then applies). Written as Quarkus durations are: {@code 300s},
     * {@code 5m}, {@code 1500ms}, {@code 1h}, or ISO-8601 ({@code PT5M}); positive.
     *
     * @throws IllegalArgumentException naming the option when it is not such a duration (checked at start)
     */
    public Duration nonStreamedFirstByteTimeout() {
        String value = options.get(NON_STREAMED_FIRST_BYTE_TIMEOUT);
        if (value == null) {
            return null;
        }
        Duration d = null;
        Matcher m = SHORT_DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        } else if (value.trim().toUpperCase(Locale.ROOT).startsWith("PT")) {
            try {
                d = Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            } catch (java.time.format.DateTimeParseException e) {
                d = null;
            }
        }
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("option " + NON_STREAMED_FIRST_BYTE_TIMEOUT
                    + " must be a positive duration such as 300s, 5m, 1500ms or PT5M");
        }
        return d;
    }

    /** An adapter option, or {@code fallback} when the catalog does not set it. */
    public String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }
}
