package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/** The usage producer's settings: shared {@code kafka.*} ones, Keyway's batching, overrides, fixed guarantees. */
class UsageProducerSettingsTests {

    private static SmallRyeConfig config(Map<String, String> properties) {
        return new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(properties, "test", 500)).build();
    }

    @Test
    void usageEventsLeaveInLargeCompressedBatchesWithAcksAllAndIdempotence() {
        Map<String, Object> props = UsagePublisher.producerConfig(
                Map.of("bootstrap.servers", "broker:9092", "group.id", "not-a-producer-setting"), config(Map.of()));

        assertEquals("broker:9092", props.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        assertFalse(props.containsKey("group.id"), "consumer-only settings are not passed to the producer");
        assertEquals(200, props.get(ProducerConfig.LINGER_MS_CONFIG));
        assertEquals(262144, props.get(ProducerConfig.BATCH_SIZE_CONFIG));
        assertEquals("lz4", props.get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
        assertEquals("all", props.get(ProducerConfig.ACKS_CONFIG));
        assertEquals(true, props.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
    }

    @Test
    void operatorOverridesApplyButCannotWeakenDeliveryGuarantees() {
        Map<String, Object> props = UsagePublisher.producerConfig(Map.of("bootstrap.servers", "broker:9092"), config(Map.of(
                "keyway.gateway.usage.producer.linger.ms", "50",
                "keyway.gateway.usage.producer.compression.type", "zstd",
                "keyway.gateway.usage.producer.acks", "1",
                "keyway.gateway.usage.producer.enable.idempotence", "false")));

        assertEquals("50", props.get(ProducerConfig.LINGER_MS_CONFIG));
        assertEquals("zstd", props.get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
        assertEquals("all", props.get(ProducerConfig.ACKS_CONFIG));
        assertEquals(true, props.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
    }

    @Test
    void theUsageBufferFitsAQuarterOfTheHeapAtTwoKilobytesAnEventUnlessSet() {
        long mb = 1024L * 1024;
        assertEquals(12_288, UsagePublisher.maxPending(OptionalInt.empty(), 96 * mb), "the small-instance heap");
        assertEquals(50_000, UsagePublisher.maxPending(OptionalInt.empty(), 576 * mb), "at most 50,000");
        assertEquals(1_000, UsagePublisher.maxPending(OptionalInt.empty(), 4 * mb), "at least 1,000");
        assertEquals(80_000, UsagePublisher.maxPending(OptionalInt.of(80_000), 96 * mb), "an operator's setting wins");
    }
}
