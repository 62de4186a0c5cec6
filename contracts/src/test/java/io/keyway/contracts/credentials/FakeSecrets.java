package io.keyway.contracts.credentials;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.UUID;

/**
 * Made-up secrets for these tests, generated at run time and marked FAKE (nothing credential-shaped is committed), and
 * the check every rejection must pass: the message names the field and never quotes the secret.
 */
final class FakeSecrets {

    private FakeSecrets() {
    }

    static String token(String prefix) {
        return prefix + "FAKE" + UUID.randomUUID().toString().replace("-", "");
    }

    /** A PKCS#8 RSA private key generated for this run, as PEM. */
    static String pem() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(1024);
            String body = Base64.getMimeEncoder(64, new byte[] {'\n'})
                    .encodeToString(generator.generateKeyPair().getPrivate().getEncoded());
            String label = "PRIVATE KEY";
            return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parsing {@code secret} fails; returns the failure after checking it quotes neither the secret nor {@code parts}. */
    static CredentialFormatException rejected(CredentialFormat format, String secret, String... parts) {
        var e = assertThrows(CredentialFormatException.class, () -> ProviderCredential.parse(format, secret));
        assertFalse(e.getMessage().contains(secret), () -> "the message quotes the secret: " + e.field());
        for (String part : parts) {
            assertFalse(e.getMessage().contains(part), () -> "the message quotes a secret part: " + e.field());
        }
        assertFalse(e.getStackTrace().length > 0, "a verdict on input carries no stack trace");
        return e;
    }
}
