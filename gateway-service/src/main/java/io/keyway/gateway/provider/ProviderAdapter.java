package io.keyway.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.RoutingView.Credential;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.ProviderSpec;

/**
 * Speaks one upstream API. The router never names a provider: the catalog says which adapter (by {@link #name()})
 * serves a provider and with which base URL. A new provider API is a new package implementing this interface.
 */
public interface ProviderAdapter {

    /** The catalog's {@code adapter} value this adapter serves, e.g. {@code openai-compatible}. */
    String name();

    /**
     * Sends one chat completion. {@code request} is the client's OpenAI-shaped body without Keyway's routing fields;
     * the adapter sets the upstream model id and its own auth. The call completes with the response head (status
     * known, body paused) or fails with {@link UpstreamException} for connect errors and timeouts.
     */
    UpstreamCall chatCompletion(ProviderSpec provider, ModelEndpoint endpoint, Credential credential,
                                         ObjectNode request, boolean stream);
}
