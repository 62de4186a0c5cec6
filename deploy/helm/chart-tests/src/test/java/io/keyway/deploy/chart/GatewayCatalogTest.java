package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The model catalog ConfigMap mounted into the gateway; the gateway reads KEYWAY_GATEWAY_CATALOG_PATH. */
class GatewayCatalogTest {

    @Test
    void inlineCatalogBecomesAConfigMapFileAtTheConfiguredPath() {
        var chart = KeywayChart.render("profiles/catalog.yaml");
        var configMap = chart.get(ConfigMap.class, GATEWAY.resourceName() + "-catalog");
        assertTrue(configMap.getData().get("catalog.json").contains("\"openai/gpt-4o-mini\""));

        var pod = chart.deployment(GATEWAY).getSpec().getTemplate().getSpec();
        var volume = pod.getVolumes().stream().filter(v -> v.getConfigMap() != null
                && configMap.getMetadata().getName().equals(v.getConfigMap().getName())).findFirst().orElseThrow();
        var mount = chart.container(GATEWAY).getVolumeMounts().stream()
                .filter(m -> m.getName().equals(volume.getName())).findFirst().orElseThrow();
        assertEquals("/etc/keyway/models", mount.getMountPath());
        assertEquals("/etc/keyway/models/catalog.json", chart.configEnv(GATEWAY).get("KEYWAY_GATEWAY_CATALOG_PATH"));
        assertTrue(pod.getContainers().size() == 1 && chart.deployment(GATEWAY).getSpec().getTemplate().getMetadata()
                .getAnnotations().containsKey("checksum/catalog"), "a catalog change must roll the gateway");
    }

    @Test
    void existingConfigMapIsMountedAndNoneIsRendered() {
        var chart = KeywayChart.render(Map.of("gateway.catalog.existingConfigMap", "prices-2026-11"));
        assertTrue(chart.find(ConfigMap.class, GATEWAY.resourceName() + "-catalog").isEmpty());
        var pod = chart.deployment(GATEWAY).getSpec().getTemplate().getSpec();
        assertTrue(pod.getVolumes().stream().anyMatch(v -> v.getConfigMap() != null
                && "prices-2026-11".equals(v.getConfigMap().getName())));
        assertEquals("/etc/keyway/catalog/models.json", chart.configEnv(GATEWAY).get("KEYWAY_GATEWAY_CATALOG_PATH"));
    }

    @Test
    void catalogFileGivenWithSetFileReachesTheGatewayByteForByte() throws IOException {
        // The operator's workflow: helm upgrade ... --set-file gateway.catalog.content=catalog.json
        var catalog = KeywayChart.repoDir().resolve("gateway-service/src/main/resources/catalog.json");
        var chart = RenderedChart.parse(new Helm(KeywayChart.chartDir()).template().withName(KeywayChart.RELEASE)
                .withNamespace(KeywayChart.NAMESPACE).withKubeVersion(KeywayChart.KUBE_VERSION)
                .setFile("gateway.catalog.content", catalog).call());
        var data = chart.get(ConfigMap.class, GATEWAY.resourceName() + "-catalog").getData().get("models.json");
        assertEquals(Files.readString(catalog).strip(), data.strip());
    }
}
