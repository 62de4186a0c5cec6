package io.keyway.gateway.provider;

import io.vertx.core.Future;

/**
 * One attempt in flight: {@link #answer()} completes with the {@link Answer} or fails (see
 * {@link ProviderAdapter#call}); {@link #cancel()} ends the exchange at any point before the answer is handed over
 * (the connection is reset and not reused).
 */
public record UpstreamCall(Future<Answer> answer, Runnable canceller) {

    public static UpstreamCall failed(Throwable failure) {
        return new UpstreamCall(Future.failedFuture(failure), () -> { });
    }

    public void cancel() {
        canceller.run();
    }
}
