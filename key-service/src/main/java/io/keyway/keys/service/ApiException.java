package io.keyway.keys.service;

import java.util.Map;

/**
 * A request the service refuses, with the HTTP status and a message naming the field or problem. Rendered as
 * {@code {"error":{"code":..,"message":..,"metadata":{..}}}}. Messages never contain secret material.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final Map<String, Object> metadata;

    public ApiException(int status, String message) {
        this(status, message, Map.of());
    }

    public ApiException(int status, String message, Map<String, Object> metadata) {
        super(message, null, false, false);
        this.status = status;
        this.metadata = metadata;
    }

    public int status() {
        return status;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, what + " not found");
    }
}
