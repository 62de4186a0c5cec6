package io.keyway.keys.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyway.contracts.RateLimit;
import java.util.Optional;
import java.util.Set;

/**
 * The two request limits of an API key or an account, as a request body gives them: {@code rate_limit}
 * (OpenRouter's {@code {"requests": N, "interval": "10s"}}) and {@code max_concurrent_requests} (a positive integer).
 * {@code null} clears a limit; every other wrong value is a 400 naming the field. The gateway enforces them.
 */
public final class RequestLimitFields {

    public static final String RATE_LIMIT = "rate_limit";
    public static final String MAX_CONCURRENT = "max_concurrent_requests";
    /** Most requests in flight accepted as a limit (a larger figure is no limit in practice). */
    static final int MAX_CONCURRENT_VALUE = 1_000_000;
    private static final Set<String> RATE_LIMIT_FIELDS = Set.of("requests", "interval");

    private RequestLimitFields() {
    }

    /** The rate limit given; empty when the field is absent or null (check {@link JsonFields#has} to tell which). */
    public static Optional<RateLimit> rateLimit(JsonFields body) {
        JsonNode v = body.node().get(RATE_LIMIT);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isObject()) {
            throw ApiException.badRequest("field 'rate_limit' must be an object {\"requests\": <positive integer>, "
                    + "\"interval\": \"10s\"} or null");
        }
        v.fieldNames().forEachRemaining(f -> {
            if (!RATE_LIMIT_FIELDS.contains(f)) {
                throw ApiException.badRequest("unknown field 'rate_limit." + f + "' (expected requests and interval)");
            }
        });
        JsonNode requests = v.get("requests");
        if (requests == null || !requests.isIntegralNumber() || !requests.canConvertToInt() || requests.intValue() < 1
                || requests.intValue() > RateLimit.MAX_REQUESTS) {
            throw ApiException.badRequest("field 'rate_limit.requests' must be a positive integer (at most "
                    + RateLimit.MAX_REQUESTS + ")");
        }
        JsonNode interval = v.get("interval");
        if (interval == null || !interval.isTextual()) {
            throw ApiException.badRequest("field 'rate_limit.interval' must be a string like \"10s\", \"1m\" or \"1h\"");
        }
        try {
            RateLimit.parseInterval(interval.textValue());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("field 'rate_limit.interval' " + e.getMessage());
        }
        return Optional.of(new RateLimit(requests.intValue(), interval.textValue()));
    }

    /** The concurrency limit given; empty when the field is absent or null. */
    public static Optional<Integer> maxConcurrent(JsonFields body) {
        JsonNode v = body.node().get(MAX_CONCURRENT);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1 || v.intValue() > MAX_CONCURRENT_VALUE) {
            throw ApiException.badRequest("field 'max_concurrent_requests' must be a positive integer (at most "
                    + MAX_CONCURRENT_VALUE + ") or null");
        }
        return Optional.of(v.intValue());
    }
}
