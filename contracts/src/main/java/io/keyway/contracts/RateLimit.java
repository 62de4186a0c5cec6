package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * A request-rate limit as OpenRouter's key object shows it: {@code {"requests": 50, "interval": "10s"}} — at most
 * {@code requests} requests per {@code interval}. The interval is a whole number of seconds, minutes or hours
 * ({@code 1s} … {@code 1h}). One rule for the services that need it: key-service checks what a client sends, the
 * gateway enforces it.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RateLimit(@JsonProperty("requests") int requests, @JsonProperty("interval") String interval) {

    /** Longest interval accepted. */
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    /** Most requests per interval accepted (a larger figure is no limit in practice). */
    public static final int MAX_REQUESTS = 1_000_000_000;

    /**
     * The interval as a duration; {@link IllegalArgumentException} (with a message fit for a 400) when it is not a
     * positive whole number followed by {@code s}, {@code m} or {@code h}, or longer than an hour.
     */
    public static Duration parseInterval(String interval) {
        String bad = "must be a positive whole number of seconds, minutes or hours between 1s and 1h, like \"10s\","
                + " \"1m\" or \"1h\"";
        if (interval == null || interval.length() < 2 || interval.length() > 8) {
            throw new IllegalArgumentException(bad);
        }
        char unit = interval.charAt(interval.length() - 1);
        String digits = interval.substring(0, interval.length() - 1);
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                throw new IllegalArgumentException(bad);
            }
        }
        long n = Long.parseLong(digits);
        Duration d = switch (unit) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException(bad);
        };
        if (n <= 0 || d.compareTo(MAX_INTERVAL) > 0) {
            throw new IllegalArgumentException(bad);
        }
        return d;
    }

    /** This limit's interval as a duration (see {@link #parseInterval}). */
    public Duration period() {
        return parseInterval(interval);
    }
}
