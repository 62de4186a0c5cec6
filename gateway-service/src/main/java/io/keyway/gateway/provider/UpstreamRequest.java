package io.keyway.gateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.credentials.ProviderCredential;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;
import io.keyway.gateway.model.ProviderSpec;

/**
 * One attempt as an adapter sees it. {@code body} is the client's OpenAI-shaped request without Keyway's routing
 * fields; it is shared by every attempt of the request, so an adapter never changes it (it writes its own upstream
 * body from it). {@code acceptance} is set once the request was written in full ({@link UpstreamHttp#send}).
 */
public record UpstreamRequest(ProviderSpec provider, CatalogModel model, ModelEndpoint endpoint,
                              ProviderCredential credential, ObjectNode body, boolean stream, Acceptance acceptance) {

    public UpstreamRequest(ProviderSpec provider, CatalogModel model, ModelEndpoint endpoint,
                           ProviderCredential credential, ObjectNode body, boolean stream) {
        this(provider, model, endpoint, credential, body, stream, new Acceptance());
    }
}
