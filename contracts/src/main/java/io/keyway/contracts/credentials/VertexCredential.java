package io.keyway.contracts.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google Vertex AI: a service-account JSON document ({@code type} = {@code service_account}, {@code project_id},
 * {@code private_key} as a PKCS#8 RSA PEM, {@code client_email}, optional {@code private_key_id} and {@code token_uri})
 * with an optional {@code region} ({@value #DEFAULT_REGION} when absent). {@code serviceAccountJson} is the whole
 * document as stored, for google-auth-library; the other fields are read from it.
 */
public record VertexCredential(String projectId, String clientEmail, String privateKeyId, String tokenUri, String region,
                               String serviceAccountJson) implements ProviderCredential {

    public static final String DEFAULT_REGION = "global";
    public static final String DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";

    /** The region and project become part of the endpoint's host name and path: letters, digits and '-' (':' '.' for domain-scoped projects). */
    static final Pattern REGION = Pattern.compile("^[a-z][a-z0-9-]{0,62}$");
    static final Pattern PROJECT_ID = Pattern.compile("^[a-z0-9][a-z0-9.:-]{0,127}$");
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----\\s*");

    public VertexCredential {
        Objects.requireNonNull(projectId, "projectId");
        Objects.requireNonNull(clientEmail, "clientEmail");
        Objects.requireNonNull(tokenUri, "tokenUri");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(serviceAccountJson, "serviceAccountJson");
    }

    /** The PEM private key inside {@link #serviceAccountJson()}. */
    public String privateKey() {
        return SecretJson.text(SecretJson.readChecked(serviceAccountJson), "private_key");
    }

    @Override
    public List<String> secretParts() {
        String privateKey = privateKey();
        return privateKey == null ? List.of(serviceAccountJson) : List.of(privateKey, serviceAccountJson);
    }

    @Override
    public Map<String, URI> tenantUrls() {
        return Map.of(ProviderCredential.ROOT + ".token_uri", URI.create(tokenUri));
    }

    @Override
    public String toString() {
        return "VertexCredential[projectId=" + projectId + ", clientEmail=" + clientEmail + ", privateKeyId=" + privateKeyId
                + ", tokenUri=" + tokenUri + ", region=" + region + ", serviceAccountJson=****]";
    }

    static VertexCredential parse(String secret) {
        String expected = "a Google service-account JSON object";
        JsonNode doc = SecretJson.read(secret, expected);
        if (!doc.isObject()) {
            throw new CredentialFormatException(ProviderCredential.ROOT, "must be " + expected);
        }
        String at = ProviderCredential.ROOT;
        if (!"service_account".equals(SecretJson.requiredText(doc, "type", at))) {
            throw new CredentialFormatException(at + ".type", "must be \"service_account\"");
        }
        String projectId = SecretJson.requiredText(doc, "project_id", at);
        if (!PROJECT_ID.matcher(projectId).matches()) {
            throw new CredentialFormatException(at + ".project_id", "must be a Google Cloud project id");
        }
        checkPrivateKey(SecretJson.requiredText(doc, "private_key", at), at + ".private_key");
        String clientEmail = SecretJson.requiredText(doc, "client_email", at);
        if (clientEmail.indexOf('@') < 1 || clientEmail.indexOf('@') == clientEmail.length() - 1) {
            throw new CredentialFormatException(at + ".client_email", "must be an e-mail address");
        }
        String privateKeyId = SecretJson.optionalText(doc, "private_key_id", at);
        String tokenUri = SecretJson.optionalText(doc, "token_uri", at);
        if (tokenUri == null) {
            tokenUri = DEFAULT_TOKEN_URI;
        } else {
            SecretJson.httpsUrl(tokenUri, at + ".token_uri");
        }
        String region = SecretJson.optionalText(doc, "region", at);
        if (region == null) {
            region = DEFAULT_REGION;
        } else if (!REGION.matcher(region).matches()) {
            throw new CredentialFormatException(at + ".region", "must be a Google Cloud region such as us-central1, or global");
        }
        return new VertexCredential(projectId, clientEmail, privateKeyId, tokenUri, region, secret);
    }

    /** google-auth-library reads only PKCS#8 RSA keys: refuse at creation what it would refuse at the first request. */
    private static void checkPrivateKey(String pem, String field) {
        Matcher m = PEM.matcher(pem.strip() + "\n");
        if (!m.matches()) {
            throw new CredentialFormatException(field, "must be a PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(m.group(1));
            KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            // The exception's text may describe the key's bytes: only the verdict goes on.
            throw new CredentialFormatException(field, "must be a PKCS#8 RSA private key");
        }
    }
}
