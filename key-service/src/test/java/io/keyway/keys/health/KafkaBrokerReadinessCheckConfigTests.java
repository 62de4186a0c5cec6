package io.keyway.keys.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaBrokerReadinessCheckConfigTests {

    @Test
    void readinessCheckReachesTheBrokerWithTheServicesSecuritySettings() {
        Map<String, Object> admin = KafkaBrokerReadinessCheck.adminConfig(Map.of(
                "bootstrap.servers", "kafka-0:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "ssl.truststore.location", "/etc/kafka/ca.p12",
                "health-enabled", "false"));

        assertEquals("kafka-0:9093", admin.get("bootstrap.servers"));
        assertEquals("SASL_SSL", admin.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", admin.get("sasl.mechanism"));
        assertEquals("/etc/kafka/ca.p12", admin.get("ssl.truststore.location"));
        assertEquals(KafkaBrokerReadinessCheck.TIMEOUT_MS, admin.get("request.timeout.ms"));
        assertFalse(admin.containsKey("health-enabled"), "only Kafka admin-client settings are passed on");
    }
}
