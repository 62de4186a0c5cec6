package io.keyway.billing.rest;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** An error answered as {@code {"error":{"code":<status>,"message":...,"metadata":{...}}}}. Never carries secrets. */
public class ApiError extends RuntimeException {

    private final int status;
    private final Map<String, Object> metadata;

    public ApiError(int status, String message, Map<String, Object> metadata) {
        super(message, null, false, false);
        this.status = status;
        this.metadata = metadata == null ? Map.of() : metadata;
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, message, Map.of());
    }

    public static ApiError badField(String field, String message) {
        return new ApiError(400, message, Map.of("field", field));
    }

    public static ApiError unauthorized(String message) {
        return new ApiError(401, message, Map.of());
    }

    public int status() {
        return status;
    }

    public Response toResponse() {
        return response(status, getMessage(), metadata);
    }

    public static Response response(int status, String message, Map<String, Object> metadata) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", status);
        error.put("message", message);
        error.put("metadata", metadata == null ? Map.of() : metadata);
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", error)).build();
    }
}
