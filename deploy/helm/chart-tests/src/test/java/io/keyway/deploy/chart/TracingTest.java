package io.keyway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * tracing.otlpEndpoint (default empty): empty, no service gets KEYWAY_OTEL_ENDPOINT and none traces; set, every
 * Deployment gets it (with the OTLP protocol and the sample ratio) from its env ConfigMap — the one setting that
 * contracts' TracingSwitch turns into the OpenTelemetry SDK on, at run time, in the same image.
 */
class TracingTest {

    static final String COLLECTOR = "http://otel-collector.observability:4317";

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void byDefaultNoServiceIsGivenAnOtlpEndpointSoNoneTraces(RenderedChart.Component component) {
        RenderedChart chart = KeywayChart.render();
        assertTrue(chart.configEnv(component).keySet().stream().noneMatch(k -> k.contains("OTEL")),
                () -> component + ": " + chart.configEnv(component));
        assertFalse(chart.containerEnv(component).containsKey("KEYWAY_OTEL_ENDPOINT"));
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void theOtlpEndpointAloneTurnsTracingOnInEveryService(RenderedChart.Component component) {
        Map<String, String> env = KeywayChart.render(Map.of("tracing.otlpEndpoint", COLLECTOR)).configEnv(component);
        assertEquals(COLLECTOR, env.get("KEYWAY_OTEL_ENDPOINT"));
        assertEquals("grpc", env.get("QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL"));
        assertEquals("1", env.get("KEYWAY_OTEL_SAMPLE_RATIO"));
    }

    @Test
    void anOtlpHttpCollectorAndASampleRatioAreGivenAsSet() {
        RenderedChart chart = KeywayChart.render("profiles/tracing-otlp-http.yaml");
        for (RenderedChart.Component component : RenderedChart.Component.values()) {
            Map<String, String> env = chart.configEnv(component);
            assertEquals("https://collector.example:4318", env.get("KEYWAY_OTEL_ENDPOINT"));
            assertEquals("http/protobuf", env.get("QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL"));
            assertEquals("0.25", env.get("KEYWAY_OTEL_SAMPLE_RATIO"));
        }
    }

    @Test
    void anEndpointThatIsNotAnHttpUrlAnUnknownProtocolOrARatioAboveOneStopsTheInstall() {
        for (Map<String, Object> bad : new Map[] {Map.of("tracing.otlpEndpoint", "otel-collector:4317"),
                Map.of("tracing.otlpEndpoint", COLLECTOR, "tracing.otlpProtocol", "http")}) {
            String message = assertThrows(IllegalStateException.class, () -> KeywayChart.renderText(bad)).getMessage();
            assertTrue(message.contains("/tracing/"), message);
        }
        String message = assertThrows(IllegalStateException.class,
                () -> KeywayChart.renderText(Map.of(), "invalid/tracing-sample-ratio-above-one.yaml")).getMessage();
        assertTrue(message.contains("/tracing/sampleRatio"), message);
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void everyServiceReadsTheSwitchAndTheSampleRatio(RenderedChart.Component component) throws IOException {
        String properties = Files.readString(KeywayChart.repoDir().resolve(component.componentName)
                .resolve("src/main/resources/application.properties"));
        assertTrue(properties.contains("quarkus.otel.traces.sampler.arg=${KEYWAY_OTEL_SAMPLE_RATIO:1.0}"), component.componentName);
        String pom = Files.readString(KeywayChart.repoDir().resolve(component.componentName).resolve("pom.xml"));
        assertTrue(pom.contains("<artifactId>quarkus-opentelemetry</artifactId>"), component.componentName);
        assertTrue(pom.contains("<artifactId>keyway-contracts</artifactId>"), "TracingSwitch comes with contracts");
        String tracingSwitch = Files.readString(KeywayChart.repoDir()
                .resolve("contracts/src/main/java/io/keyway/contracts/TracingSwitch.java"));
        assertTrue(tracingSwitch.contains("\"KEYWAY_OTEL_ENDPOINT\""));
    }
}
