package io.keyway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ServiceMonitorTest {

    @Test
    @SuppressWarnings("unchecked")
    void eachServiceIsScrapedOnQuarkusMetricsThroughItsHttpPort() {
        var chart = KeywayChart.render("profiles/observability.yaml");
        var monitors = chart.ofKind("ServiceMonitor");
        assertEquals(3, monitors.size());
        for (var component : RenderedChart.Component.values()) {
            var monitor = (GenericKubernetesResource) monitors.stream()
                    .filter(m -> m.getMetadata().getName().equals(component.resourceName())).findFirst().orElseThrow();
            assertEquals("monitoring.coreos.com/v1", monitor.getApiVersion());
            assertEquals("prometheus", monitor.getMetadata().getLabels().get("release"));
            var spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
            var endpoint = ((List<Map<String, Object>>) spec.get("endpoints")).get(0);
            assertEquals("/q/metrics", endpoint.get("path"));
            assertEquals("http", endpoint.get("port"));
            assertEquals("15s", endpoint.get("interval"));
            var selector = (Map<String, Object>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
            var service = chart.get(Service.class, component.resourceName());
            assertEquals(service.getSpec().getSelector(), selector, "the monitor must select exactly this service");
            assertEquals("http", service.getSpec().getPorts().get(0).getName());
        }
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void prometheusPodAnnotationsNameTheMetricsPathAndPort(RenderedChart.Component component) {
        var annotations = KeywayChart.render(Map.of("metrics.podAnnotations", "true"))
                .deployment(component).getSpec().getTemplate().getMetadata().getAnnotations();
        assertEquals("true", annotations.get("prometheus.io/scrape"));
        assertEquals("/q/metrics", annotations.get("prometheus.io/path"));
        assertEquals(String.valueOf(component.port), annotations.get("prometheus.io/port"));
        var plain = KeywayChart.render().deployment(component).getSpec().getTemplate().getMetadata().getAnnotations();
        assertEquals(null, plain.get("prometheus.io/scrape"));
    }
}
