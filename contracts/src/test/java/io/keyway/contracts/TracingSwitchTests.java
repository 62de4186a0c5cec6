package io.keyway.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingSwitchTests {

    @Test
    void withoutAnEndpointTheSdkIsDisabledAndNoExporterEndpointIsSet() {
        for (TracingSwitch off : new TracingSwitch[] {new TracingSwitch(null, null), new TracingSwitch("", "  "),
                new TracingSwitch(null, "")}) {
            assertFalse(off.on());
            assertEquals(Map.of("quarkus.otel.sdk.disabled", "true"), off.getProperties());
            assertNull(off.getValue("quarkus.otel.exporter.otlp.endpoint"));
        }
    }

    @Test
    void theEndpointAloneEnablesTheSdkAndPointsTheOtlpExporterAtIt() {
        TracingSwitch on = new TracingSwitch(null, " http://otel-collector:4317 ");
        assertTrue(on.on());
        assertEquals("false", on.getValue("quarkus.otel.sdk.disabled"));
        assertEquals("http://otel-collector:4317", on.getValue("quarkus.otel.exporter.otlp.endpoint"));
    }

    @Test
    void theSystemPropertyWinsOverTheEnvironment() {
        assertEquals("https://local-collector:4318",
                new TracingSwitch("https://local-collector:4318", "http://otel-collector:4317")
                        .getValue("quarkus.otel.exporter.otlp.endpoint"));
    }

    @Test
    void anEndpointThatIsNotAnHttpUrlStopsTheStartNamingTheSettingNotTheValue() {
        for (String bad : new String[] {"collector.fake-host:4317", "grpc://collector.fake-host:4317", "http:///no-host",
                "not a url"}) {
            String message = assertThrows(IllegalArgumentException.class, () -> new TracingSwitch(null, bad))
                    .getMessage();
            assertTrue(message.contains("KEYWAY_OTEL_ENDPOINT"), message);
            assertFalse(message.contains(bad), message);
        }
    }

    @Test
    void itRanksBelowApplicationPropertiesSoExplicitSettingsAndTestProfilesWin() {
        assertTrue(new TracingSwitch(null, null).getOrdinal() < 250);
    }

    @Test
    void everyServiceDependingOnContractsFindsItAsAConfigSource() throws IOException {
        try (InputStream in = TracingSwitch.class.getResourceAsStream(
                "/META-INF/services/org.eclipse.microprofile.config.spi.ConfigSource")) {
            assertEquals(TracingSwitch.class.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }
}
