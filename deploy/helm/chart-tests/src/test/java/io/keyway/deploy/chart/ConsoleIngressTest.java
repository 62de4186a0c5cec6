package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.BILLING;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The web console is served by key-service at /console/ (docs/decisions.md, "Console"): the Ingress sends it there, on
 * the same host as the three APIs, so the browser calls them on one origin and no service allows CORS. Without the
 * Ingress, {@code console.*} tells key-service where the others are and lets those two allow the console's origin only.
 */
class ConsoleIngressTest {

    private static final RenderedChart chart = KeywayChart.render("profiles/ingress.yaml");
    private static final Ingress ingress = chart.all(Ingress.class).get(0);

    /** Kubernetes Prefix matching: element-wise prefix, the longest matching path wins. */
    private static String backendOf(String requestPath) {
        List<String> request = Arrays.asList(requestPath.split("/"));
        return ingress.getSpec().getRules().get(0).getHttp().getPaths().stream()
                .filter(p -> {
                    List<String> prefix = Arrays.asList(p.getPath().split("/"));
                    return request.size() >= prefix.size() && request.subList(0, prefix.size()).equals(prefix);
                })
                .max(Comparator.comparingInt(p -> p.getPath().length()))
                .map(HTTPIngressPath::getBackend)
                .map(b -> b.getService().getName() + ":" + b.getService().getPort().getNumber())
                .orElseThrow(() -> new AssertionError(requestPath + " is not routed"));
    }

    @ParameterizedTest(name = "{0} -> key-service")
    @ValueSource(strings = {"/console", "/console/", "/console/index.html", "/console/console.js", "/console/config.json"})
    void consoleIsRoutedToKeyService(String path) {
        assertEquals(RenderedChart.Component.KEY_SERVICE.resourceName() + ":8081", backendOf(path));
    }

    @ParameterizedTest(name = "{0} stays with its own service")
    @ValueSource(strings = {"/api/v1/generations", "/api/v1/statements/2026-11/daily"})
    void theConsolesNewApisReachTheirServices(String path) {
        String expected = path.contains("statements") ? RenderedChart.Component.BILLING.resourceName() + ":8082"
                : RenderedChart.Component.GATEWAY.resourceName() + ":8080";
        assertEquals(expected, backendOf(path));
    }

    private static List<String> consoleEnv(RenderedChart chart, RenderedChart.Component c) {
        return chart.configEnv(c).keySet().stream().filter(n -> n.startsWith("KEYWAY_CONSOLE_")).sorted().toList();
    }

    @Test
    void onTheIngressOriginNoServiceAllowsCorsAndTheConsoleUsesItsOwnOrigin() {
        for (var c : RenderedChart.Component.values()) {
            assertEquals(List.of(), consoleEnv(chart, c), c::toString);
        }
    }

    @Test
    void withoutTheIngressTheGatewayAndBillingAllowOnlyTheConsolesOriginAndKeyServiceKnowsWhereTheyAre() {
        RenderedChart apart = KeywayChart.render(Map.of("console.origin", "https://keys.example.com",
                "console.gatewayUrl", "https://gateway.example.com", "console.billingUrl", "https://billing.example.com"));
        for (var c : List.of(GATEWAY, BILLING)) {
            assertEquals("true", apart.configEnv(c).get("KEYWAY_CONSOLE_CORS"), c::toString);
            assertEquals("https://keys.example.com", apart.configEnv(c).get("KEYWAY_CONSOLE_ORIGIN"), c::toString);
        }
        assertEquals("https://gateway.example.com", apart.configEnv(KEY_SERVICE).get("KEYWAY_CONSOLE_GATEWAY_URL"));
        assertEquals("https://billing.example.com", apart.configEnv(KEY_SERVICE).get("KEYWAY_CONSOLE_BILLING_URL"));
        assertEquals(List.of("KEYWAY_CONSOLE_BILLING_URL", "KEYWAY_CONSOLE_GATEWAY_URL"), consoleEnv(apart, KEY_SERVICE),
                "key-service serves the console: it allows no CORS");
    }

    @Test
    void anOriginWithAPathIsRefused() {
        String message = assertThrows(IllegalStateException.class, () -> KeywayChart.renderText(
                Map.of("console.origin", "https://keys.example.com/console/"))).getMessage();
        assertTrue(message.contains("console") && message.contains("origin"), message);
    }
}
