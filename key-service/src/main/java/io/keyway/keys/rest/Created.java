package io.keyway.keys.rest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.keys.service.Idempotency;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** Responses shared by the resources. */
final class Created {

    private Created() {
    }

    /**
     * The create's response; {@code keyField} names where a plaintext key (shown once) goes, if the create made one.
     * A replay of such a create answers the same object with {@code keyField} null and {@code <keyField>_shown_once:
     * true} (the key is kept nowhere), and every replay carries {@code Idempotent-Replayed: true}, as Stripe's API does.
     */
    static Response of(Idempotency.Outcome outcome, String keyField) {
        ObjectNode body = outcome.body().deepCopy();
        if (outcome.plaintextKey() != null) {
            body.put(keyField, outcome.plaintextKey());
        }
        if (body.remove(Idempotency.KEY_SHOWN_ONCE) != null) {
            body.putNull(keyField);
            body.put(keyField + "_shown_once", true);
        }
        Response.ResponseBuilder answer = Response.status(outcome.status()).type(MediaType.APPLICATION_JSON).entity(body);
        if (outcome.replayed()) {
            answer.header("Idempotent-Replayed", "true");
        }
        return answer.build();
    }

    static Map<String, Object> data(Object data) {
        return Map.of("data", data);
    }

    static Map<String, Object> deleted() {
        return Map.of("deleted", true);
    }

    static int limit(String param, int max) {
        if (param == null || param.isBlank()) {
            return max;
        }
        int limit = integer(param, "limit");
        if (limit < 1 || limit > max) {
            throw io.keyway.keys.service.ApiException.badRequest("query parameter 'limit' must be between 1 and " + max);
        }
        return limit;
    }

    /** The largest {@code offset} a list accepts: deeper pages cost the database a scan of every row skipped. */
    static final int MAX_OFFSET = 1_000_000;

    static int offset(String param) {
        if (param == null || param.isBlank()) {
            return 0;
        }
        int offset = integer(param, "offset");
        if (offset < 0 || offset > MAX_OFFSET) {
            throw io.keyway.keys.service.ApiException.badRequest(
                    "query parameter 'offset' must be between 0 and " + MAX_OFFSET);
        }
        return offset;
    }

    /** Query parameters are parsed here so that a bad one is a 400 naming it (JAX-RS would answer 404). */
    static int integer(String param, String name) {
        try {
            return Integer.parseInt(param.trim());
        } catch (NumberFormatException e) {
            throw io.keyway.keys.service.ApiException.badRequest("query parameter '" + name + "' must be an integer");
        }
    }

    static boolean bool(String param, String name) {
        if (param == null || param.isBlank()) {
            return false;
        }
        return switch (param.trim().toLowerCase()) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw io.keyway.keys.service.ApiException.badRequest("query parameter '" + name + "' must be true or false");
        };
    }
}
