package io.keyway.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.keyway.contracts.Topics;
import io.keyway.contracts.UsageEvent;
import io.keyway.gateway.service.UsagePublisher;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** A usage event goes through the real broker, keyed by account, and what arrives validates against the schema. */
@QuarkusTest
class UsagePublisherTests {

    @Inject
    UsagePublisher publisher;

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void publishedUsageEventIsKeyedByAccountAndValidatesAgainstItsSchema() throws Exception {
        String accountId = "acct-" + UUID.randomUUID();
        UsageEvent event = new UsageEvent(UsageEvent.SCHEMA_VERSION, UUID.randomUUID().toString(), Instant.now(),
                accountId, "key-1", "openai/gpt-4o-mini", "openai", false, null, 10, 5,
                new BigDecimal("0.0000045"), UsageEvent.Status.SUCCESS, 200, 12, false, 1, List.of(), null, false,
                List.of(), new UsageEvent.GenerationDetail("OpenAI", "stop", "stop", 5L, 0L, 0L, false, null, null,
                        List.of(new UsageEvent.AttemptDetail("openai/gpt-4o-mini", "openai", "pooled", null, 200,
                                "success", 12))));

        try (var consumer = new KafkaConsumer<String, String>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID()), new StringDeserializer(), new StringDeserializer())) {
            var partitions = consumer.partitionsFor(Topics.USAGE).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // fix the start before publishing

            publisher.publish(event).await().atMost(Duration.ofSeconds(30));

            ConsumerRecord<String, String> received = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received == null && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value().contains(event.eventId())) {
                        received = r;
                    }
                }
            }
            assertNotNull(received, "event did not arrive on " + Topics.USAGE);
            assertEquals(accountId, received.key());
            JsonNode body = json.readTree(received.value());
            var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(
                    UsageEvent.class.getClassLoader().getResourceAsStream(UsageEvent.SCHEMA_RESOURCE),
                    SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
            var errors = schema.validate(body);
            assertTrue(errors.isEmpty(), () -> "schema violations: " + errors);
            assertEquals("0.0000045", body.get("list_cost").textValue());
        }
    }
}
