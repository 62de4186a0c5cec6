package io.keyway.gateway.service.routing;

import io.keyway.contracts.credentials.ProviderCredential;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ModelEndpoint;

/**
 * One upstream call the router plans: a model's endpoint at one provider with one credential.
 *
 * @param credentialId the BYOK key id or the pooled credential id (breakers are kept per credential)
 * @param alwaysUse the credential is a BYOK key marked "Always use for this provider"
 * @param endsAlwaysUseGroup this is the last phase-1 attempt of a provider that has an always-use key: when it fails,
 *                           the always-use key's failure is returned as-is and routing stops
 * @param leftOutReason null, or why the credential cannot be used now although the rules pick it (key-service left
 *                      its secret out of the routing view: {@code secret_store_unavailable}); such an attempt is not
 *                      called, it is recorded as skipped and counts as failed
 */
public record Attempt(
        CatalogModel model,
        ModelEndpoint endpoint,
        CredentialKind kind,
        String credentialId,
        ProviderCredential credential,
        boolean alwaysUse,
        boolean endsAlwaysUseGroup,
        String leftOutReason) {

    /** A usable credential's attempt. */
    public Attempt(CatalogModel model, ModelEndpoint endpoint, CredentialKind kind, String credentialId,
                   ProviderCredential credential, boolean alwaysUse, boolean endsAlwaysUseGroup) {
        this(model, endpoint, kind, credentialId, credential, alwaysUse, endsAlwaysUseGroup, null);
    }

    public String provider() {
        return endpoint.provider();
    }

    public boolean byok() {
        return kind.isByok();
    }

    @Override
    public String toString() {
        return "Attempt[" + model.id() + " @ " + endpoint.provider() + ", " + kind.wireName() + " " + credentialId + "]";
    }
}
