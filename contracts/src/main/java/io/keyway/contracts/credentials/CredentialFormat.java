package io.keyway.contracts.credentials;

/**
 * The shape a provider's stored secret must have (DESIGN.md §3). It follows the catalog provider's {@code adapter},
 * never its slug: an operator may call an Azure provider {@code azure-eu}.
 */
public enum CredentialFormat {
    /** One opaque token: OpenAI-compatible providers, Anthropic and every adapter without a format of its own. */
    TOKEN(16_384),
    /** A JSON object or array of up to 100 Azure deployments, each up to 512 characters. */
    AZURE(AzureCredential.MAX_DEPLOYMENTS * 512),
    /** A Bedrock API key, or JSON SigV4 access keys with a region. */
    BEDROCK(16_384),
    /** A Google service-account JSON document (about 2,400 characters) with an optional region. */
    VERTEX(16_384);

    private final int maxLength;

    CredentialFormat(int maxLength) {
        this.maxLength = maxLength;
    }

    /** The longest secret of this format, in characters. */
    public int maxLength() {
        return maxLength;
    }

    /**
     * The format a catalog adapter takes: "azure" → AZURE, "amazon-bedrock" → BEDROCK, "google-vertex" → VERTEX,
     * anything else (openai-compatible, anthropic, …, or null) → TOKEN.
     */
    public static CredentialFormat ofAdapter(String adapter) {
        if (adapter == null) {
            return TOKEN;
        }
        return switch (adapter) {
            case "azure" -> AZURE;
            case "amazon-bedrock" -> BEDROCK;
            case "google-vertex" -> VERTEX;
            default -> TOKEN;
        };
    }
}
