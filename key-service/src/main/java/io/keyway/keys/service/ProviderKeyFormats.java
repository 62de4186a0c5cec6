package io.keyway.keys.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * The provider key formats DESIGN.md §3 checks when a BYOK key or pooled credential is created or rotated:
 * Azure (JSON object or array of per-deployment objects), Amazon Bedrock (API key string or JSON access keys),
 * Google Vertex (service-account JSON, optional region defaulting to "global"), every other provider one opaque
 * token. Errors name the field at fault and never echo the secret.
 */
@ApplicationScoped
public class ProviderKeyFormats {

    public static final String AZURE = "azure";
    public static final String BEDROCK = "amazon-bedrock";
    public static final String VERTEX = "google-vertex";

    static final Pattern PROVIDER_SLUG = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,63}$");
    static final Pattern AWS_REGION = Pattern.compile("^[a-z]{2}(-[a-z]+)+-\\d+$");
    static final int MAX_KEY_LENGTH = 16_384;

    /** The checked secret (normalised where the format has defaults) and its last-four hint and masked label. */
    public record CheckedKey(String secret, String hint, String label) {
        @Override
        public String toString() {
            return "CheckedKey[secret=****, hint=" + hint + "]";
        }
    }

    private final ObjectMapper json;

    public ProviderKeyFormats(ObjectMapper json) {
        this.json = json;
    }

    public static String checkProviderSlug(String provider, String field) {
        if (!PROVIDER_SLUG.matcher(provider).matches()) {
            throw ApiException.badRequest("field '" + field + "' must be a provider slug such as 'openai' or 'amazon-bedrock'"
                    + " (lowercase letters, digits, '.', '_', '-')");
        }
        return provider;
    }

    public CheckedKey check(String provider, String key) {
        if (key.length() > MAX_KEY_LENGTH) {
            throw ApiException.badRequest("field 'key' must be at most " + MAX_KEY_LENGTH + " characters");
        }
        return switch (provider) {
            case AZURE -> azure(key);
            case BEDROCK -> key.strip().startsWith("{") ? bedrockAccessKeys(key) : token(key);
            case VERTEX -> vertex(key);
            default -> token(key);
        };
    }

    private CheckedKey token(String key) {
        if (key.isBlank()) {
            throw ApiException.badRequest("field 'key' must not be empty");
        }
        for (int i = 0; i < key.length(); i++) {
            if (Character.isWhitespace(key.charAt(i)) || Character.isISOControl(key.charAt(i))) {
                throw ApiException.badRequest("field 'key' must be a single token without whitespace");
            }
        }
        String hint = lastFour(key);
        String label = (key.length() >= 12 ? key.substring(0, 3) : "") + "..." + hint;
        return new CheckedKey(key, hint, label);
    }

    private CheckedKey azure(String key) {
        JsonNode doc = parse(key, "an Azure JSON object or array of objects with model_slug, endpoint_url, api_key, model_id");
        if (doc.isObject()) {
            checkAzureDeployment(doc, "key");
        } else if (doc.isArray()) {
            if (doc.isEmpty()) {
                throw ApiException.badRequest("field 'key' must list at least one Azure deployment");
            }
            if (doc.size() > 100) {
                throw ApiException.badRequest("field 'key' must list at most 100 Azure deployments");
            }
            for (int i = 0; i < doc.size(); i++) {
                if (!doc.get(i).isObject()) {
                    throw ApiException.badRequest("field 'key[" + i + "]' must be an object");
                }
                checkAzureDeployment(doc.get(i), "key[" + i + "]");
            }
        } else {
            throw ApiException.badRequest("field 'key' must be an Azure JSON object or array of objects");
        }
        JsonNode first = doc.isArray() ? doc.get(0) : doc;
        String hint = lastFour(first.get("api_key").textValue());
        return new CheckedKey(key, hint, "azure..." + hint);
    }

    private void checkAzureDeployment(JsonNode d, String at) {
        requiredText(d, "model_slug", at);
        requiredText(d, "api_key", at);
        requiredText(d, "model_id", at);
        String url = requiredText(d, "endpoint_url", at);
        String field = at + ".endpoint_url";
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw ApiException.badRequest("field '" + field + "' must be a URL");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw ApiException.badRequest("field '" + field + "' must be an https URL");
        }
        if (uri.getPath() == null || !uri.getPath().endsWith("/chat/completions")) {
            throw ApiException.badRequest("field '" + field + "' must end with /chat/completions");
        }
        String query = uri.getQuery();
        if (query == null || !Pattern.compile("(^|&)api-version=[^&]+").matcher(query).find()) {
            throw ApiException.badRequest("field '" + field + "' must carry an api-version query parameter");
        }
    }

    private CheckedKey bedrockAccessKeys(String key) {
        JsonNode doc = parse(key, "a Bedrock API key or a JSON object {accessKeyId, secretAccessKey, region}");
        if (!doc.isObject()) {
            throw ApiException.badRequest("field 'key' must be a Bedrock API key or a JSON object {accessKeyId, secretAccessKey, region}");
        }
        String accessKeyId = requiredText(doc, "accessKeyId", "key");
        requiredText(doc, "secretAccessKey", "key");
        String region = requiredText(doc, "region", "key");
        if (!AWS_REGION.matcher(region).matches()) {
            throw ApiException.badRequest("field 'key.region' must be an AWS region such as us-east-1");
        }
        String hint = lastFour(accessKeyId);
        return new CheckedKey(key, hint, "bedrock..." + hint);
    }

    private CheckedKey vertex(String key) {
        JsonNode doc = parse(key, "a Google service-account JSON object");
        if (!doc.isObject()) {
            throw ApiException.badRequest("field 'key' must be a Google service-account JSON object");
        }
        String type = requiredText(doc, "type", "key");
        if (!"service_account".equals(type)) {
            throw ApiException.badRequest("field 'key.type' must be \"service_account\"");
        }
        requiredText(doc, "project_id", "key");
        String privateKey = requiredText(doc, "private_key", "key");
        if (!privateKey.contains("PRIVATE KEY")) {
            throw ApiException.badRequest("field 'key.private_key' must be a PEM private key");
        }
        String email = requiredText(doc, "client_email", "key");
        if (!email.contains("@")) {
            throw ApiException.badRequest("field 'key.client_email' must be an e-mail address");
        }
        String secret = key;
        if (!doc.has("region")) {
            // DESIGN.md §3: region is optional and defaults to "global"; store the default so the gateway need not know it.
            ((ObjectNode) doc).put("region", "global");
            try {
                secret = json.writeValueAsString(doc);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("could not write the service-account document");
            }
        } else {
            requiredText(doc, "region", "key");
        }
        JsonNode keyId = doc.get("private_key_id");
        String hint = lastFour(keyId != null && keyId.isTextual() && !keyId.textValue().isBlank() ? keyId.textValue() : email);
        return new CheckedKey(secret, hint, "vertex..." + hint);
    }

    private JsonNode parse(String key, String expected) {
        try {
            JsonNode doc = json.readTree(key);
            if (doc == null) {
                throw ApiException.badRequest("field 'key' must be " + expected);
            }
            return doc;
        } catch (JsonProcessingException e) {
            // The parser's message may quote the secret: never pass it on.
            throw ApiException.badRequest("field 'key' must be " + expected + " (the JSON could not be parsed)");
        }
    }

    private static String requiredText(JsonNode obj, String name, String at) {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) {
            throw ApiException.badRequest("field '" + at + "." + name + "' is required");
        }
        if (!v.isTextual() || v.textValue().isBlank()) {
            throw ApiException.badRequest("field '" + at + "." + name + "' must be a non-empty string");
        }
        return v.textValue();
    }

    static String lastFour(String s) {
        return s.length() <= 4 ? "****" : s.substring(s.length() - 4);
    }
}
