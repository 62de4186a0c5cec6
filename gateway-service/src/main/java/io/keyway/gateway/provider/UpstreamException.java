package io.keyway.gateway.provider;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/**
 * An upstream call that produced no usable HTTP answer: connect error, reset, timeout, or an answer larger than the
 * gateway reads ({@code TOO_LARGE}). Always retryable (DESIGN.md §2) — except {@code QUEUE_FULL}: the gateway's own
 * connection pool for the host had no connection and its wait queue was full, so nothing was sent (the gateway is
 * overloaded; the executor answers 503 at once).
 */
public class UpstreamException extends RuntimeException {

    public enum Kind { CONNECT, TIMEOUT, RESET, TOO_LARGE, QUEUE_FULL }

    private final Kind kind;

    public UpstreamException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Connect errors, timeouts and resets; the message never carries request data. */
    public static UpstreamException of(Throwable cause) {
        if (cause instanceof UpstreamException u) {
            return u;
        }
        if (cause instanceof ConnectionPoolTooBusyException) {
            return new UpstreamException(Kind.QUEUE_FULL, "connection pool wait queue full");
        }
        String type = cause.getClass().getSimpleName();
        if (cause instanceof ConnectException || type.contains("ConnectTimeout")) {
            return new UpstreamException(Kind.CONNECT, "connect failed (" + type + ")");
        }
        if (cause instanceof TimeoutException || type.contains("Timeout")) {
            return new UpstreamException(Kind.TIMEOUT, "timed out (" + type + ")");
        }
        return new UpstreamException(Kind.RESET, "connection failed (" + type + ")");
    }
}
