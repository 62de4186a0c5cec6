package io.keyway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.EnvFromSource;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * logging.json (default true): every Deployment gets KEYWAY_LOG_JSON from its env ConfigMap, the one switch each
 * service's application.properties maps onto quarkus-logging-json's console formatter; false gives plain text.
 */
class JsonLoggingTest {

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void byDefaultEveryServiceLogsJsonThroughItsEnvConfigMap(RenderedChart.Component component) {
        RenderedChart chart = KeywayChart.render();
        assertEquals("true", chart.configEnv(component).get("KEYWAY_LOG_JSON"));
        String configMap = component.resourceName() + "-env";
        assertTrue(chart.container(component).getEnvFrom().stream().map(EnvFromSource::getConfigMapRef)
                .anyMatch(ref -> ref != null && configMap.equals(ref.getName())), "the Deployment reads " + configMap);
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void loggingJsonFalseGivesPlainTextLogs(RenderedChart.Component component) {
        assertEquals("false", KeywayChart.render(Map.of("logging.json", false)).configEnv(component).get("KEYWAY_LOG_JSON"));
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void keywayLogJsonIsTheSwitchOfEachServicesJsonConsoleFormatter(RenderedChart.Component component) throws IOException {
        String properties = Files.readString(KeywayChart.repoDir().resolve(component.componentName)
                .resolve("src/main/resources/application.properties"));
        assertTrue(properties.lines().anyMatch("quarkus.log.console.json.enabled=${KEYWAY_LOG_JSON:false}"::equals),
                component.componentName + " no longer maps KEYWAY_LOG_JSON onto its JSON console logs");
        String pom = Files.readString(KeywayChart.repoDir().resolve(component.componentName).resolve("pom.xml"));
        assertTrue(pom.contains("<artifactId>quarkus-logging-json</artifactId>"), component.componentName);
    }

    @Test
    void aLoggingJsonThatIsNotABooleanStopsTheInstall() {
        String message = assertThrows(IllegalStateException.class,
                () -> KeywayChart.renderText(Map.of("logging.json", "yes"))).getMessage();
        assertTrue(message.contains("logging") && message.contains("json"), message);
    }
}
