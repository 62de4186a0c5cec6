package io.keyway.gateway.provider;

import io.keyway.contracts.credentials.CredentialFormat;
import io.keyway.contracts.credentials.ProviderCredential;
import io.keyway.gateway.model.CatalogModel;
import io.keyway.gateway.model.ProviderSpec;

/**
 * Speaks one upstream API, in both directions: turns Keyway's request into the provider's call, and the provider's
 * answer (JSON, or a stream in its own framing) into Keyway's normalized answer ({@link Completion}, {@link Chunk}s,
 * {@link Usage}, the finish reason), deciding when a streamed answer has begun and how each failure is classified
 * ({@link UpstreamError}, {@link UpstreamException}). The router, the executor and the response writers never see a
 * provider's bytes. The catalog's {@code adapter} names the adapter of each provider; a new provider API is a new
 * package implementing this interface.
 */
public interface ProviderAdapter {

    /** The catalog's {@code adapter} value this adapter serves, e.g. {@code openai-compatible}. */
    String name();

    /** The credential format its keys have (checked by key-service, parsed once per routing view by the gateway). */
    default CredentialFormat credentialFormat() {
        return CredentialFormat.ofAdapter(name());
    }

    /**
     * Checks a catalog provider this adapter is to serve (at start); returns what is wrong, or null. By default a
     * provider needs a {@code base_url}.
     */
    default String check(ProviderSpec provider) {
        return provider.baseUrl() == null ? "needs a base_url" : null;
    }

    /**
     * Whether this credential can serve this model at all (an Azure key serves only the models it has deployments
     * for); the router leaves out a credential that cannot, so no call is made and no breaker is blamed.
     */
    default boolean serves(ProviderCredential credential, CatalogModel model) {
        return true;
    }

    /**
     * Whether its calls go to a host the credential names (an Azure key's deployments) rather than the catalog's: that
     * host's failures are then the credential's own, never the catalog endpoint's (one tenant's dead resource must not
     * close the endpoint to every tenant).
     */
    default boolean hostFromCredential() {
        return false;
    }

    /**
     * Starts one attempt. The call completes with the {@link Answer} — whole, or for streams once it has begun — or
     * fails with an {@link UpstreamError} (the provider answered with a failure) or an {@link UpstreamException} (no
     * answer: connect error, reset, timeout).
     */
    UpstreamCall call(UpstreamRequest request);
}
