package io.keyway.gateway.provider;

/** An upstream call that produced no HTTP answer: connect error, reset, timeout. Always retryable (DESIGN.md §2). */
public class UpstreamException extends RuntimeException {

    public enum Kind { CONNECT, TIMEOUT, RESET }

    private final Kind kind;

    public UpstreamException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
