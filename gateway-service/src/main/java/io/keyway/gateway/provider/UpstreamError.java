package io.keyway.gateway.provider;

import java.util.Set;

/**
 * An upstream answer that is not a success, classified by the adapter that read it (DESIGN.md §2): a request error
 * (400, 413, 422: the request itself is bad, returned at once) or retryable; and whether it says something about the
 * credential (invalid, out of credit, rate limited: that key's breaker) or about the endpoint. {@code raw} is the
 * provider's own error text, scrubbed of the credential by the executor.
 */
public final class UpstreamError extends RuntimeException {

    public enum Blame { CREDENTIAL, ENDPOINT }

    private static final Set<Integer> REQUEST_ERRORS = Set.of(400, 413, 422);

    private final int status;
    private final String raw;
    private final boolean requestError;
    private final Blame blame;

    public UpstreamError(int status, String raw, boolean requestError, Blame blame) {
        super("upstream status " + status, null, false, false);
        this.status = status;
        this.raw = raw;
        this.requestError = requestError;
        this.blame = blame;
    }

    /**
     * DESIGN.md §2 by HTTP status alone: 400/413/422 are request errors; everything else is retryable; 401/402/403/429
     * blame the credential, the rest the endpoint.
     */
    public static UpstreamError ofStatus(int status, String raw) {
        boolean credential = status == 401 || status == 402 || status == 403 || status == 429;
        return new UpstreamError(status, raw, REQUEST_ERRORS.contains(status),
                credential ? Blame.CREDENTIAL : Blame.ENDPOINT);
    }

    public int status() {
        return status;
    }

    public String raw() {
        return raw;
    }

    public boolean requestError() {
        return requestError;
    }

    public Blame blame() {
        return blame;
    }
}
