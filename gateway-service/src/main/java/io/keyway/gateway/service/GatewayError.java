package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An answer to the client in OpenRouter's error envelope: HTTP status, a message naming the problem, and metadata.
 * Carries no stack trace; messages never contain secrets.
 */
public class GatewayError extends RuntimeException {

    private final int status;
    private final transient ObjectNode metadata;

    public GatewayError(int status, String message, ObjectNode metadata) {
        super(message, null, false, false);
        this.status = status;
        this.metadata = metadata;
    }

    public GatewayError(int status, String message) {
        this(status, message, null);
    }

    public int status() {
        return status;
    }

    public ObjectNode metadata() {
        return metadata;
    }
}
