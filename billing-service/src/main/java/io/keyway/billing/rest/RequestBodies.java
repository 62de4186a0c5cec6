package io.keyway.billing.rest;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.billing.service.FeeSchedule;
import java.math.BigDecimal;
import java.util.regex.Pattern;

/** Reads and checks request bodies; every problem is a 400 naming the field. Money never passes through a double. */
final class RequestBodies {

    static final Pattern ACCOUNT_ID = Pattern.compile("^[A-Za-z0-9._:-]{1,128}$");
    static final Pattern MONTH = Pattern.compile("^[0-9]{4}-(0[1-9]|1[0-2])$");
    private static final BigDecimal MAX_AMOUNT = new BigDecimal("1000000000000");
    // A field named twice is refused: parsers disagree on which copy wins, so a checked amount could differ from the
    // one a proxy or an audit tool reads.
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
    private static final String DUPLICATE = "Duplicate field '";

    private RequestBodies() {
    }

    static JsonNode object(String body) {
        if (body == null || body.isBlank()) {
            throw ApiError.badRequest("request body is required (JSON object)");
        }
        try {
            JsonNode node = MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw ApiError.badRequest("request body must be a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String m = e.getOriginalMessage();
            if (m != null && m.startsWith(DUPLICATE) && m.lastIndexOf('\'') > DUPLICATE.length()) {
                String field = m.substring(DUPLICATE.length(), m.lastIndexOf('\''));
                field = field.length() > 64 ? field.substring(0, 64) + "…" : field;
                throw ApiError.badField(field, "field '" + field + "' appears more than once in the request body");
            }
            throw ApiError.badRequest("request body is not valid JSON");
        }
    }

    /** A decimal string (or JSON number) with at most 12 decimal places; null when absent and optional. */
    static BigDecimal money(JsonNode body, String field, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiError.badField(field, field + " is required (decimal string, e.g. \"10.00\")");
            }
            return null;
        }
        BigDecimal amount;
        try {
            if (value.isTextual()) {
                amount = new BigDecimal(value.asText().trim());
            } else if (value.isNumber()) {
                amount = value.decimalValue();
            } else {
                throw ApiError.badField(field, field + " must be a decimal string");
            }
        } catch (NumberFormatException e) {
            throw ApiError.badField(field, field + " is not a decimal number");
        }
        if (amount.stripTrailingZeros().scale() > FeeSchedule.SCALE) {
            throw ApiError.badField(field, field + " has more than " + FeeSchedule.SCALE + " decimal places");
        }
        if (amount.abs().compareTo(MAX_AMOUNT) >= 0) {
            throw ApiError.badField(field, field + " is too large");
        }
        return amount;
    }

    static String text(JsonNode body, String field, int maxLength, boolean required) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw ApiError.badField(field, field + " is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw ApiError.badField(field, field + " must be a string");
        }
        String text = value.asText().trim();
        if (required && text.isEmpty()) {
            throw ApiError.badField(field, field + " must not be empty");
        }
        if (text.length() > maxLength) {
            throw ApiError.badField(field, field + " is longer than " + maxLength + " characters");
        }
        if (text.indexOf('\u0000') >= 0) { // PostgreSQL's text cannot hold it: the client's error, not a failed insert
            throw ApiError.badField(field, field + " must not contain the NUL character (U+0000)");
        }
        return text.isEmpty() ? null : text;
    }

    static String accountId(String accountId) {
        if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches()) {
            throw ApiError.badField("accountId", "account id must be 1-128 characters of letters, digits, . _ : -");
        }
        return accountId;
    }

    static String month(String month) {
        if (month == null || !MONTH.matcher(month).matches()) {
            throw ApiError.badField("month", "month must be YYYY-MM, e.g. 2026-11");
        }
        return month;
    }

    static String idempotencyKey(String key) {
        if (key == null) {
            return null;
        }
        String trimmed = key.trim();
        if (trimmed.isEmpty() || trimmed.length() > 200) {
            throw ApiError.badField("Idempotency-Key", "Idempotency-Key must be 1-200 characters");
        }
        return trimmed;
    }

    /** The {@code page} query parameter: a whole number, 1 or more (default 1). */
    static int page(String page) {
        if (page == null || page.isEmpty()) {
            return 1;
        }
        Integer n = wholeNumber(page);
        if (n == null || n < 1) {
            throw ApiError.badField("page", "page must be a whole number, 1 or more");
        }
        return n;
    }

    /** The {@code page_size} query parameter: 1 to 1000 (default 100). */
    static int pageSize(String size) {
        if (size == null || size.isEmpty()) {
            return 100;
        }
        Integer n = wholeNumber(size);
        if (n == null || n < 1 || n > 1000) {
            throw ApiError.badField("page_size", "page_size must be a whole number between 1 and 1000");
        }
        return n;
    }

    private static Integer wholeNumber(String text) {
        if (text.length() > 9 || !text.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return Integer.valueOf(text);
    }
}
