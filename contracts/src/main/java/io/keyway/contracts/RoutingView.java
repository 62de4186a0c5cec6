package io.keyway.contracts;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What gateway-service needs to route one account's requests, served by key-service at
 * {@code GET /internal/v1/accounts/{accountId}/routing-view} (internal token; ETag = {@link #version}, so the
 * gateway revalidates with If-None-Match). The gateway caches it per account, filters locally (DESIGN.md §2)
 * and drops it on a {@link KeyChange}. Credentials are resolved from their secret store by key-service.
 *
 * <p>When a secret store cannot answer, the view is still served (a degraded view, not an outage): each credential
 * whose secret could not be read stays in {@link #byokKeys} or {@link #pooled} with its routing metadata and a null
 * credential, so that its flags (always use, byok only) still hold, and {@link #leftOut} names it and says why. Such
 * a view's version differs from the full view's, so the gateway gets the full view once the store answers again.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RoutingView(
        @JsonProperty("account_id") String accountId,
        /** Changes whenever anything below changes. */
        @JsonProperty("version") String version,
        /** byok_first (default) | order_first */
        @JsonProperty("byok_precedence") String byokPrecedence,
        @JsonProperty("ignored_providers") List<String> ignoredProviders,
        /** Enabled BYOK keys only, ordered by section (PRIORITIZED first) then position. */
        @JsonProperty("byok_keys") List<ByokKey> byokKeys,
        /** The platform's pooled credentials, per provider, in the operator's order. */
        @JsonProperty("pooled") List<PooledCredential> pooled,
        /** Credentials above whose secret could not be read (credential null), and why; empty when none. */
        @JsonProperty("left_out") List<LeftOut> leftOut,
        /** The operator's limit on the account's requests per interval; null (or absent) = none. */
        @JsonProperty("rate_limit") RateLimit rateLimit,
        /** The operator's limit on the account's requests in flight at once; null (or absent) = none. */
        @JsonProperty("max_concurrent_requests") Integer maxConcurrentRequests) {

    /** A view without account request limits. */
    public RoutingView(String accountId, String version, String byokPrecedence, List<String> ignoredProviders,
                       List<ByokKey> byokKeys, List<PooledCredential> pooled, List<LeftOut> leftOut) {
        this(accountId, version, byokPrecedence, ignoredProviders, byokKeys, pooled, leftOut, null, null);
    }

    /** A view with every credential's secret in it. */
    public RoutingView(String accountId, String version, String byokPrecedence, List<String> ignoredProviders,
                       List<ByokKey> byokKeys, List<PooledCredential> pooled) {
        this(accountId, version, byokPrecedence, ignoredProviders, byokKeys, pooled, List.of());
    }

    /** Why a credential of the view has no secret: its store could not answer (down, sealed, denied, timed out). */
    public static final String SECRET_STORE_UNAVAILABLE = "secret_store_unavailable";

    /**
     * A credential of the view that cannot be used now.
     *
     * @param kind {@link #BYOK_KEY} or {@link #POOLED_CREDENTIAL}
     * @param id   the BYOK key's or the pooled credential's id
     * @param reason why, e.g. {@link RoutingView#SECRET_STORE_UNAVAILABLE}
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record LeftOut(
            @JsonProperty("kind") String kind,
            @JsonProperty("id") String id,
            @JsonProperty("provider") String provider,
            @JsonProperty("reason") String reason) {

        public static final String BYOK_KEY = "byok_key";
        public static final String POOLED_CREDENTIAL = "pooled_credential";
    }

    /** Why the credential with this id was left out, or null when it was not (allocates nothing). */
    public String leftOutReason(String credentialId) {
        if (leftOut == null) {
            return null;
        }
        for (int i = 0, n = leftOut.size(); i < n; i++) {
            LeftOut l = leftOut.get(i);
            if (l.id().equals(credentialId)) {
                return l.reason();
            }
        }
        return null;
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ByokKey(
            @JsonProperty("id") String id,
            @JsonProperty("provider") String provider,
            /** PRIORITIZED | FALLBACK */
            @JsonProperty("section") String section,
            @JsonProperty("position") int position,
            @JsonProperty("always_use") boolean alwaysUse,
            /** null = every model */
            @JsonProperty("allowed_models") List<String> allowedModels,
            /** null = every API key of the account; API key ids (not hashes) */
            @JsonProperty("allowed_api_key_ids") List<String> allowedApiKeyIds,
            @JsonProperty("credential") Credential credential,
            /** OpenRouter's is_byok_only: the account never uses pooled capacity of this provider (absent = false). */
            @JsonProperty("byok_only") boolean byokOnly,
            /** The tenant's zero-data-retention declaration for the account behind the key; null inherits. */
            @JsonProperty("declared_zdr") Boolean declaredZdr,
            /** null = every end user; otherwise the request's {@code user} must be one of these. */
            @JsonProperty("allowed_user_ids") List<String> allowedUserIds) {

        /** A key without OpenRouter's later flags (not byok-only, no ZDR declaration, every user). */
        public ByokKey(String id, String provider, String section, int position, boolean alwaysUse,
                       List<String> allowedModels, List<String> allowedApiKeyIds, Credential credential) {
            this(id, provider, section, position, alwaysUse, allowedModels, allowedApiKeyIds, credential, false, null,
                    null);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PooledCredential(
            @JsonProperty("id") String id,
            @JsonProperty("provider") String provider,
            @JsonProperty("credential") Credential credential) {
    }

    /**
     * Secret material for one upstream call: the provider's token, or for Azure/Bedrock/Vertex the JSON document
     * DESIGN.md §3 describes, as a string. {@link #toString()} never prints it.
     */
    public record Credential(@JsonProperty("secret") String secret) {
        @Override
        public String toString() {
            return "Credential[****]";
        }
    }
}
