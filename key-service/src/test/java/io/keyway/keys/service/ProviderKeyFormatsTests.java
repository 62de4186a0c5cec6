package io.keyway.keys.service;

import io.keyway.keys.FakeCredentials;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** DESIGN.md §3's key formats: each rejection is a 400 naming the field at fault, never quoting the secret. */
class ProviderKeyFormatsTests {

    final ProviderKeyFormats formats = new ProviderKeyFormats(new ObjectMapper());

    static final String AZURE_OK = "{\"model_slug\":\"openai/gpt-4o\",\"endpoint_url\":"
            + "\"https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21\","
            + "\"api_key\":\"azkey-0001-WXYZ\",\"model_id\":\"gpt-4o\"}";

    static final String VERTEX_OK = FakeCredentials.vertexServiceAccountFields("abcd1234");

    String rejected(String provider, String key) {
        return rejected(formats, provider, key);
    }

    static String rejected(ProviderKeyFormats formats, String provider, String key) {
        ApiException e = assertThrows(ApiException.class, () -> formats.check(provider, key));
        assertEquals(400, e.status());
        assertFalse(e.getMessage().contains(key), "the message must not quote the key");
        return e.getMessage();
    }

    @Test
    void opaqueTokensMustBeOneTokenAndAreMaskedToTheirLastFour() {
        var k = formats.check("openai", "sk-fake-" + java.util.UUID.randomUUID().toString().replace("-", "") + "1234");
        assertEquals("1234", k.hint());
        assertEquals("sk-...1234", k.label());
        assertTrue(rejected("openai", "sk with space").contains("'key'"));
        assertTrue(rejected("io-net", "tab\there").contains("'key'"));
        assertEquals("...****", formats.check("openai", "abc").label());
    }

    @Test
    void azureTakesAnObjectOrArrayOfDeploymentsWithHttpsChatCompletionsAndApiVersion() {
        assertEquals("WXYZ", formats.check("azure", AZURE_OK).hint());
        assertEquals("WXYZ", formats.check("azure", "[" + AZURE_OK + "," + AZURE_OK + "]").hint());
        assertTrue(rejected("azure", AZURE_OK.replace("https://", "http://")).contains("'key.endpoint_url'"));
        assertTrue(rejected("azure", AZURE_OK.replace("/chat/completions", "/completions")).contains("'key.endpoint_url'"));
        assertTrue(rejected("azure", AZURE_OK.replace("?api-version=2024-10-21", "")).contains("api-version"));
        assertTrue(rejected("azure", "[" + AZURE_OK + "," + AZURE_OK.replace("\"model_id\":\"gpt-4o\"", "\"model_id\":\"\"") + "]")
                .contains("'key[1].model_id'"));
        assertTrue(rejected("azure", AZURE_OK.replace("\"api_key\":\"azkey-0001-WXYZ\",", "")).contains("'key.api_key'"));
        assertTrue(rejected("azure", "[]").contains("'key'"));
        assertTrue(rejected("azure", "azkey-plain-token").contains("'key'"));
        assertTrue(rejected("azure", "[1]").contains("'key[0]'"));
    }

    @Test
    void tenantUrlsToLoopbackLinkLocalOrPrivateAddressesAreRefusedUnlessTheOperatorAllowsTheRange() {
        String azureHost = "r.openai.azure.com";
        for (String internal : new String[] {"127.0.0.1:8443", "localhost", "169.254.169.254", "10.1.2.3", "192.168.0.7",
                "172.20.0.1", "[::1]", "[fd00::1]", "[::ffff:127.0.0.1]", "100.64.0.9", "0.0.0.0", "api.localhost"}) {
            String message = rejected("azure", AZURE_OK.replace(azureHost, internal));
            assertTrue(message.contains("'key.endpoint_url'") && message.contains("private address"), internal + ": " + message);
        }
        String list = "[" + AZURE_OK + "," + AZURE_OK.replace(azureHost, "10.0.0.5") + "]";
        assertTrue(rejected("azure", list).contains("'key[1].endpoint_url'"));
        assertTrue(rejected("google-vertex", VERTEX_OK + ",\"token_uri\":\"https://169.254.169.254/token\"}")
                .contains("'key.token_uri'"));
        // public addresses and names pass (a name is checked by the gateway each time it resolves it)
        assertEquals("WXYZ", formats.check("azure", AZURE_OK.replace(azureHost, "20.30.40.50")).hint());
        assertEquals("WXYZ", formats.check("azure", AZURE_OK).hint());

        var allowing = new ProviderKeyFormats(new ObjectMapper(), java.util.Map.of(),
                io.keyway.contracts.credentials.TenantNetworks.allowing(java.util.List.of("10.0.0.0/8", "127.0.0.0/8")));
        assertEquals("WXYZ", allowing.check("azure", AZURE_OK.replace(azureHost, "10.9.8.7")).hint());
        assertEquals("WXYZ", allowing.check("azure", AZURE_OK.replace(azureHost, "127.0.0.1:8443")).hint());
        assertTrue(rejected(allowing, "azure", AZURE_OK.replace(azureHost, "192.168.1.1")).contains("'key.endpoint_url'"));
    }

    @Test
    void bedrockTakesAnApiKeyOrAccessKeysWithARegion() {
        assertEquals("9876", formats.check("amazon-bedrock", "bedrock-api-key-9876").hint());
        String keys = FakeCredentials.bedrockAccessKeys("s3cr3t-value", "9876");
        var k = formats.check("amazon-bedrock", keys);
        assertEquals("9876", k.hint());
        assertFalse(k.label().contains("s3cr3t"));
        assertTrue(rejected("amazon-bedrock", keys.replace("us-east-1", "mars")).contains("'key.region'"));
        assertTrue(rejected("amazon-bedrock", keys.replace("\"secretAccessKey\"", "\"secret\"")).contains("'key.secretAccessKey'"));
        assertTrue(rejected("amazon-bedrock", "{\"accessKeyId\":").contains("'key'"));
    }

    @Test
    void vertexTakesAServiceAccountDocumentAndDefaultsTheRegionToGlobal() throws Exception {
        var k = formats.check("google-vertex", VERTEX_OK + "}");
        assertEquals("global", new ObjectMapper().readTree(k.secret()).get("region").textValue());
        assertEquals("1234", k.hint());
        var regional = formats.check("google-vertex", VERTEX_OK + ",\"region\":\"us-central1\"}");
        assertEquals(VERTEX_OK + ",\"region\":\"us-central1\"}", regional.secret());
        assertTrue(rejected("google-vertex", VERTEX_OK.replace("service_account", "user") + "}").contains("'key.type'"));
        assertTrue(rejected("google-vertex", VERTEX_OK.replace("\"project_id\":\"p\",", "") + "}").contains("'key.project_id'"));
        assertTrue(rejected("google-vertex", VERTEX_OK.replace("svc@p.iam", "svc.p.iam") + "}").contains("'key.client_email'"));
        assertTrue(rejected("google-vertex", VERTEX_OK.replaceAll("-----[A-Z ]+-----", "x") + "}")
                .contains("'key.private_key'"));
        assertTrue(rejected("google-vertex", "ya29.token").contains("'key'"));
    }

    @Test
    void theFormatFollowsTheConfiguredAdapterNotTheSlug() {
        var configured = new ProviderKeyFormats(new ObjectMapper(), java.util.Map.of("azure-eu", "azure", "my-vertex", "google-vertex"));
        String token = FakeCredentials.apiKey();
        assertTrue(rejected(configured, "azure-eu", token).startsWith("field 'key' must be an Azure JSON"));
        assertEquals("WXYZ", configured.check("azure-eu", AZURE_OK).hint());
        assertTrue(rejected(configured, "my-vertex", token).contains("'key'"));
        // Unconfigured, the same slug is an opaque-token provider, and the well-known slugs keep their adapters.
        assertEquals(token, formats.check("azure-eu", token).secret());
        assertTrue(rejected(configured, "azure", token).contains("Azure"));
        assertEquals(io.keyway.contracts.credentials.CredentialFormat.TOKEN, configured.formatOf("openai"));
    }

    @Test
    void aConfiguredAdapterReplacesAWellKnownOne() {
        var configured = new ProviderKeyFormats(new ObjectMapper(), java.util.Map.of("azure", "openai-compatible"));
        String token = FakeCredentials.apiKey();
        assertEquals(token, configured.check("azure", token).secret());
    }

    @Test
    void azureListsOfAHundredLongDeploymentsFitTheKeyLimit() {
        String deployment = AZURE_OK.replace("azkey-0001-WXYZ", "k".repeat(80) + "WXYZ")
                .replace("https://r.", "https://a-long-company-resource-name-eastus2.");
        String hundred = "[" + String.join(",", java.util.Collections.nCopies(100, deployment)) + "]";
        assertTrue(hundred.length() > 16_384, "the old limit would have refused this");
        assertEquals("WXYZ", formats.check("azure", hundred).hint());
        assertTrue(ProviderKeyFormats.MAX_KEY_LENGTH >= hundred.length());
        assertEquals("field 'key' must be at most 16384 characters", rejected("openai", "k".repeat(16_385)));
    }

    @Test
    void providerSlugsAreLowercaseTokens() {
        assertEquals("amazon-bedrock", ProviderKeyFormats.checkProviderSlug("amazon-bedrock", "provider"));
        assertThrows(ApiException.class, () -> ProviderKeyFormats.checkProviderSlug("Open AI", "provider"));
        assertThrows(ApiException.class, () -> ProviderKeyFormats.checkProviderSlug("-x", "provider"));
    }
}
