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

    /** The create's response; {@code keyField} names where a plaintext key (shown once) goes, if the create made one. */
    static Response of(Idempotency.Outcome outcome, String keyField) {
        ObjectNode body = outcome.body().deepCopy();
        if (outcome.plaintextKey() != null) {
            body.put(keyField, outcome.plaintextKey());
        }
        return Response.status(outcome.status()).type(MediaType.APPLICATION_JSON).entity(body).build();
    }

    static Map<String, Object> data(Object data) {
        return Map.of("data", data);
    }

    static Map<String, Object> deleted() {
        return Map.of("deleted", true);
    }

    static int limit(Integer limit, int max) {
        if (limit == null) {
            return max;
        }
        if (limit < 1 || limit > max) {
            throw io.keyway.keys.service.ApiException.badRequest("query parameter 'limit' must be between 1 and " + max);
        }
        return limit;
    }

    static int offset(Integer offset) {
        if (offset == null) {
            return 0;
        }
        if (offset < 0) {
            throw io.keyway.keys.service.ApiException.badRequest("query parameter 'offset' must not be negative");
        }
        return offset;
    }
}
