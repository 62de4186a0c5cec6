package io.keyway.keys.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.keys.config.KeyServiceConfig;
import io.keyway.keys.service.ApiException;
import io.keyway.keys.service.JsonFields;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * Turns a raw request body into a JSON object: 413 above {@code keyway.keys.max-body-bytes}, 400 for anything that is
 * not one JSON object, or one that names a field twice (which of the two would win depends on the parser, so a
 * checked value could differ from the one used). Parser messages are not passed on: they may quote the body, and the
 * body may hold a secret.
 */
@ApplicationScoped
public class RequestBodies {

    private static final String DUPLICATE = "Duplicate field '";
    private static final int MAX_NAME_SHOWN = 64;

    private final ObjectReader json;
    private final KeyServiceConfig config;

    public RequestBodies(ObjectMapper json, KeyServiceConfig config) {
        // Amounts are decimals: a number with a fraction is read as BigDecimal, never through double.
        this.json = json.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .with(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        this.config = config;
    }

    public JsonFields object(byte[] body) {
        if (body != null && body.length > config.maxBodyBytes()) {
            throw tooLarge(config.maxBodyBytes());
        }
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonParseException e) {
            throw duplicateField(e).orElseGet(() -> notJson(e));
        } catch (JsonProcessingException e) {
            throw notJson(e);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("request body could not be read");
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        return new JsonFields((ObjectNode) node);
    }

    /** Jackson names the repeated field (a field name, never a value) in its message; nothing else is quoted. */
    private static java.util.Optional<ApiException> duplicateField(JsonParseException e) {
        String m = e.getOriginalMessage();
        if (m == null || !m.startsWith(DUPLICATE)) {
            return java.util.Optional.empty();
        }
        String name = m.substring(DUPLICATE.length(), Math.max(DUPLICATE.length(), m.lastIndexOf('\'')));
        if (name.length() > MAX_NAME_SHOWN) {
            name = name.substring(0, MAX_NAME_SHOWN) + "…";
        }
        return java.util.Optional.of(ApiException.badRequest("field '" + name + "' appears more than once in the request body"));
    }

    private static ApiException notJson(JsonProcessingException e) {
        if (e instanceof StreamConstraintsException) { // Jackson's read limits; such an exception has no location
            return ApiException.badRequest("request body exceeds a JSON reading limit (nesting deeper than "
                    + StreamReadConstraints.DEFAULT_MAX_DEPTH + " levels, or a number or string too long)");
        }
        if (e.getLocation() == null) {
            return ApiException.badRequest("request body is not valid JSON");
        }
        return ApiException.badRequest("request body is not valid JSON (at line " + e.getLocation().getLineNr()
                + ", column " + e.getLocation().getColumnNr() + ")");
    }

    public static ApiException tooLarge(int max) {
        return new ApiException(413, "request body is larger than " + max + " bytes", Map.of("max_body_bytes", max));
    }
}
