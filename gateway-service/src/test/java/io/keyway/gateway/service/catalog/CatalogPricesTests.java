package io.keyway.gateway.service.catalog;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.ConfigStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Catalog prices billing cannot keep (NUMERIC(30, 12)) stop the gateway at start, naming the endpoint and price. */
class CatalogPricesTests {

    @TempDir
    Path dir;

    private ModelCatalog catalogWithPrompt(String prompt) throws Exception {
        Path file = dir.resolve("catalog.json");
        Files.writeString(file, """
                {"providers": [{"slug": "p", "adapter": "openai-compatible", "base_url": "http://127.0.0.1:1/v1"}],
                 "models": [{"id": "m/a", "name": "A", "endpoints": [
                   {"provider": "p", "upstream_model": "a", "pricing": {"prompt": "%s", "completion": "0.000002", "request": "0"}}]}]}
                """.formatted(prompt));
        GatewayConfig config = ConfigStub.of(GatewayConfig.class, Map.of("catalogPath", Optional.of(file.toString())));
        return new ModelCatalog(config, new ObjectMapper());
    }

    @Test
    void aPriceWithMoreThanTwelveDecimalsIsRefusedAtStartNamingTheEndpoint() {
        var e = assertThrows(IllegalStateException.class, () -> catalogWithPrompt("0.0000000000001"));
        assertTrue(e.getMessage().contains("m/a@p") && e.getMessage().contains("prompt")
                && e.getMessage().contains("more than 12 decimals"), e.getMessage());
    }

    @Test
    void twelveDecimalsAndTrailingZerosBeyondThemAreAccepted() {
        assertDoesNotThrow(() -> catalogWithPrompt("0.000000000001"));
        assertDoesNotThrow(() -> catalogWithPrompt("0.00000100000000000000"));
    }

    @Test
    void aNegativePriceIsRefusedAtStart() {
        var e = assertThrows(IllegalStateException.class, () -> catalogWithPrompt("-0.000001"));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
    }
}
