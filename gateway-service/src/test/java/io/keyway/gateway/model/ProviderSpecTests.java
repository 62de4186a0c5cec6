package io.keyway.gateway.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderSpecTests {

    private static ProviderSpec withTimeout(String value) {
        return new ProviderSpec("p", "P", "openai-compatible", "https://p.example.com/v1",
                Map.of(ProviderSpec.NON_STREAMED_FIRST_BYTE_TIMEOUT, value));
    }

    @Test
    void nonStreamedFirstByteTimeoutIsReadAsQuarkusAndIsoDurationsAndAbsentMeansTheTotalTimeout() {
        assertNull(new ProviderSpec("p", "P", "openai-compatible", "https://p.example.com/v1")
                .nonStreamedFirstByteTimeout());
        assertEquals(Duration.ofSeconds(300), withTimeout("300s").nonStreamedFirstByteTimeout());
        assertEquals(Duration.ofSeconds(300), withTimeout("300S").nonStreamedFirstByteTimeout());
        assertEquals(Duration.ofMinutes(5), withTimeout("5m").nonStreamedFirstByteTimeout());
        assertEquals(Duration.ofMillis(1500), withTimeout("1500ms").nonStreamedFirstByteTimeout());
        assertEquals(Duration.ofHours(1), withTimeout("1h").nonStreamedFirstByteTimeout());
        assertEquals(Duration.ofMinutes(5), withTimeout("PT5M").nonStreamedFirstByteTimeout());
    }

    @Test
    void aNonStreamedFirstByteTimeoutThatIsNotAPositiveDurationIsRefusedNamingTheOption() {
        for (String bad : new String[] {"", "soon", "0s", "-5s", "5 minutes", "PT-5S", "P1D"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> withTimeout(bad).nonStreamedFirstByteTimeout(),
                    bad);
            assertTrue(e.getMessage().contains(ProviderSpec.NON_STREAMED_FIRST_BYTE_TIMEOUT), e.getMessage());
        }
    }
}
