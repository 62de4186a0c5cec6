package io.keyway.keys.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Typed access to a JSON request object with OpenRouter's PATCH semantics: a field that is absent is "unchanged",
 * an explicit {@code null} is "clear". Every type error is a 400 that names the field.
 */
public final class JsonFields {

    private final ObjectNode node;

    public JsonFields(ObjectNode node) {
        this.node = node;
    }

    public ObjectNode node() {
        return node;
    }

    public boolean has(String field) {
        return node.has(field);
    }

    public boolean isNull(String field) {
        return node.has(field) && node.get(field).isNull();
    }

    /** Rejects fields this endpoint does not know, so that a typo never silently does nothing. */
    public void allowOnly(Set<String> known) {
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw ApiException.badRequest("unknown field '" + f + "'");
            }
        });
    }

    public String requiredString(String field, int maxLength) {
        if (!node.has(field) || node.get(field).isNull()) {
            throw ApiException.badRequest("field '" + field + "' is required");
        }
        return string(field, maxLength).orElseThrow();
    }

    /** Empty when absent or null; otherwise a non-blank string of at most maxLength characters. */
    public Optional<String> string(String field, int maxLength) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("field '" + field + "' must be a string");
        }
        String s = v.textValue();
        if (s.isBlank()) {
            throw ApiException.badRequest("field '" + field + "' must not be empty");
        }
        if (s.length() > maxLength) {
            throw ApiException.badRequest("field '" + field + "' must be at most " + maxLength + " characters");
        }
        refuseNul(field, s);
        return Optional.of(s);
    }

    public Optional<Boolean> bool(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest("field '" + field + "' must be a boolean");
        }
        return Optional.of(v.booleanValue());
    }

    /** A boolean that may be omitted but not null (PATCH of a flag). */
    public Optional<Boolean> nonNullBool(String field) {
        if (isNull(field)) {
            throw ApiException.badRequest("field '" + field + "' must be a boolean, not null");
        }
        return bool(field);
    }

    public Optional<Integer> nonNegativeInt(String field, int max) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0 || v.intValue() > max) {
            throw ApiException.badRequest("field '" + field + "' must be an integer between 0 and " + max);
        }
        return Optional.of(v.intValue());
    }

    public Optional<Long> version(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
            throw ApiException.badRequest("field '" + field + "' must be a non-negative integer");
        }
        return Optional.of(v.longValue());
    }

    /** A non-negative amount given as a JSON number or a decimal string. */
    public Optional<BigDecimal> amount(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        BigDecimal d;
        try {
            if (v.isNumber()) {
                d = v.decimalValue();
            } else if (v.isTextual()) {
                d = new BigDecimal(v.textValue().trim());
            } else {
                throw ApiException.badRequest("field '" + field + "' must be a number");
            }
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("field '" + field + "' must be a number");
        }
        if (d.signum() < 0) {
            throw ApiException.badRequest("field '" + field + "' must not be negative");
        }
        if (d.scale() > 8 || d.precision() - d.scale() > 12) {
            throw ApiException.badRequest("field '" + field + "' has too many digits (at most 12 before and 8 after the point)");
        }
        return Optional.of(d.stripTrailingZeros().scale() < 0 ? d.setScale(0) : d.stripTrailingZeros());
    }

    /** An RFC 3339 timestamp with offset, e.g. 2027-01-01T00:00:00Z. */
    public Optional<Instant> instant(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("field '" + field + "' must be an RFC 3339 timestamp string");
        }
        try {
            return Optional.of(OffsetDateTime.parse(v.textValue()).toInstant());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("field '" + field + "' must be an RFC 3339 timestamp, e.g. 2027-01-01T00:00:00Z");
        }
    }

    public Optional<String> oneOf(String field, Set<String> allowed) {
        Optional<String> v = string(field, 64);
        v.ifPresent(s -> {
            if (!allowed.contains(s)) {
                throw ApiException.badRequest("field '" + field + "' must be one of " + allowed.stream().sorted().toList());
            }
        });
        return v;
    }

    /** Empty when absent or null; otherwise a list of 0..maxEntries non-blank strings. */
    public Optional<List<String>> stringList(String field, int maxEntries, int maxLength) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isArray()) {
            throw ApiException.badRequest("field '" + field + "' must be an array of strings");
        }
        if (v.size() > maxEntries) {
            throw ApiException.badRequest("field '" + field + "' must have at most " + maxEntries + " entries");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode e = v.get(i);
            if (!e.isTextual() || e.textValue().isBlank()) {
                throw ApiException.badRequest("field '" + field + "[" + i + "]' must be a non-empty string");
            }
            if (e.textValue().length() > maxLength) {
                throw ApiException.badRequest("field '" + field + "[" + i + "]' must be at most " + maxLength + " characters");
            }
            refuseNul(field + "[" + i + "]", e.textValue());
            if (!out.contains(e.textValue())) {
                out.add(e.textValue());
            }
        }
        return Optional.of(out);
    }

    /** PostgreSQL's text and jsonb cannot hold U+0000: refused here as the client's error, not failed at the insert. */
    private static void refuseNul(String field, String value) {
        if (value.indexOf('\u0000') >= 0) {
            throw ApiException.badRequest("field '" + field + "' must not contain the NUL character (U+0000)");
        }
    }
}
