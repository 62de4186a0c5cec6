package io.keyway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceNamingTest {

    private static final String DNS_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?";

    @Test
    void releaseNamedKeywayGivesShortNamesAndTheGatewayFindsKeyService() {
        var chart = RenderedChart.parse(KeywayChart.renderText("keyway", Map.of()));
        assertEquals(java.util.Set.of("keyway-gateway-service", "keyway-key-service", "keyway-billing-service"),
                chart.all(Deployment.class).stream().map(d -> d.getMetadata().getName()).collect(java.util.stream.Collectors.toSet()));
        assertEquals("http://keyway-key-service:8081", chart.get(io.fabric8.kubernetes.api.model.ConfigMap.class,
                "keyway-gateway-service-env").getData().get("KEYWAY_KEYS_URL"));
    }

    @Test
    void longReleaseNamesStayValidDnsLabelsAndDistinct() {
        String release = "production-llm-gateway-europe-west-1-blue-green-00001"; // Helm's maximum, 53 characters
        var chart = RenderedChart.parse(KeywayChart.renderText(release, Map.of()));
        var services = chart.all(Service.class).stream().map(s -> s.getMetadata().getName()).toList();
        assertEquals(3, services.stream().distinct().count(), () -> "names collide: " + services);
        for (var object : chart.objects()) {
            String name = object.getMetadata().getName();
            // Services (and so the DNS names the services call each other by) must be DNS labels; others subdomains.
            int max = object instanceof Service || object instanceof Deployment ? 63 : 253;
            assertTrue(name.length() <= max && name.matches(DNS_LABEL), () -> object.getKind() + " name " + name);
            object.getMetadata().getLabels().forEach((key, value) ->
                    assertTrue(value.length() <= 63, () -> object.getKind() + " label " + key + "=" + value));
        }
        // Each Deployment's pods are selected by exactly its own Service even with truncated names.
        for (var deployment : chart.all(Deployment.class)) {
            var labels = deployment.getSpec().getTemplate().getMetadata().getLabels();
            assertEquals(1, chart.all(Service.class).stream()
                    .filter(s -> labels.entrySet().containsAll(s.getSpec().getSelector().entrySet())).count());
        }
    }
}
