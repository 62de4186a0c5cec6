package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.DefaultValuesTest.assertSecretRef;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The values files docs/operations.md tells operators to start from (deploy/helm/keyway/examples) must work. */
class ExampleValuesTest {

    private static final String COMMON = "chart:examples/common.yaml";

    @ParameterizedTest(name = "{0}")
    @CsvSource({"local-store.yaml, local", "vault-kubernetes.yaml, vault", "aws-irsa.yaml, aws"})
    void eachSecretStoreExampleInstallsWithTheCommonValues(String example, String store) {
        var chart = KeywayChart.render(COMMON, "chart:examples/" + example);
        assertEquals(store, chart.configEnv(KEY_SERVICE).get("KEYWAY_KEYS_DEFAULT_SECRET_STORE"));
        assertEquals("registry.example.com/keyway/gateway-service:0.1.0", chart.container(GATEWAY).getImage());
        var ingress = chart.all(Ingress.class).get(0);
        assertEquals("llm.example.com", ingress.getSpec().getRules().get(0).getHost());
        assertEquals("off", ingress.getMetadata().getAnnotations().get("nginx.ingress.kubernetes.io/proxy-buffering"),
                "server-sent events must not be buffered by the ingress controller");
        assertEquals(1, chart.all(HorizontalPodAutoscaler.class).size());
        assertEquals(3, chart.ofKind("ServiceMonitor").size());
        assertEquals("postgresql://pg.db.svc:5432/keyway_keys", chart.configEnv(KEY_SERVICE).get("KEYWAY_KEYS_DB_URL"));
    }

    @Test
    void kafkaExampleAddsSaslToEveryService() {
        var chart = KeywayChart.render(COMMON, "chart:examples/local-store.yaml", "chart:examples/kafka-sasl-ssl.yaml");
        for (var component : RenderedChart.Component.values()) {
            assertEquals("SASL_SSL", chart.configEnv(component).get("KAFKA_SECURITY_PROTOCOL"));
            assertSecretRef(chart.containerEnv(component), "KAFKA_SASL_JAAS_CONFIG", "keyway-kafka", "sasl-jaas-config");
        }
    }
}
