package io.keyway.contracts.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Amazon Bedrock: either a Bedrock API key (one token, sent as a bearer; the key is bound to the region it was made
 * in, so {@code region} is null) or SigV4 access keys given as JSON {@code {accessKeyId, secretAccessKey, region[,
 * sessionToken]}} with a valid AWS region. The access key id counts as secret here: it names the AWS account.
 */
public record BedrockCredential(String apiKey, String accessKeyId, String secretAccessKey, String sessionToken, String region)
        implements ProviderCredential {

    /** us-east-1, eu-central-2, us-gov-west-1, ap-southeast-5, …: it becomes part of a host name, so nothing else. */
    static final Pattern AWS_REGION = Pattern.compile("^[a-z]{2}(-[a-z]+)+-\\d+$");

    private static final String EXPECTED = "a Bedrock API key or a JSON object {accessKeyId, secretAccessKey, region}";

    public BedrockCredential {
        if (apiKey != null ? accessKeyId != null || secretAccessKey != null || sessionToken != null
                : accessKeyId == null || secretAccessKey == null || region == null) {
            throw new IllegalArgumentException("a Bedrock credential is an API key, or access keys with a region");
        }
    }

    /** A Bedrock API key, region-bound where it was made. */
    public static BedrockCredential ofApiKey(String apiKey) {
        return new BedrockCredential(apiKey, null, null, null, null);
    }

    /** SigV4 access keys; {@code sessionToken} may be null. */
    public static BedrockCredential ofAccessKeys(String accessKeyId, String secretAccessKey, String sessionToken, String region) {
        return new BedrockCredential(null, accessKeyId, secretAccessKey, sessionToken, region);
    }

    /** apiKey != null: a Bedrock API key (bearer); else SigV4 access keys (region required); sessionToken optional. */
    public boolean isApiKey() {
        return apiKey != null;
    }

    @Override
    public List<String> secretParts() {
        List<String> parts = new ArrayList<>(3);
        for (String part : new String[] {apiKey, accessKeyId, secretAccessKey, sessionToken}) {
            if (part != null) {
                parts.add(part);
            }
        }
        return List.copyOf(parts);
    }

    @Override
    public String toString() {
        return isApiKey() ? "BedrockCredential[apiKey=****]"
                : "BedrockCredential[accessKeyId=****, secretAccessKey=****, sessionToken=" + (sessionToken == null ? "null" : "****")
                + ", region=" + region + "]";
    }

    static BedrockCredential parse(String secret) {
        if (!secret.strip().startsWith("{")) {
            return ofApiKey(TokenCredential.checkToken(secret, ProviderCredential.ROOT));
        }
        JsonNode doc = SecretJson.read(secret, EXPECTED);
        if (!doc.isObject()) {
            throw new CredentialFormatException(ProviderCredential.ROOT, "must be " + EXPECTED);
        }
        String at = ProviderCredential.ROOT;
        String accessKeyId = TokenCredential.checkToken(SecretJson.requiredText(doc, "accessKeyId", at), at + ".accessKeyId");
        String secretAccessKey = TokenCredential.checkToken(SecretJson.requiredText(doc, "secretAccessKey", at), at + ".secretAccessKey");
        String region = SecretJson.requiredText(doc, "region", at);
        if (!AWS_REGION.matcher(region).matches()) {
            throw new CredentialFormatException(at + ".region", "must be an AWS region such as us-east-1");
        }
        String sessionToken = SecretJson.optionalText(doc, "sessionToken", at);
        if (sessionToken != null) {
            TokenCredential.checkToken(sessionToken, at + ".sessionToken");
        }
        return ofAccessKeys(accessKeyId, secretAccessKey, sessionToken, region);
    }
}
