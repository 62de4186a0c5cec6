package io.keyway.gateway.provider;

import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;

/**
 * An upstream answer whose head has arrived and whose body is still paused: the executor reads it whole
 * (non-streaming, errors) or relays it chunk by chunk (streaming). {@link #abort()} resets the upstream exchange.
 */
public record UpstreamResponse(HttpClientRequest request, HttpClientResponse response) {

    public int status() {
        return response.statusCode();
    }

    public void abort() {
        request.reset();
    }
}
