package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.DefaultValuesTest.assertSecretRef;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Kafka with SASL_SSL (SCRAM) and a private CA, and with mutual TLS: standard Kafka client properties as environment
 * variables.
 */
class KafkaSecurityProfileTest {

    private static final RenderedChart chart = KeywayChart.render("profiles/kafka-sasl-ssl.yaml");

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void everyServiceSpeaksSaslSslWithTheJaasConfigFromItsSecret(RenderedChart.Component component) {
        var env = chart.configEnv(component);
        assertEquals("b-1.kafka.internal:9096,b-2.kafka.internal:9096", env.get("KEYWAY_KAFKA_BOOTSTRAP"));
        assertEquals("SASL_SSL", env.get("KAFKA_SECURITY_PROTOCOL"));
        assertEquals("SCRAM-SHA-512", env.get("KAFKA_SASL_MECHANISM"));
        assertEquals("use_all_dns_ips", env.get("KAFKA_CLIENT_DNS_LOOKUP"), "extraProperties become KAFKA_* variables");
        assertSecretRef(chart.containerEnv(component), "KAFKA_SASL_JAAS_CONFIG", "keyway-kafka", "jaas");
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void brokerCaIsMountedAndUsedAsAPemTruststore(RenderedChart.Component component) {
        var pod = chart.deployment(component).getSpec().getTemplate().getSpec();
        var volume = pod.getVolumes().stream()
                .filter(v -> v.getSecret() != null && "kafka-ca".equals(v.getSecret().getSecretName())).findFirst().orElseThrow();
        var mount = chart.container(component).getVolumeMounts().stream()
                .filter(m -> m.getName().equals(volume.getName())).findFirst().orElseThrow();
        var env = chart.configEnv(component);
        assertEquals("PEM", env.get("KAFKA_SSL_TRUSTSTORE_TYPE"));
        assertEquals(mount.getMountPath() + "/ca.crt", env.get("KAFKA_SSL_TRUSTSTORE_LOCATION"));
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void mutualTlsPresentsTheClientKeystoreFromItsSecret(RenderedChart.Component component) {
        var mtls = KeywayChart.render("profiles/kafka-mtls.yaml");
        var pod = mtls.deployment(component).getSpec().getTemplate().getSpec();
        var volume = pod.getVolumes().stream().filter(v -> v.getSecret() != null
                && "keyway-kafka-user".equals(v.getSecret().getSecretName())).findFirst().orElseThrow();
        assertEquals(List.of("user.p12"), volume.getSecret().getItems().stream().map(i -> i.getKey()).toList(),
                "only the keystore is mounted; its password comes as a secret reference");
        var mount = mtls.container(component).getVolumeMounts().stream()
                .filter(m -> m.getName().equals(volume.getName())).findFirst().orElseThrow();
        assertEquals(Boolean.TRUE, mount.getReadOnly());
        var env = mtls.configEnv(component);
        assertEquals("SSL", env.get("KAFKA_SECURITY_PROTOCOL"));
        assertEquals("PKCS12", env.get("KAFKA_SSL_KEYSTORE_TYPE"));
        assertEquals(mount.getMountPath() + "/user.p12", env.get("KAFKA_SSL_KEYSTORE_LOCATION"));
        assertSecretRef(mtls.containerEnv(component), "KAFKA_SSL_KEYSTORE_PASSWORD", "keyway-kafka-user", "user.password");
        assertFalse(mtls.containerEnv(component).containsKey("KAFKA_SASL_JAAS_CONFIG"));
    }

    @Test
    void plaintextByDefaultWithoutSaslSettings() {
        var plain = KeywayChart.render();
        for (var component : RenderedChart.Component.values()) {
            assertFalse(plain.configEnv(component).containsKey("KAFKA_SASL_MECHANISM"));
            assertFalse(plain.containerEnv(component).containsKey("KAFKA_SASL_JAAS_CONFIG"));
            assertFalse(plain.configEnv(component).containsKey("KAFKA_SSL_TRUSTSTORE_LOCATION"));
            assertFalse(plain.configEnv(component).containsKey("KAFKA_SSL_KEYSTORE_LOCATION"));
            assertFalse(plain.containerEnv(component).containsKey("KAFKA_SSL_KEYSTORE_PASSWORD"));
        }
    }
}
