package io.keyway.billing.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

/** billing's own Kafka clients (usage consumer, outbound producer) reach a secured cluster as Quarkus' clients do. */
class KafkaClientSettingsTests {

    static final Map<String, Object> SECURED = Map.of(
            "bootstrap.servers", "kafka-0:9093",
            "security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-512",
            "ssl.truststore.location", "/etc/kafka/ca.p12",
            "health-enabled", "false");

    @Test
    void usageConsumerTakesTheServicesKafkaSecuritySettings() {
        Map<String, Object> props = KafkaClientSettings.only(SECURED, ConsumerConfig.configNames());
        assertEquals("kafka-0:9093", props.get("bootstrap.servers"));
        assertEquals("SASL_SSL", props.get("security.protocol"));
        assertEquals("SCRAM-SHA-512", props.get("sasl.mechanism"));
        assertFalse(props.containsKey("health-enabled"), "only Kafka client settings are passed on");
    }

    @Test
    void outboundProducerTakesTheServicesKafkaSecuritySettingsAndKeepsItsDeliveryGuarantees() {
        Map<String, Object> props = BillingOutbound.producerConfig(Map.of(
                "bootstrap.servers", "kafka-0:9093", "security.protocol", "SSL", "acks", "1"));
        assertEquals("kafka-0:9093", props.get("bootstrap.servers"));
        assertEquals("SSL", props.get("security.protocol"));
        assertEquals("all", props.get("acks"));
        assertEquals(true, props.get("enable.idempotence"));
    }
}
