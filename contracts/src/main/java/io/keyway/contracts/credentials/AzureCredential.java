package io.keyway.contracts.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Azure OpenAI / Foundry deployments: a JSON object, or an array of 1 to {@link #MAX_DEPLOYMENTS} objects, each with
 * {@code model_slug}, {@code endpoint_url} (https, path ending in {@code /chat/completions}, an {@code api-version}
 * query parameter), {@code api_key} and {@code model_id}. A key serves only the catalog model slugs it lists.
 */
public record AzureCredential(List<Deployment> deployments) implements ProviderCredential {

    public static final int MAX_DEPLOYMENTS = 100;

    private static final Pattern API_VERSION = Pattern.compile("(^|&)api-version=[^&]+");
    private static final String EXPECTED = "an Azure JSON object or array of objects with model_slug, endpoint_url, api_key, model_id";

    /** One deployment: the catalog model it serves, its full chat-completions URL, its key and Azure's model name. */
    public record Deployment(String modelSlug, URI endpointUrl, String apiKey, String modelId) {

        public Deployment {
            Objects.requireNonNull(modelSlug, "modelSlug");
            Objects.requireNonNull(endpointUrl, "endpointUrl");
            Objects.requireNonNull(apiKey, "apiKey");
            Objects.requireNonNull(modelId, "modelId");
        }

        @Override
        public String toString() {
            return "Deployment[modelSlug=" + modelSlug + ", endpointUrl=" + endpointUrl + ", apiKey=****, modelId=" + modelId + "]";
        }
    }

    public AzureCredential {
        deployments = List.copyOf(deployments);
        if (deployments.isEmpty()) {
            throw new IllegalArgumentException("an Azure credential lists at least one deployment");
        }
    }

    /** The deployment serving this catalog model slug, if any (a key serves only the slugs it lists; the first listed wins). */
    public Optional<Deployment> forModel(String modelSlug) {
        return deployments.stream().filter(d -> d.modelSlug().equals(modelSlug)).findFirst();
    }

    @Override
    public List<String> secretParts() {
        return deployments.stream().map(Deployment::apiKey).distinct().toList();
    }

    @Override
    public Map<String, URI> tenantUrls() {
        Map<String, URI> urls = new LinkedHashMap<>();
        for (int i = 0; i < deployments.size(); i++) {
            String at = deployments.size() == 1 ? ProviderCredential.ROOT : ProviderCredential.ROOT + "[" + i + "]";
            urls.put(at + ".endpoint_url", deployments.get(i).endpointUrl());
        }
        return urls;
    }

    static AzureCredential parse(String secret) {
        JsonNode doc = SecretJson.read(secret, EXPECTED);
        List<Deployment> deployments = new ArrayList<>();
        if (doc.isObject()) {
            deployments.add(deployment(doc, ProviderCredential.ROOT));
        } else if (doc.isArray()) {
            if (doc.isEmpty()) {
                throw new CredentialFormatException(ProviderCredential.ROOT, "must list at least one Azure deployment");
            }
            if (doc.size() > MAX_DEPLOYMENTS) {
                throw new CredentialFormatException(ProviderCredential.ROOT, "must list at most " + MAX_DEPLOYMENTS + " Azure deployments");
            }
            for (int i = 0; i < doc.size(); i++) {
                String at = ProviderCredential.ROOT + "[" + i + "]";
                if (!doc.get(i).isObject()) {
                    throw new CredentialFormatException(at, "must be an object");
                }
                deployments.add(deployment(doc.get(i), at));
            }
        } else {
            throw new CredentialFormatException(ProviderCredential.ROOT, "must be an Azure JSON object or array of objects");
        }
        return new AzureCredential(deployments);
    }

    private static Deployment deployment(JsonNode d, String at) {
        String modelSlug = SecretJson.requiredText(d, "model_slug", at);
        String apiKey = SecretJson.requiredText(d, "api_key", at);
        TokenCredential.checkToken(apiKey, at + ".api_key");
        String modelId = SecretJson.requiredText(d, "model_id", at);
        String field = at + ".endpoint_url";
        URI url = SecretJson.httpsUrl(SecretJson.requiredText(d, "endpoint_url", at), field);
        if (url.getPath() == null || !url.getPath().endsWith("/chat/completions")) {
            throw new CredentialFormatException(field, "must end with /chat/completions");
        }
        if (url.getRawQuery() == null || !API_VERSION.matcher(url.getRawQuery()).find()) {
            throw new CredentialFormatException(field, "must carry an api-version query parameter");
        }
        return new Deployment(modelSlug, url, apiKey, modelId);
    }
}
