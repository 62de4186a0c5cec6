package io.keyway.contracts.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AzureCredentialTests {

    static final String ENDPOINT = "https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21";

    static String deployment(String slug, String apiKey) {
        return "{\"model_slug\":\"" + slug + "\",\"endpoint_url\":\"" + ENDPOINT + "\",\"api_key\":\"" + apiKey
                + "\",\"model_id\":\"gpt-4o\"}";
    }

    final String apiKey = FakeSecrets.token("az");
    final String one = deployment("openai/gpt-4o", apiKey);

    AzureCredential parse(String secret) {
        return (AzureCredential) ProviderCredential.parse(CredentialFormat.AZURE, secret);
    }

    String rejectedField(String secret) {
        return FakeSecrets.rejected(CredentialFormat.AZURE, secret, apiKey).field();
    }

    @Test
    void anObjectIsOneDeploymentWithItsFourFields() {
        var d = parse(one).deployments().get(0);
        assertEquals(new AzureCredential.Deployment("openai/gpt-4o", URI.create(ENDPOINT), apiKey, "gpt-4o"), d);
    }

    @Test
    void anArrayListsOneToAHundredDeployments() {
        String two = "[" + one + "," + deployment("openai/gpt-4o-mini", FakeSecrets.token("az")) + "]";
        assertEquals(2, parse(two).deployments().size());
        String hundred = "[" + String.join(",", java.util.Collections.nCopies(100, one)) + "]";
        assertEquals(100, parse(hundred).deployments().size());
        // A hundred long deployments (long slugs, resource names and an 84-character key) still fit.
        String longOne = "{\"model_slug\":\"anthropic/claude-3.7-sonnet-thinking-with-a-long-name\",\"endpoint_url\":"
                + "\"https://my-company-resource-eastus2-production.openai.azure.com/openai/deployments/"
                + "my-company-deployment-name-01/chat/completions?api-version=2025-01-01-preview\",\"api_key\":\""
                + "k".repeat(84) + "\",\"model_id\":\"gpt-4o-2024-11-20\"}";
        assertEquals(100, parse("[" + String.join(",", java.util.Collections.nCopies(100, longOne)) + "]").deployments().size());

        assertEquals("key must list at least one Azure deployment", FakeSecrets.rejected(CredentialFormat.AZURE, "[]").getMessage());
        assertEquals("key must list at most 100 Azure deployments",
                FakeSecrets.rejected(CredentialFormat.AZURE, "[" + one + "," + hundred.substring(1), apiKey).getMessage());
        assertEquals("key[0]", rejectedField("[1]"));
        assertEquals("key", rejectedField("\"a string\""));
    }

    @Test
    void theEndpointIsHttpsEndsInChatCompletionsAndCarriesAnApiVersion() {
        assertEquals("key.endpoint_url must be an https URL",
                FakeSecrets.rejected(CredentialFormat.AZURE, one.replace("https://", "http://"), apiKey).getMessage());
        assertEquals("key.endpoint_url must end with /chat/completions",
                FakeSecrets.rejected(CredentialFormat.AZURE, one.replace("/chat/completions", "/completions"), apiKey).getMessage());
        assertEquals("key.endpoint_url must carry an api-version query parameter",
                FakeSecrets.rejected(CredentialFormat.AZURE, one.replace("?api-version=2024-10-21", "?x-api-version=1"), apiKey).getMessage());
        assertEquals("key.endpoint_url must be a URL",
                FakeSecrets.rejected(CredentialFormat.AZURE, one.replace("https://r.", "https://r .")).getMessage());
        assertEquals("key.endpoint_url must not carry a user name or password",
                FakeSecrets.rejected(CredentialFormat.AZURE, one.replace("https://", "https://u:p@"), apiKey).getMessage());
    }

    @Test
    void aMissingOrEmptyFieldIsNamedWithItsDeploymentsIndex() {
        String second = deployment("openai/gpt-4o-mini", FakeSecrets.token("az"));
        assertEquals("key[1].model_id must be a non-empty string",
                FakeSecrets.rejected(CredentialFormat.AZURE, "[" + one + "," + second.replace("\"gpt-4o\"", "\"\"") + "]", apiKey)
                        .getMessage());
        assertEquals("key.api_key is required", FakeSecrets.rejected(CredentialFormat.AZURE,
                one.replace("\"api_key\":\"" + apiKey + "\",", "")).getMessage());
        assertEquals("key.model_slug", rejectedField(one.replace("\"model_slug\":\"openai/gpt-4o\"", "\"model_slug\":7")));
        assertEquals("key.api_key must be a single token without whitespace",
                FakeSecrets.rejected(CredentialFormat.AZURE, one.replace(apiKey, apiKey + " x"), apiKey).getMessage());
    }

    @Test
    void malformedJsonAKeyNamedTwiceAndTextAfterTheDocumentAreRefusedWithoutQuotingTheSecret() {
        var e = FakeSecrets.rejected(CredentialFormat.AZURE, "{\"api_key\":\"" + apiKey + "\"", apiKey);
        assertTrue(e.getMessage().endsWith("(the JSON could not be parsed)"), e.getMessage());
        assertEquals("key", rejectedField(one.replace("{\"model_slug\"", "{\"api_key\":\"" + FakeSecrets.token("az") + "\",\"model_slug\"")));
        assertEquals("key", rejectedField(one + " " + apiKey));
    }

    @Test
    void aKeyServesOnlyTheModelSlugsItListsAndTheFirstListedWins() {
        String otherKey = FakeSecrets.token("az");
        var credential = parse("[" + one + "," + deployment("openai/gpt-4o-mini", otherKey) + "," + deployment("openai/gpt-4o", otherKey) + "]");
        assertEquals(Optional.of(apiKey), credential.forModel("openai/gpt-4o").map(AzureCredential.Deployment::apiKey));
        assertEquals(Optional.of(otherKey), credential.forModel("openai/gpt-4o-mini").map(AzureCredential.Deployment::apiKey));
        assertEquals(Optional.empty(), credential.forModel("anthropic/claude-sonnet-4"));
    }

    @Test
    void toStringMasksEveryApiKeyAndSecretPartsHoldEachOnce() {
        String otherKey = FakeSecrets.token("az");
        var credential = parse("[" + one + "," + deployment("openai/gpt-4o-mini", otherKey) + "," + one + "]");
        String text = credential.toString();
        assertFalse(text.contains(apiKey) || text.contains(otherKey), text);
        assertTrue(text.contains("apiKey=****") && text.contains("modelSlug=openai/gpt-4o-mini"), text);
        assertFalse(credential.deployments().get(0).toString().contains(apiKey));
        assertEquals(List.of(apiKey, otherKey), credential.secretParts());
    }
}
