package io.keyway.gateway.provider;

import io.vertx.core.Future;

/**
 * One upstream exchange in flight: {@link #response()} completes with the response head (status known, body paused)
 * or fails with an {@link UpstreamException}; {@link #cancel()} ends the exchange at any point (the connection is
 * reset and not reused).
 */
public record UpstreamCall(Future<UpstreamResponse> response, Runnable canceller) {

    public void cancel() {
        canceller.run();
    }
}
