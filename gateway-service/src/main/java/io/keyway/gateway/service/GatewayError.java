package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An answer to the client in OpenRouter's error envelope: HTTP status, a message naming the problem, and metadata.
 * Carries no stack trace; messages never contain secrets.
 */
public class GatewayError extends RuntimeException {

    private final int status;
    private final transient ObjectNode metadata;
    /** Seconds for a {@code Retry-After} header (429 limits, 503 overload), or 0 for none. */
    private final long retryAfterSeconds;

    public GatewayError(int status, String message, ObjectNode metadata) {
        this(status, message, metadata, 0);
    }

    public GatewayError(int status, String message, ObjectNode metadata, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.metadata = metadata;
        this.retryAfterSeconds = retryAfterSeconds;
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

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
