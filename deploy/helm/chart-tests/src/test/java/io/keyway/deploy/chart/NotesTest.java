package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.BILLING;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Service;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * NOTES.txt, as {@code helm install --dry-run=client} prints it: the first requests must name the Services and
 * Secret the chart really uses, and the public base URL the Ingress serves.
 */
class NotesTest {

    private static String notes(String... valuesFiles) {
        var install = new Helm(KeywayChart.chartDir()).install().withName(KeywayChart.RELEASE)
                .withNamespace(KeywayChart.NAMESPACE).withKubeVersion(KeywayChart.KUBE_VERSION).dryRun().clientOnly();
        for (String file : valuesFiles) {
            install = install.withValuesFile(KeywayChart.resource(file));
        }
        String output = install.call().getOutput();
        int start = output.indexOf("NOTES:");
        assertTrue(start >= 0, () -> "no NOTES in the install output:\n" + output);
        return output.substring(start);
    }

    @Test
    void firstRequestsUseTheRenderedServicesAndTheAuthSecret() {
        String notes = notes();
        var chart = KeywayChart.render();
        for (var component : new RenderedChart.Component[] {KEY_SERVICE, BILLING, GATEWAY}) {
            var service = chart.get(Service.class, component.resourceName());
            int port = service.getSpec().getPorts().get(0).getPort();
            assertTrue(notes.contains("port-forward svc/" + service.getMetadata().getName() + " " + port + ":" + port),
                    () -> "no port-forward to " + service.getMetadata().getName() + ":\n" + notes);
        }
        assertTrue(notes.contains("get secret keyway-secrets -o jsonpath='{.data.admin-token}'"), notes);
        assertTrue(notes.contains("http://127.0.0.1:8081/admin/v1/accounts"), notes);
        assertTrue(notes.contains("/admin/v1/accounts/<account id>/credits"), notes);
        for (String path : new String[] {"/api/v1/keys", "/api/v1/byok", "/api/v1/models", "/api/v1/chat/completions"}) {
            assertTrue(notes.contains("$BASE" + path), () -> "no request to " + path + ":\n" + notes);
        }
        assertTrue(notes.contains("BASE=http://127.0.0.1:8080"), notes);
    }

    @Test
    void withTheIngressTheRequestsGoToItsHost() {
        String notes = notes("profiles/ingress.yaml");
        assertTrue(notes.contains("BASE=https://llm.example.com"), notes);
        assertFalse(Pattern.compile("BASE=http://127").matcher(notes).find(), notes);
    }
}
