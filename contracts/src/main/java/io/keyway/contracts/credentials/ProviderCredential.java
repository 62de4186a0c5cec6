package io.keyway.contracts.credentials;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A provider secret parsed into its parts: key-service checks a secret with {@link #parse} when it is created or
 * rotated, and the gateway parses each credential once per routing view. The rules of every format (DESIGN.md §3) are
 * stated here and in the four records, once. Every record prints {@code ****} for each secret part.
 */
public sealed interface ProviderCredential permits TokenCredential, AzureCredential, BedrockCredential, VertexCredential {

    /** The longest secret of any format, in characters (an Azure list of 100 deployments); each format has its own {@link CredentialFormat#maxLength()}. */
    int MAX_LENGTH = 51_200;

    /** The name of the secret itself in {@link CredentialFormatException#field()}: fields inside are {@code key.<name>}. */
    String ROOT = "key";

    /** Every secret string inside (tokens, api keys, secret access keys, private keys…), for scrubbing upstream error text and logs. */
    List<String> secretParts();

    /**
     * The URLs inside that a tenant chose (Azure's {@code endpoint_url}s, a Vertex key's {@code token_uri}), each under
     * the name of its field, for {@link TenantNetworks} to check; none for the other formats.
     */
    default Map<String, URI> tenantUrls() {
        return Map.of();
    }

    /**
     * Parses and checks a stored secret in the given format; errors name the field at fault ("key.endpoint_url must be
     * an https URL") and never quote the secret.
     */
    static ProviderCredential parse(CredentialFormat format, String secret) throws CredentialFormatException {
        Objects.requireNonNull(format, "format");
        if (secret == null || secret.isBlank()) {
            throw new CredentialFormatException(ROOT, "must not be empty");
        }
        if (secret.length() > format.maxLength()) {
            throw new CredentialFormatException(ROOT, "must be at most " + format.maxLength() + " characters");
        }
        return switch (format) {
            case TOKEN -> TokenCredential.parse(secret);
            case AZURE -> AzureCredential.parse(secret);
            case BEDROCK -> BedrockCredential.parse(secret);
            case VERTEX -> VertexCredential.parse(secret);
        };
    }
}
