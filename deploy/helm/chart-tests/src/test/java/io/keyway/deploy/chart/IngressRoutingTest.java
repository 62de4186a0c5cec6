package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.BILLING;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** One base URL for the three public APIs, split by path. */
class IngressRoutingTest {

    private static final RenderedChart chart = KeywayChart.render("profiles/ingress.yaml");
    private static final Ingress ingress = chart.all(Ingress.class).get(0);

    /** Kubernetes Prefix matching: element-wise prefix, the longest matching path wins. */
    private static Optional<HTTPIngressPath> route(String requestPath) {
        List<String> request = Arrays.asList(requestPath.split("/"));
        return ingress.getSpec().getRules().get(0).getHttp().getPaths().stream()
                .filter(p -> {
                    assertEquals("Prefix", p.getPathType());
                    List<String> prefix = Arrays.asList(p.getPath().split("/"));
                    return request.size() >= prefix.size() && request.subList(0, prefix.size()).equals(prefix);
                })
                .max(Comparator.comparingInt(p -> p.getPath().length()));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/api/v1/keys, KEY_SERVICE",
            "/api/v1/keys/3f1a9c, KEY_SERVICE",
            "/api/v1/byok, KEY_SERVICE",
            "/api/v1/byok/7d2e/rotate, KEY_SERVICE",
            "/api/v1/settings, KEY_SERVICE",
            "/api/v1/audit, KEY_SERVICE",
            "/api/v1/credits, BILLING",
            "/api/v1/statements/2026-11, BILLING",
            "/api/v1/ledger, BILLING",
            "/api/v1/chat/completions, GATEWAY",
            "/api/v1/models, GATEWAY",
            "/api/v1/models/openai/gpt-4o/endpoints, GATEWAY",
            "/api/v1/generation, GATEWAY",
            // The gateway's GET /api/v1/key (the calling key) must not fall into key-service's /api/v1/keys.
            "/api/v1/key, GATEWAY",
            "/api/v1/keysmith, GATEWAY",
    })
    void publicPathReachesTheServiceThatOwnsIt(String path, RenderedChart.Component owner) {
        var backend = route(path).orElseThrow(() -> new AssertionError(path + " is not routed")).getBackend().getService();
        assertEquals(owner.resourceName(), backend.getName());
        var service = chart.get(Service.class, backend.getName());
        assertEquals(service.getSpec().getPorts().get(0).getPort(), backend.getPort().getNumber());
    }

    /** Every public path in a service's sources (JAX-RS resources and route constants) reaches that service. */
    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void everyPublicPathAServiceDeclaresReachesThatService(RenderedChart.Component owner) {
        Set<String> paths = PublicApiPaths.of(owner);
        assertTrue(paths.size() >= 3, () -> "too few public paths found in " + owner + "'s sources: " + paths);
        for (String path : paths) {
            var backend = route(path).orElseThrow(() -> new AssertionError(path + " (" + owner + ") is not routed"))
                    .getBackend().getService().getName();
            assertEquals(owner.resourceName(), backend, () -> path + " is served by " + owner + " but routed to " + backend);
        }
    }

    @ParameterizedTest
    @CsvSource({"/admin/v1/accounts", "/internal/v1/api-keys/abc", "/q/metrics", "/q/health/ready", "/"})
    void operatorAndServiceToServiceApisAreNotExposed(String path) {
        assertTrue(route(path).isEmpty(), () -> path + " must not be reachable through the Ingress");
    }

    @Test
    void hostClassAndTlsComeFromTheValues() {
        assertEquals("nginx", ingress.getSpec().getIngressClassName());
        assertEquals("llm.example.com", ingress.getSpec().getRules().get(0).getHost());
        assertEquals("llm-example-com-tls", ingress.getSpec().getTls().get(0).getSecretName());
        assertEquals(List.of("llm.example.com"), ingress.getSpec().getTls().get(0).getHosts());
        assertEquals(1, chart.all(Ingress.class).size());
        assertTrue(List.of(GATEWAY, KEY_SERVICE, BILLING).stream().allMatch(c ->
                ingress.getSpec().getRules().get(0).getHttp().getPaths().stream()
                        .anyMatch(p -> p.getBackend().getService().getName().equals(c.resourceName()))));
    }
}
