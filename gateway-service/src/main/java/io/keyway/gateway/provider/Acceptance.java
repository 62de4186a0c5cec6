package io.keyway.gateway.provider;

/**
 * Whether the upstream has accepted an attempt's request: the request was written to it in full. A timeout after that
 * abandons an attempt the provider may be generating, and billing, all the same — which decides whether the next
 * credential is tried (CompletionExecutor) and what the usage event records. Set on the connection's event loop, read
 * on the request's.
 */
public final class Acceptance {

    private volatile boolean accepted;

    /** The request's last byte was written to the upstream. */
    public void accepted() {
        accepted = true;
    }

    public boolean isAccepted() {
        return accepted;
    }
}
