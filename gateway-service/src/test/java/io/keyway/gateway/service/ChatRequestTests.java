package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.catalog.ModelCatalog;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The request checks and OpenRouter field handling, on the default catalog. */
class ChatRequestTests {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ModelCatalog CATALOG = new ModelCatalog(defaultCatalogConfig(), JSON);

    /** Only catalogPath() is read by ModelCatalog: empty = the catalog in the jar. */
    static GatewayConfig defaultCatalogConfig() {
        return ConfigStub.of(GatewayConfig.class, Map.of("catalogPath", Optional.empty()));
    }

    static ChatRequest parse(String body) {
        return ChatRequest.parse(body.getBytes(StandardCharsets.UTF_8), JSON, CATALOG);
    }

    static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    @Test
    void modelsListIsAppendedToModelWithoutDuplicates() {
        var r = parse("{\"model\":\"openai/gpt-4o-mini\",\"models\":[\"meta-llama/llama-3.3-70b-instruct\","
                + "\"openai/gpt-4o-mini\"]," + MESSAGES + "}");
        assertEquals(List.of("openai/gpt-4o-mini", "meta-llama/llama-3.3-70b-instruct"),
                r.models().stream().map(m -> m.id()).toList());
    }

    @Test
    void maxPriceAcceptsNumbersAndNumericStrings() {
        var r = parse("{\"model\":\"openai/gpt-4o-mini\"," + MESSAGES
                + ",\"provider\":{\"max_price\":{\"prompt\":1.5,\"completion\":\"2\"},\"sort\":{\"by\":\"price\"}}}");
        assertEquals(new BigDecimal("1.5"), r.preferences().maxPromptPerMillion());
        assertEquals(new BigDecimal("2"), r.preferences().maxCompletionPerMillion());
        assertEquals("price", r.preferences().sort());
    }

    @Test
    void routingFieldsAreNotSentUpstreamButOpenAiFieldsAre() {
        var r = parse("{\"model\":\"openai/gpt-4o-mini\"," + MESSAGES
                + ",\"provider\":{\"only\":[\"openai\"]},\"usage\":{\"include\":true},\"temperature\":0.2}");
        assertFalse(r.upstreamBody().has("provider"));
        assertFalse(r.upstreamBody().has("usage"));
        assertTrue(r.upstreamBody().has("temperature"));
        assertEquals(Set.of("temperature"), r.parameters());
    }

    @Test
    void unknownProviderPreferenceIsRejectedByName() {
        var e = assertThrows(GatewayError.class, () -> parse("{\"model\":\"openai/gpt-4o-mini\"," + MESSAGES
                + ",\"provider\":{\"prefer\":[\"openai\"]}}"));
        assertEquals(400, e.status());
        assertEquals("provider.prefer is not a known provider preference", e.getMessage());
    }

    @Test
    void integerFieldsRejectFractions() {
        var e = assertThrows(GatewayError.class, () -> parse("{\"model\":\"openai/gpt-4o-mini\"," + MESSAGES
                + ",\"max_tokens\":1.5}"));
        assertEquals("max_tokens must be an integer", e.getMessage());
    }

    @Test
    void messageWithoutRoleIsRejectedWithItsIndex() {
        var e = assertThrows(GatewayError.class, () -> parse(
                "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"content\":\"b\"}]}"));
        assertEquals("messages[1] must be an object with a string role", e.getMessage());
    }

    @Test
    void dataPolicyAndQuantizationPreferencesAreReadAndTypeChecked() {
        var r = parse("{\"model\":\"openai/gpt-4o-mini\"," + MESSAGES
                + ",\"provider\":{\"zdr\":true,\"data_collection\":\"deny\",\"quantizations\":[\"fp8\"]}}");
        assertTrue(r.preferences().zdr());
        assertTrue(r.preferences().denyDataCollection());
        assertEquals(List.of("fp8"), r.preferences().quantizations());
        var e = assertThrows(GatewayError.class, () -> parse("{\"model\":\"openai/gpt-4o-mini\"," + MESSAGES
                + ",\"provider\":{\"data_collection\":\"never\"}}"));
        assertEquals("provider.data_collection must be \"allow\" or \"deny\"", e.getMessage());
        e = assertThrows(GatewayError.class, () -> parse("{\"model\":\"openai/gpt-4o-mini\"," + MESSAGES
                + ",\"provider\":{\"zdr\":\"yes\"}}"));
        assertEquals("provider.zdr must be a boolean", e.getMessage());
    }

    @Test
    void deprecatedUsageAndStreamOptionsAreAcceptedAsNoOps() {
        var r = parse("{\"model\":\"openai/gpt-4o-mini\"," + MESSAGES
                + ",\"usage\":{\"include\":false},\"stream_options\":{\"include_usage\":false}}");
        assertFalse(r.upstreamBody().has("usage"));
        assertFalse(r.stream());
    }

    @Test
    void aBodyThatIsNotJsonIsA400ThatNamesWhereButNeverQuotesTheBody() {
        String pasted = "fake-" + java.util.UUID.randomUUID() + "-not-a-real-key";
        GatewayError e = assertThrows(GatewayError.class, () -> parse("{\"model\":\"openai/gpt-4o-mini\","
                + "\"messages\":[{\"role\":\"user\",\"content\":" + pasted + "}]}"));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith("Request body is not valid JSON (at line 1, column "), e::getMessage);
        assertFalse(e.getMessage().contains(pasted.substring(0, 12)), e::getMessage);
    }

    @Test
    void aBodyPastTheJsonNestingLimitIsA400NamingTheLimit() {
        GatewayError e = assertThrows(GatewayError.class, () -> parse("[".repeat(1500) + "]".repeat(1500)));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("JSON reading limit"), e::getMessage);
    }
}
