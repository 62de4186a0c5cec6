package io.keyway.keys.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyway.contracts.credentials.AzureCredential;
import io.keyway.contracts.credentials.BedrockCredential;
import io.keyway.contracts.credentials.CredentialFormat;
import io.keyway.contracts.credentials.CredentialFormatException;
import io.keyway.contracts.credentials.ProviderCredential;
import io.keyway.contracts.credentials.TenantNetworks;
import io.keyway.contracts.credentials.TokenCredential;
import io.keyway.contracts.credentials.VertexCredential;
import io.keyway.keys.config.KeyServiceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Checks a BYOK key or pooled credential when it is created or rotated, by the rules of DESIGN.md §3 that
 * {@link ProviderCredential#parse} states for every service. The format follows the provider's adapter, not its slug:
 * key-service has no catalog, so {@code keyway.keys.provider-adapters} names the adapter of each provider slug that
 * needs one ({@link #WELL_KNOWN_ADAPTERS} unless configured otherwise; any other slug takes one opaque token). Errors
 * are 400s naming the field at fault and never echo the secret. A URL the tenant chose (Azure's {@code endpoint_url},
 * Vertex's {@code token_uri}) may not name an internal address ({@link TenantNetworks}) unless the operator allows its
 * range in {@code keyway.tenant-urls.allowed-networks}.
 */
@ApplicationScoped
public class ProviderKeyFormats {

    public static final String AZURE = "azure";
    public static final String BEDROCK = "amazon-bedrock";
    public static final String VERTEX = "google-vertex";

    /** The catalog's own providers, each with its adapter; configured entries add to these or replace them. */
    public static final Map<String, String> WELL_KNOWN_ADAPTERS = Map.of(
            "anthropic", "anthropic", AZURE, "azure", BEDROCK, "amazon-bedrock", VERTEX, "google-vertex");

    static final Pattern PROVIDER_SLUG = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,63}$");
    /** What a request's {@code key} field may hold before its format is known: the longest format's limit. */
    static final int MAX_KEY_LENGTH = ProviderCredential.MAX_LENGTH;

    /** The checked secret (normalised where the format has defaults) and its last-four hint and masked label. */
    public record CheckedKey(String secret, String hint, String label) {
        @Override
        public String toString() {
            return "CheckedKey[secret=****, hint=" + hint + "]";
        }
    }

    private final ObjectMapper json;
    private final Map<String, String> adapters;
    private final TenantNetworks networks;

    @Inject
    public ProviderKeyFormats(ObjectMapper json, KeyServiceConfig config,
                              @ConfigProperty(name = "keyway.tenant-urls.allowed-networks")
                              Optional<List<String>> allowedNetworks) {
        this(json, config.providerAdapters(), TenantNetworks.allowing(allowedNetworks.orElse(List.of())));
    }

    /** {@code configuredAdapters}: provider slug → catalog adapter, over {@link #WELL_KNOWN_ADAPTERS}. */
    public ProviderKeyFormats(ObjectMapper json, Map<String, String> configuredAdapters, TenantNetworks networks) {
        this.json = json;
        Map<String, String> merged = new HashMap<>(WELL_KNOWN_ADAPTERS);
        merged.putAll(configuredAdapters);
        this.adapters = Map.copyOf(merged);
        this.networks = networks;
    }

    /** {@code configuredAdapters}: provider slug → catalog adapter; tenant URLs to public addresses only. */
    public ProviderKeyFormats(ObjectMapper json, Map<String, String> configuredAdapters) {
        this(json, configuredAdapters, TenantNetworks.PUBLIC_ONLY);
    }

    /** With the well-known adapters only. */
    public ProviderKeyFormats(ObjectMapper json) {
        this(json, Map.of());
    }

    public static String checkProviderSlug(String provider, String field) {
        if (!PROVIDER_SLUG.matcher(provider).matches()) {
            throw ApiException.badRequest("field '" + field + "' must be a provider slug such as 'openai' or 'amazon-bedrock'"
                    + " (lowercase letters, digits, '.', '_', '-')");
        }
        return provider;
    }

    /** The format a key of this provider must have. */
    public CredentialFormat formatOf(String provider) {
        return CredentialFormat.ofAdapter(adapters.get(provider));
    }

    public CheckedKey check(String provider, String key) {
        ProviderCredential credential;
        try {
            credential = ProviderCredential.parse(formatOf(provider), key);
        } catch (CredentialFormatException e) {
            throw ApiException.badRequest("field '" + e.field() + "' " + e.problem());
        }
        for (Map.Entry<String, URI> url : credential.tenantUrls().entrySet()) {
            String refusal = networks.refusalWithoutLookup(url.getValue());
            if (refusal != null) {
                throw ApiException.badRequest("field '" + url.getKey() + "' " + refusal);
            }
        }
        if (credential instanceof TokenCredential token) {
            return tokenKey(token.token());
        }
        if (credential instanceof AzureCredential azure) {
            String hint = lastFour(azure.deployments().get(0).apiKey());
            return new CheckedKey(key, hint, "azure..." + hint);
        }
        if (credential instanceof BedrockCredential bedrock) {
            if (bedrock.isApiKey()) {
                return tokenKey(bedrock.apiKey());
            }
            String hint = lastFour(bedrock.accessKeyId());
            return new CheckedKey(key, hint, "bedrock..." + hint);
        }
        VertexCredential vertex = (VertexCredential) credential;
        String hint = lastFour(vertex.privateKeyId() != null ? vertex.privateKeyId() : vertex.clientEmail());
        return new CheckedKey(withRegion(key), hint, "vertex..." + hint);
    }

    private static CheckedKey tokenKey(String key) {
        String hint = lastFour(key);
        String label = (key.length() >= 12 ? key.substring(0, 3) : "") + "..." + hint;
        return new CheckedKey(key, hint, label);
    }

    /**
     * The service-account document with its region: absent, it is stored as the default, so that a reader of the stored
     * key other than {@link VertexCredential} need not know the default.
     */
    private String withRegion(String key) {
        try {
            ObjectNode doc = (ObjectNode) json.readTree(key);
            if (doc.hasNonNull("region")) {
                return key;
            }
            doc.put("region", VertexCredential.DEFAULT_REGION);
            return json.writeValueAsString(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the service-account document");
        }
    }

    static String lastFour(String s) {
        return s.length() <= 4 ? "****" : s.substring(s.length() - 4);
    }
}
