package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.BILLING;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who may open a connection to which service. The peers are evaluated the way Kubernetes does (pod selector within
 * the policy's namespace, or namespace selector AND pod selector) against example pods.
 */
class NetworkPolicyTest {

    private static final RenderedChart chart = KeywayChart.render();
    private static final String OWN = KeywayChart.NAMESPACE;

    /** A pod somewhere in the cluster: its namespace's labels and its own labels. */
    private record Pod(String namespace, Map<String, String> labels) {
        Map<String, String> namespaceLabels() {
            return Map.of("kubernetes.io/metadata.name", namespace);
        }
    }

    private static Pod keywayPod(RenderedChart.Component component) {
        return new Pod(OWN, chart.deployment(component).getSpec().getTemplate().getMetadata().getLabels());
    }

    private static final Pod INGRESS_CONTROLLER = new Pod("ingress-nginx", Map.of("app.kubernetes.io/name", "ingress-nginx"));
    private static final Pod PROMETHEUS = new Pod("monitoring", Map.of("app.kubernetes.io/name", "prometheus"));
    private static final Pod OTHER_POD_IN_NAMESPACE = new Pod(OWN, Map.of("app", "finance-export"));
    private static final Pod POD_IN_OTHER_NAMESPACE = new Pod("team-a", Map.of("app", "chatbot"));

    private static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return true;
        }
        var required = selector.getMatchLabels() == null ? Map.<String, String>of() : selector.getMatchLabels();
        assertTrue(selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty(), "not evaluated here");
        return labels.entrySet().containsAll(required.entrySet());
    }

    private static boolean admits(NetworkPolicyPeer peer, Pod pod) {
        if (peer.getNamespaceSelector() == null) {
            return OWN.equals(pod.namespace()) && matches(peer.getPodSelector(), pod.labels());
        }
        return matches(peer.getNamespaceSelector(), pod.namespaceLabels()) && matches(peer.getPodSelector(), pod.labels());
    }

    private static boolean mayConnect(Pod from, RenderedChart.Component to) {
        var policy = chart.get(NetworkPolicy.class, to.resourceName());
        assertTrue(matches(policy.getSpec().getPodSelector(), keywayPod(to).labels()), "policy does not cover its pods");
        assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes());
        return policy.getSpec().getIngress().stream().anyMatch(rule -> {
            assertEquals("http", rule.getPorts().get(0).getPort().getStrVal(), "only the service port is opened");
            return rule.getFrom().stream().anyMatch(peer -> admits(peer, from));
        });
    }

    @Test
    void keyServiceIsReachableOnlyFromGatewayBillingIngressControllerAndMonitoring() {
        assertTrue(mayConnect(keywayPod(GATEWAY), KEY_SERVICE));
        assertTrue(mayConnect(keywayPod(BILLING), KEY_SERVICE));
        assertTrue(mayConnect(INGRESS_CONTROLLER, KEY_SERVICE), "the public management API comes through the ingress");
        assertTrue(mayConnect(PROMETHEUS, KEY_SERVICE));
        assertFalse(mayConnect(OTHER_POD_IN_NAMESPACE, KEY_SERVICE));
        assertFalse(mayConnect(POD_IN_OTHER_NAMESPACE, KEY_SERVICE));
    }

    @Test
    void keyServiceSelectorsDoNotAdmitAnotherReleasesGateway() {
        var otherRelease = new java.util.HashMap<>(keywayPod(GATEWAY).labels());
        otherRelease.put("app.kubernetes.io/instance", "other");
        assertFalse(mayConnect(new Pod(OWN, otherRelease), KEY_SERVICE));
    }

    @Test
    void billingIsReachableFromItsNamespaceTheIngressControllerAndMonitoringOnly() {
        assertTrue(mayConnect(OTHER_POD_IN_NAMESPACE, BILLING), "the admin API is for operators inside the namespace");
        assertTrue(mayConnect(keywayPod(GATEWAY), BILLING));
        assertTrue(mayConnect(INGRESS_CONTROLLER, BILLING));
        assertTrue(mayConnect(PROMETHEUS, BILLING));
        assertFalse(mayConnect(POD_IN_OTHER_NAMESPACE, BILLING));
    }

    @Test
    void gatewayAcceptsExtraPeersFromTheValues() {
        assertFalse(mayConnect(POD_IN_OTHER_NAMESPACE, GATEWAY));
        var opened = KeywayChart.render(Map.of(
                "networkPolicy.gateway.extraFrom[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name", "team-a"));
        var policy = opened.get(NetworkPolicy.class, GATEWAY.resourceName());
        assertTrue(policy.getSpec().getIngress().get(0).getFrom().stream().anyMatch(p -> admits(p, POD_IN_OTHER_NAMESPACE)));
        assertFalse(opened.get(NetworkPolicy.class, KEY_SERVICE.resourceName()).getSpec().getIngress().get(0).getFrom()
                .stream().anyMatch(p -> admits(p, POD_IN_OTHER_NAMESPACE)), "gateway's extra peers must not open key-service");
    }

    @Test
    void policiesCanBeTurnedOff() {
        assertTrue(KeywayChart.render(Map.of("networkPolicy.enabled", "false")).all(NetworkPolicy.class).isEmpty());
    }
}
