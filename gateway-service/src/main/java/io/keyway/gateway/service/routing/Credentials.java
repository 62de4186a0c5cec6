package io.keyway.gateway.service.routing;

import io.keyway.contracts.credentials.ProviderCredential;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;

/** An account's credentials (BYOK keys and pooled), parsed for their providers' adapters once per routing view. */
public interface Credentials {

    /**
     * The credential with this id, parsed, when it can serve this model at this endpoint; null when it cannot (its
     * secret is not in its adapter's format, or, say, an Azure key has no deployment for the model). The router
     * leaves such a credential out of the plan: no call is made and no breaker is blamed.
     */
    ProviderCredential usable(String credentialId, CatalogModel model, ModelEndpoint endpoint);
}
