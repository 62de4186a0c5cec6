package io.keyway.keys.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

/** All of key-service's own settings, under {@code keyway.keys}. */
@ConfigMapping(prefix = "keyway.keys")
public interface KeyServiceConfig {

    /**
     * Bearer token operators use on {@code /admin/v1}. No default in production (key-service refuses to start without
     * it); set from a Kubernetes Secret.
     */
    Optional<String> adminToken();

    /** Each calling service's own bearer token on {@code /internal/v1}; its scopes are in {@code rest/Tokens}. */
    InternalTokens internalTokens();

    /** One token per caller, so that each is held to its scopes (billing may not read routing views). */
    interface InternalTokens {
        /** gateway-service's token (env {@code KEYWAY_GATEWAY_TOKEN}): routing views and API-key lookups. */
        Optional<String> gateway();

        /** billing-service's token (env {@code KEYWAY_BILLING_TOKEN}): API-key lookups only. */
        Optional<String> billing();
    }

    /** Largest request body accepted by the management API, in bytes. */
    @WithDefault("65536")
    int maxBodyBytes();

    /** Secret store of accounts created without {@code default_secret_store}: local, vault or aws. */
    @WithDefault("local")
    String defaultSecretStore();

    /**
     * How long a create's {@code Idempotency-Key} is remembered, and with it the plaintext key kept in a secret store
     * for a replay; afterwards the same key starts a new create, and a sweep deletes the record and the kept key.
     */
    @WithDefault("24h")
    java.time.Duration idempotencyRetention();

    /** How often the sweep of expired idempotency records runs. */
    @WithDefault("10m")
    java.time.Duration idempotencySweepInterval();

    /**
     * The catalog adapter of each provider slug, e.g. {@code keyway.keys.provider-adapters.azure-eu=azure}: a provider's
     * keys must have its adapter's format (DESIGN.md §3), and key-service does not read the gateway's catalog. Added to
     * {@code ProviderKeyFormats.WELL_KNOWN_ADAPTERS} (anthropic, azure, amazon-bedrock, google-vertex under their own
     * names); a slug named nowhere takes one opaque token.
     */
    Map<String, String> providerAdapters();
}
