package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.BILLING;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code helm template} with the chart's default values. */
class DefaultValuesTest {

    private static RenderedChart chart;

    @BeforeAll
    static void render() {
        chart = KeywayChart.render();
    }

    @Test
    void rendersOneDeploymentServiceAndServiceAccountPerService() {
        assertEquals(3, chart.all(Deployment.class).size());
        assertEquals(3, chart.all(Service.class).size());
        assertEquals(3, chart.all(ServiceAccount.class).size());
        for (var component : RenderedChart.Component.values()) {
            assertNotNull(chart.deployment(component));
            assertNotNull(chart.get(Service.class, component.resourceName()));
        }
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void runsAsNonRootWithReadOnlyRootFilesystemAndNoPrivilegeEscalation(RenderedChart.Component component) {
        var pod = chart.deployment(component).getSpec().getTemplate().getSpec();
        assertEquals(Boolean.TRUE, pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(185L, pod.getSecurityContext().getRunAsUser());
        assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());
        var container = chart.container(component).getSecurityContext();
        assertEquals(Boolean.TRUE, container.getRunAsNonRoot());
        assertEquals(Boolean.TRUE, container.getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, container.getAllowPrivilegeEscalation());
        assertEquals(java.util.List.of("ALL"), container.getCapabilities().getDrop());
        // With a read-only root file system the JVM still needs a writable /tmp.
        var tmpMount = chart.container(component).getVolumeMounts().stream()
                .filter(m -> "/tmp".equals(m.getMountPath())).findFirst().orElseThrow();
        var tmpVolume = pod.getVolumes().stream().filter(v -> v.getName().equals(tmpMount.getName())).findFirst().orElseThrow();
        assertNotNull(tmpVolume.getEmptyDir(), "/tmp must be an emptyDir");
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void probesUseQuarkusHealthEndpointsOnTheServicePort(RenderedChart.Component component) {
        var container = chart.container(component);
        assertEquals(component.port, container.getPorts().get(0).getContainerPort());
        assertEquals("http", container.getPorts().get(0).getName());
        assertProbe("/q/health/started", container.getStartupProbe());
        assertProbe("/q/health/live", container.getLivenessProbe());
        assertProbe("/q/health/ready", container.getReadinessProbe());
    }

    private static void assertProbe(String path, Probe probe) {
        assertNotNull(probe, "missing probe for " + path);
        assertEquals(path, probe.getHttpGet().getPath());
        assertEquals("http", probe.getHttpGet().getPort().getStrVal());
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void serviceSelectsExactlyItsOwnPodsOnTheAgreedPort(RenderedChart.Component component) {
        var service = chart.get(Service.class, component.resourceName());
        assertEquals(component.port, service.getSpec().getPorts().get(0).getPort());
        assertEquals("http", service.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        var selector = service.getSpec().getSelector();
        for (var other : RenderedChart.Component.values()) {
            var podLabels = chart.deployment(other).getSpec().getTemplate().getMetadata().getLabels();
            boolean selected = podLabels.entrySet().containsAll(selector.entrySet());
            assertEquals(other == component, selected, () -> "service " + component + " selects pods of " + other);
        }
        assertEquals(selector, chart.deployment(component).getSpec().getSelector().getMatchLabels());
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void listensOnAllInterfacesInThePod(RenderedChart.Component component) {
        assertEquals("0.0.0.0", chart.configEnv(component).get("KEYWAY_HTTP_HOST"));
        assertEquals("kafka:9092", chart.configEnv(component).get("KEYWAY_KAFKA_BOOTSTRAP"));
        assertEquals("PLAINTEXT", chart.configEnv(component).get("KAFKA_SECURITY_PROTOCOL"));
    }

    @Test
    void gatewayAndBillingReachKeyServiceThroughItsService() {
        var keyService = chart.get(Service.class, KEY_SERVICE.resourceName());
        String expected = "http://" + keyService.getMetadata().getName() + ":" + keyService.getSpec().getPorts().get(0).getPort();
        assertEquals(expected, chart.configEnv(GATEWAY).get("KEYWAY_KEYS_URL"));
        assertEquals(expected, chart.configEnv(BILLING).get("KEYWAY_KEYS_URL"));
    }

    @Test
    void gatewayReachesBillingThroughItsServiceForTheKeyEndpointsUsage() {
        var billing = chart.get(Service.class, BILLING.resourceName());
        assertEquals("http://" + billing.getMetadata().getName() + ":" + billing.getSpec().getPorts().get(0).getPort(),
                chart.configEnv(GATEWAY).get("KEYWAY_BILLING_URL"));
    }

    @Test
    void tokensAndDatabaseCredentialsComeOnlyFromTheExistingSecret() {
        assertSecretRef(chart.containerEnv(GATEWAY), "KEYWAY_GATEWAY_TOKEN", "keyway-secrets", "gateway-token");
        assertFalse(chart.containerEnv(GATEWAY).containsKey("KEYWAY_ADMIN_TOKEN"), "the gateway has no admin API");
        assertFalse(chart.containerEnv(GATEWAY).containsKey("KEYWAY_BILLING_TOKEN"), "billing's token is not the gateway's");
        for (var component : Set.of(KEY_SERVICE, BILLING)) {
            assertSecretRef(chart.containerEnv(component), "KEYWAY_GATEWAY_TOKEN", "keyway-secrets", "gateway-token");
            assertSecretRef(chart.containerEnv(component), "KEYWAY_BILLING_TOKEN", "keyway-secrets", "billing-token");
            assertSecretRef(chart.containerEnv(component), "KEYWAY_ADMIN_TOKEN", "keyway-secrets", "admin-token");
        }
        assertSecretRef(chart.containerEnv(KEY_SERVICE), "KEYWAY_KEYS_DB_USER", "keyway-secrets", "keys-db-username");
        assertSecretRef(chart.containerEnv(KEY_SERVICE), "KEYWAY_KEYS_DB_PASSWORD", "keyway-secrets", "keys-db-password");
        assertSecretRef(chart.containerEnv(BILLING), "KEYWAY_BILLING_DB_USER", "keyway-secrets", "billing-db-username");
        assertSecretRef(chart.containerEnv(BILLING), "KEYWAY_BILLING_DB_PASSWORD", "keyway-secrets", "billing-db-password");
        assertSecretRef(chart.containerEnv(KEY_SERVICE), "keyway.keys.secrets.local.master-keys.k1", "keyway-secrets", "master-key-k1");
    }

    @Test
    void noEnvironmentEntryCarriesALiteralValueAndNoSecretObjectIsRendered() {
        for (var component : RenderedChart.Component.values()) {
            for (EnvVar env : chart.containerEnv(component).values()) {
                assertNull(env.getValue(), () -> component + " env " + env.getName() + " has a literal value");
                assertNotNull(env.getValueFrom().getSecretKeyRef(), () -> component + " env " + env.getName());
            }
            for (String name : chart.configEnv(component).keySet()) {
                assertFalse(name.matches(".*(TOKEN|PASSWORD|JAAS|SECRET_ID|ROLE_ID|MASTER_KEYS).*"),
                        () -> "secret-looking setting " + name + " is in a ConfigMap");
            }
        }
        assertTrue(chart.ofKind("Secret").isEmpty(), "the chart must not create Secrets");
    }

    @Test
    void keyServiceConfigurationNamesTheLocalStoreAndItsActiveMasterKey() {
        var env = chart.configEnv(KEY_SERVICE);
        assertEquals("local", env.get("KEYWAY_KEYS_DEFAULT_SECRET_STORE"));
        assertEquals("k1", env.get("KEYWAY_LOCAL_MASTER_KEY_ID"));
        assertEquals("postgresql://postgresql:5432/keyway_keys", env.get("KEYWAY_KEYS_DB_URL"));
        assertEquals("true", env.get("KEYWAY_KEYS_SECRETS_LOCAL_ENABLED"));
        assertEquals("false", env.get("KEYWAY_SECRETS_VAULT_ENABLED"));
        assertEquals("false", env.get("KEYWAY_SECRETS_AWS_ENABLED"));
        assertFalse(env.containsKey("KEYWAY_VAULT_ADDR"));
        assertEquals("postgresql://postgresql:5432/keyway_billing", chart.configEnv(BILLING).get("KEYWAY_BILLING_DB_URL"));
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void runningRequestsFinishBeforeKubernetesKillsThePod(RenderedChart.Component component) {
        long grace = chart.deployment(component).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds();
        String shutdown = chart.configEnv(component).get("QUARKUS_SHUTDOWN_TIMEOUT");
        assertTrue(shutdown.matches("\\d+s"), shutdown);
        long seconds = Long.parseLong(shutdown.substring(0, shutdown.length() - 1));
        assertTrue(seconds > 0 && seconds < grace, () -> component + ": shutdown " + seconds + "s, grace " + grace + "s");
        if (component == GATEWAY) {
            assertTrue(seconds >= 60, "streamed completions need minutes, not the 30 s default grace period");
        }
    }

    @Test
    void extraEnvAndEnvFromReachOnlyTheirOwnService() {
        var custom = KeywayChart.render(Map.of(
                "gateway.extraEnv[0].name", "QUARKUS_LOG_LEVEL",
                "gateway.extraEnv[0].value", "DEBUG",
                "gateway.envFrom[0].secretRef.name", "gateway-extra"));
        assertEquals("DEBUG", custom.containerEnv(GATEWAY).get("QUARKUS_LOG_LEVEL").getValue());
        var envFrom = custom.container(GATEWAY).getEnvFrom();
        assertEquals(GATEWAY.resourceName() + "-env", envFrom.get(0).getConfigMapRef().getName(),
                "the chart's settings come first so that envFrom entries can override them");
        assertEquals("gateway-extra", envFrom.get(1).getSecretRef().getName());
        assertFalse(custom.containerEnv(KEY_SERVICE).containsKey("QUARKUS_LOG_LEVEL"));
        assertEquals(1, custom.container(BILLING).getEnvFrom().size());
    }

    @Test
    void billingConsumerThreadsGroupAndConnectionPoolsComeFromTheValues() {
        var env = KeywayChart.render(Map.of("billing.consumerThreads", "4", "postgresql.billing.jdbcPoolSize", "9",
                        "billing.consumerGroupId", "keyway-prod-billing"))
                .configEnv(BILLING);
        assertEquals("4", env.get("KEYWAY_BILLING_CONSUMER_THREADS"));
        assertEquals("keyway-prod-billing", env.get("KEYWAY_BILLING_GROUP_ID"));
        assertEquals("9", env.get("KEYWAY_BILLING_JDBC_POOL"));
        assertEquals("20", env.get("KEYWAY_BILLING_DB_POOL"));
    }

    @Test
    void keyServiceUsageGroupIsTheServicesOwnDefaultAndCanBeRenamed() {
        assertEquals(ServiceConfigurationContractTest.placeholders(KEY_SERVICE).get("KEYWAY_KEYS_USAGE_GROUP"),
                chart.configEnv(KEY_SERVICE).get("KEYWAY_KEYS_USAGE_GROUP"));
        assertEquals("prod-key-service-last-used", KeywayChart.render(Map.of("keyService.usageConsumerGroupId",
                "prod-key-service-last-used")).configEnv(KEY_SERVICE).get("KEYWAY_KEYS_USAGE_GROUP"));
    }

    @Test
    void billingConsumerDefaultsAreTheServicesOwn() {
        // billing-service: keyway.billing.consumer.threads=${KEYWAY_BILLING_CONSUMER_THREADS:2},
        // keyway.billing.consumer.group-id=${KEYWAY_BILLING_GROUP_ID:billing-service}
        var properties = ServiceConfigurationContractTest.placeholders(BILLING);
        var env = chart.configEnv(BILLING);
        assertEquals(properties.get("KEYWAY_BILLING_CONSUMER_THREADS"), env.get("KEYWAY_BILLING_CONSUMER_THREADS"));
        assertEquals(properties.get("KEYWAY_BILLING_GROUP_ID"), env.get("KEYWAY_BILLING_GROUP_ID"));
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void noServiceAccountTokenIsMountedWhenNothingNeedsIt(RenderedChart.Component component) {
        assertEquals(Boolean.FALSE, chart.deployment(component).getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
        assertEquals(Boolean.FALSE, chart.serviceAccount(component).getAutomountServiceAccountToken());
        assertEquals(Map.of(), annotations(chart.serviceAccount(component)));
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void eachServiceHasADisruptionBudgetOverItsOwnPods(RenderedChart.Component component) {
        var pdb = chart.get(PodDisruptionBudget.class, component.resourceName());
        assertEquals(1, pdb.getSpec().getMinAvailable().getIntVal());
        assertEquals(chart.deployment(component).getSpec().getSelector(), pdb.getSpec().getSelector());
        assertEquals(2, chart.deployment(component).getSpec().getReplicas(),
                "two replicas by default so that the budget allows a voluntary eviction");
    }

    @Test
    void ingressServiceMonitorAndAutoscalersAreOffByDefault() {
        assertTrue(chart.all(Ingress.class).isEmpty());
        assertTrue(chart.all(HorizontalPodAutoscaler.class).isEmpty());
        assertTrue(chart.ofKind("ServiceMonitor").isEmpty());
        assertTrue(chart.find(ConfigMap.class, GATEWAY.resourceName() + "-catalog").isEmpty());
        assertFalse(chart.configEnv(GATEWAY).containsKey("KEYWAY_GATEWAY_CATALOG_PATH"),
                "without a catalog the gateway uses the one built into its image");
    }

    @Test
    void changingTheConfigurationRollsThePods() {
        var changed = KeywayChart.render(Map.of("kafka.bootstrapServers", "kafka-0.kafka:9093"));
        for (var component : RenderedChart.Component.values()) {
            String before = chart.deployment(component).getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/env");
            String after = changed.deployment(component).getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/env");
            assertNotNull(before);
            assertNotEquals(before, after, () -> component + " pods would keep the old Kafka address");
        }
    }

    static Map<String, String> annotations(io.fabric8.kubernetes.api.model.HasMetadata object) {
        var annotations = object.getMetadata().getAnnotations();
        return annotations == null ? Map.of() : annotations;
    }

    static void assertSecretRef(Map<String, EnvVar> env, String name, String secret, String key) {
        EnvVar var = env.get(name);
        assertNotNull(var, () -> "no env " + name + " in " + env.keySet());
        assertNull(var.getValue(), () -> name + " must not have a literal value");
        assertEquals(secret, var.getValueFrom().getSecretKeyRef().getName(), name);
        assertEquals(key, var.getValueFrom().getSecretKeyRef().getKey(), name);
    }
}
