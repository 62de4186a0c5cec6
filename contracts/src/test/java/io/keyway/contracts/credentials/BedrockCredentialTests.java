package io.keyway.contracts.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BedrockCredentialTests {

    final String accessKeyId = FakeSecrets.token("test-access-key-id-");
    final String secretAccessKey = FakeSecrets.token("s3cr3t");
    final String accessKeys = "{\"accessKeyId\":\"" + accessKeyId + "\",\"secretAccessKey\":\"" + secretAccessKey
            + "\",\"region\":\"us-east-1\"}";

    BedrockCredential parse(String secret) {
        return (BedrockCredential) ProviderCredential.parse(CredentialFormat.BEDROCK, secret);
    }

    @Test
    void aPlainStringIsABedrockApiKeyBoundToItsOwnRegion() {
        String apiKey = FakeSecrets.token("test-bedrock-api-key-");
        var credential = parse(apiKey);
        assertTrue(credential.isApiKey());
        assertEquals(apiKey, credential.apiKey());
        assertNull(credential.region());
        assertEquals("key must be a single token without whitespace", FakeSecrets.rejected(CredentialFormat.BEDROCK, "two words").getMessage());
    }

    @Test
    void aJsonObjectIsAccessKeysWithAValidAwsRegionAndAnOptionalSessionToken() {
        var credential = parse(accessKeys);
        assertFalse(credential.isApiKey());
        assertEquals(BedrockCredential.ofAccessKeys(accessKeyId, secretAccessKey, null, "us-east-1"), credential);

        String sessionToken = FakeSecrets.token("IQo");
        var session = parse(accessKeys.replace("}", ",\"sessionToken\":\"" + sessionToken + "\"}"));
        assertEquals(sessionToken, session.sessionToken());
        assertEquals("us-gov-west-1", parse(accessKeys.replace("us-east-1", "us-gov-west-1")).region());
    }

    @Test
    void accessKeysNeedBothKeysAndARegionThatCanBeAHostName() {
        assertEquals("key.region must be an AWS region such as us-east-1",
                FakeSecrets.rejected(CredentialFormat.BEDROCK, accessKeys.replace("us-east-1", "mars"), secretAccessKey).getMessage());
        assertEquals("key.region", FakeSecrets.rejected(CredentialFormat.BEDROCK,
                accessKeys.replace("us-east-1", "us-east-1.evil.example"), secretAccessKey).field());
        assertEquals("key.secretAccessKey is required", FakeSecrets.rejected(CredentialFormat.BEDROCK,
                accessKeys.replace("\"secretAccessKey\"", "\"secret\""), secretAccessKey).getMessage());
        assertEquals("key.accessKeyId is required", FakeSecrets.rejected(CredentialFormat.BEDROCK,
                accessKeys.replace("\"accessKeyId\"", "\"id\""), secretAccessKey).getMessage());
        assertEquals("key.region is required", FakeSecrets.rejected(CredentialFormat.BEDROCK,
                accessKeys.replace(",\"region\":\"us-east-1\"", ""), secretAccessKey).getMessage());
        assertEquals("key.sessionToken must be a non-empty string", FakeSecrets.rejected(CredentialFormat.BEDROCK,
                accessKeys.replace("}", ",\"sessionToken\":\"\"}"), secretAccessKey).getMessage());
        assertEquals("key", FakeSecrets.rejected(CredentialFormat.BEDROCK, "{\"accessKeyId\":").field());
    }

    @Test
    void toStringMasksEverySecretPartAndSecretPartsHoldThem() {
        String sessionToken = FakeSecrets.token("IQo");
        var credential = parse(accessKeys.replace("}", ",\"sessionToken\":\"" + sessionToken + "\"}"));
        assertEquals("BedrockCredential[accessKeyId=****, secretAccessKey=****, sessionToken=****, region=us-east-1]",
                credential.toString());
        assertEquals(List.of(accessKeyId, secretAccessKey, sessionToken), credential.secretParts());

        String apiKey = FakeSecrets.token("test-bedrock-api-key-");
        assertEquals("BedrockCredential[apiKey=****]", parse(apiKey).toString());
        assertEquals(List.of(apiKey), parse(apiKey).secretParts());
    }
}
