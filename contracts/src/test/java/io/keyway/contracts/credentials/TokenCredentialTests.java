package io.keyway.contracts.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenCredentialTests {

    @Test
    void aTokenIsOneStringWithoutWhitespaceOrControlCharacters() {
        String token = FakeSecrets.token("sk-");
        assertEquals(new TokenCredential(token), ProviderCredential.parse(CredentialFormat.TOKEN, token));
        for (String broken : new String[] {"sk with space", "tab\there", "line\nbreak", "trailing\n", "nul\u0000x"}) {
            var e = FakeSecrets.rejected(CredentialFormat.TOKEN, broken);
            assertEquals("key", e.field());
            assertEquals("key must be a single token without whitespace", e.getMessage());
        }
    }

    @Test
    void toStringMasksTheTokenAndSecretPartsHoldIt() {
        String token = FakeSecrets.token("sk-");
        var credential = ProviderCredential.parse(CredentialFormat.TOKEN, token);
        assertEquals("TokenCredential[token=****]", credential.toString());
        assertFalse(credential.toString().contains(token));
        assertEquals(List.of(token), credential.secretParts());
    }
}
