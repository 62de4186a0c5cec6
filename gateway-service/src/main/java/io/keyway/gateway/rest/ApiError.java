package io.keyway.gateway.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** OpenRouter's error envelope: {@code {"error":{"code":<status>,"message":...,"metadata":{...}}}}. */
public final class ApiError {

    private ApiError() {
    }

    public static ObjectNode body(int status, String message, ObjectNode metadata) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", status);
        error.put("message", message);
        if (metadata != null) {
            error.set("metadata", metadata);
        }
        return root;
    }

    public static Response response(int status, String message, ObjectNode metadata) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body(status, message, metadata)).build();
    }

    public static String json(ObjectMapper json, int status, String message, ObjectNode metadata) {
        try {
            return json.writeValueAsString(body(status, message, metadata));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
