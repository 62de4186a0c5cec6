package io.keyway.contracts.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import org.junit.jupiter.api.Test;

class CredentialFormatTests {

    @Test
    void theFormatFollowsTheAdapterAndEveryOtherAdapterTakesOneToken() {
        assertEquals(CredentialFormat.AZURE, CredentialFormat.ofAdapter("azure"));
        assertEquals(CredentialFormat.BEDROCK, CredentialFormat.ofAdapter("amazon-bedrock"));
        assertEquals(CredentialFormat.VERTEX, CredentialFormat.ofAdapter("google-vertex"));
        assertEquals(CredentialFormat.TOKEN, CredentialFormat.ofAdapter("openai-compatible"));
        assertEquals(CredentialFormat.TOKEN, CredentialFormat.ofAdapter("anthropic"));
        assertEquals(CredentialFormat.TOKEN, CredentialFormat.ofAdapter(null));
        // A provider slug is not an adapter: "azure-eu" names a provider, whose adapter the catalog gives.
        assertEquals(CredentialFormat.TOKEN, CredentialFormat.ofAdapter("azure-eu"));
    }

    @Test
    void parseGivesTheRecordOfTheFormat() {
        assertInstanceOf(TokenCredential.class, ProviderCredential.parse(CredentialFormat.TOKEN, FakeSecrets.token("sk-")));
        assertInstanceOf(BedrockCredential.class, ProviderCredential.parse(CredentialFormat.BEDROCK, FakeSecrets.token("test-bedrock-api-key-")));
    }

    @Test
    void everyFormatRefusesAnEmptySecretAndOneOverItsLengthAzure51200TheOthers16384() {
        int longest = 0;
        for (CredentialFormat format : CredentialFormat.values()) {
            assertEquals("key must not be empty", FakeSecrets.rejected(format, " \n").getMessage());
            var tooLong = FakeSecrets.rejected(format, "x".repeat(format.maxLength() + 1));
            assertEquals("key", tooLong.field());
            assertEquals("must be at most " + format.maxLength() + " characters", tooLong.problem());
            assertEquals(format == CredentialFormat.AZURE ? 51_200 : 16_384, format.maxLength());
            longest = Math.max(longest, format.maxLength());
        }
        assertEquals(longest, ProviderCredential.MAX_LENGTH, "MAX_LENGTH is what a caller reading any secret must allow");
        ProviderCredential.parse(CredentialFormat.TOKEN, "x".repeat(16_384));
    }
}
