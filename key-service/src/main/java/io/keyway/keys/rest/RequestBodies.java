package io.keyway.keys.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.keys.config.KeyServiceConfig;
import io.keyway.keys.service.ApiException;
import io.keyway.keys.service.JsonFields;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;

/**
 * Turns a raw request body into a JSON object: 413 above {@code keyway.keys.max-body-bytes}, 400 for anything that is
 * not one JSON object. Parser messages are not passed on: they may quote the body, and the body may hold a secret.
 */
@ApplicationScoped
public class RequestBodies {

    private final ObjectMapper json;
    private final KeyServiceConfig config;

    public RequestBodies(ObjectMapper json, KeyServiceConfig config) {
        this.json = json;
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
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("request body is not valid JSON (at line " + e.getLocation().getLineNr()
                    + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("request body could not be read");
        }
        if (node == null || !node.isObject()) {
            throw ApiException.badRequest("request body must be a JSON object");
        }
        return new JsonFields((ObjectNode) node);
    }

    public static ApiException tooLarge(int max) {
        return new ApiException(413, "request body is larger than " + max + " bytes", Map.of("max_body_bytes", max));
    }
}
