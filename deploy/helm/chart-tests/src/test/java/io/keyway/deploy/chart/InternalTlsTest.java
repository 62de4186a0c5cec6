package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.BILLING;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Service-to-service traffic over TLS (internalTls): key-service and billing serve https on 8443 with the given
 * certificate, the gateway and billing call https URLs and trust only the given CA bundle.
 */
class InternalTlsTest {

    private static final Map<String, Object> TLS = Map.of("internalTls.enabled", true,
            "internalTls.certSecret", "keyway-internal-tls", "internalTls.caSecret", "keyway-internal-ca");
    private static final RenderedChart chart = KeywayChart.render(TLS);

    @Test
    void theGatewayAndBillingCallKeyServiceAndBillingAtHttpsUrlsOnPort8443() {
        String keys = "https://" + KEY_SERVICE.resourceName() + ":8443";
        assertEquals(keys, chart.configEnv(GATEWAY).get("KEYWAY_KEYS_URL"));
        assertEquals(keys, chart.configEnv(BILLING).get("KEYWAY_KEYS_URL"));
        assertEquals("https://" + BILLING.resourceName() + ":8443", chart.configEnv(GATEWAY).get("KEYWAY_BILLING_URL"));
        for (var component : List.of(KEY_SERVICE, BILLING)) {
            var ports = chart.get(Service.class, component.resourceName()).getSpec().getPorts();
            assertTrue(ports.stream().anyMatch(p -> "https".equals(p.getName()) && p.getPort() == 8443), ports::toString);
            assertTrue(chart.container(component).getPorts().stream()
                    .anyMatch(p -> "https".equals(p.getName()) && p.getContainerPort() == 8443), component::toString);
        }
    }

    @Test
    void keyServiceAndBillingServeWithTheMountedCertificate() {
        for (var component : List.of(KEY_SERVICE, BILLING)) {
            assertEquals("/etc/keyway/internal-tls/tls.crt", chart.configEnv(component).get("KEYWAY_HTTP_TLS_CERT"));
            assertEquals("/etc/keyway/internal-tls/tls.key", chart.configEnv(component).get("KEYWAY_HTTP_TLS_KEY"));
            assertEquals("keyway-internal-tls", volume(component, "internal-tls").getSecret().getSecretName());
            assertTrue(chart.container(component).getVolumeMounts().stream().anyMatch(m ->
                    "internal-tls".equals(m.getName()) && "/etc/keyway/internal-tls".equals(m.getMountPath())));
        }
        assertFalse(chart.configEnv(GATEWAY).containsKey("KEYWAY_HTTP_TLS_CERT"), "the gateway is called by no service");
    }

    @Test
    void theCallersTrustTheMountedCaBundle() {
        assertEquals("/etc/keyway/internal-ca/ca.crt", chart.configEnv(GATEWAY).get("KEYWAY_INTERNAL_CA_BUNDLE"));
        // billing's REST client: a named TLS configuration (tried against a real https key-service when written).
        assertEquals("/etc/keyway/internal-ca/ca.crt",
                chart.configEnv(BILLING).get("quarkus.tls.keyway-internal.trust-store.pem.certs"));
        assertEquals("keyway-internal", chart.configEnv(BILLING).get("quarkus.rest-client.key-service.tls-configuration-name"));
        for (var component : List.of(GATEWAY, BILLING)) {
            assertEquals("keyway-internal-ca", volume(component, "internal-ca").getSecret().getSecretName());
            assertTrue(chart.container(component).getVolumeMounts().stream().anyMatch(m ->
                    "internal-ca".equals(m.getName()) && "/etc/keyway/internal-ca".equals(m.getMountPath())));
        }
        assertFalse(chart.configEnv(KEY_SERVICE).containsKey("KEYWAY_INTERNAL_CA_BUNDLE"), "key-service calls no service");
    }

    @Test
    void theNetworkPolicyOpensTheHttpsPortOfKeyServiceAndBilling() {
        for (var component : List.of(KEY_SERVICE, BILLING)) {
            var ports = chart.get(NetworkPolicy.class, component.resourceName()).getSpec().getIngress().get(0).getPorts();
            assertTrue(ports.stream().anyMatch(p -> "https".equals(p.getPort().getStrVal())), ports::toString);
        }
    }

    @Test
    void withoutInternalTlsEverythingStaysPlainHttp() {
        var plain = KeywayChart.render();
        assertTrue(plain.configEnv(GATEWAY).get("KEYWAY_KEYS_URL").startsWith("http://"));
        assertFalse(plain.configEnv(GATEWAY).containsKey("KEYWAY_INTERNAL_CA_BUNDLE"));
        assertTrue(plain.configEnv(BILLING).keySet().stream().noneMatch(k -> k.startsWith("quarkus.tls.")),
                "an empty trust store would stop billing's start");
        assertEquals(1, plain.get(Service.class, KEY_SERVICE.resourceName()).getSpec().getPorts().size());
    }

    @Test
    void enablingItWithoutTheCertificateOrTheCaStopsTheInstallNamingTheValue() {
        var noCert = assertThrows(IllegalStateException.class, () -> KeywayChart.renderText(
                Map.of("internalTls.enabled", true, "internalTls.caSecret", "ca"), new String[0]));
        assertTrue(noCert.getMessage().contains("internalTls.certSecret"), noCert.getMessage());
        var noCa = assertThrows(IllegalStateException.class, () -> KeywayChart.renderText(
                Map.of("internalTls.enabled", true, "internalTls.certSecret", "tls"), new String[0]));
        assertTrue(noCa.getMessage().contains("internalTls.caSecret"), noCa.getMessage());
    }

    private static Volume volume(RenderedChart.Component component, String name) {
        return chart.deployment(component).getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> name.equals(v.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(component + " has no volume " + name));
    }
}
