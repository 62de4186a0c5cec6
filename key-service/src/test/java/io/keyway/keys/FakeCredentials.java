package io.keyway.keys;

import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.UUID;

/**
 * Provider credentials for tests, made up at run time and marked as fake: nothing credential-shaped is committed. They
 * have the shape key-service checks (ProviderKeyFormats), never a provider's real format or a real key.
 */
public final class FakeCredentials {

    private FakeCredentials() {
    }

    /** {@code <prefix>FAKE<32 hex>} plus {@code lastFour}, so a test can assert the hint. */
    public static String token(String prefix, String lastFour) {
        return prefix + "FAKE" + UUID.randomUUID().toString().replace("-", "") + lastFour;
    }

    /** A made-up provider API key, e.g. for requests that fail on another field. */
    public static String apiKey() {
        return token("fake-", "0000");
    }

    /** Bedrock's access-key form {accessKeyId, secretAccessKey, region}, the access key id ending in {@code lastFour}. */
    public static String bedrockAccessKeys(String secretAccessKey, String lastFour) {
        return "{\"accessKeyId\":\"" + token("ID", lastFour) + "\",\"secretAccessKey\":\"" + secretAccessKey
                + "\",\"region\":\"us-east-1\"}";
    }

    /**
     * The fields of a Vertex service-account JSON with a private key generated for this run (RSA, PKCS#8 PEM), without
     * the closing brace so tests can add or break fields.
     */
    public static String vertexServiceAccountFields(String privateKeyId) {
        return "{\"type\":\"service_account\",\"project_id\":\"p\",\"private_key_id\":\"" + privateKeyId + "\","
                + "\"private_key\":\"" + pem().replace("\n", "\\n") + "\","
                + "\"client_email\":\"svc@p.iam.gserviceaccount.com\"";
    }

    private static String pem() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(1024);
            byte[] pkcs8 = generator.generateKeyPair().getPrivate().getEncoded();
            String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8);
            String kind = "PRIVATE KEY"; // the PEM label ProviderKeyFormats looks for
            return "-----BEGIN " + kind + "-----\n" + body + "\n-----END " + kind + "-----\n";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
