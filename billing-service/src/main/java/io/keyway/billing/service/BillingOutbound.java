package io.keyway.billing.service;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keyway.billing.config.BillingConfig;
import io.keyway.contracts.AccountApiKeyUsage;
import io.keyway.contracts.AccountState;
import io.keyway.contracts.Charge;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Everything billing-service writes to Kafka: charges, account states, per-API-key usage and dead letters. One
 * idempotent producer (acks=all), so a retried send is not written twice. Sends of one account keep their order (same
 * key, same partition).
 */
@ApplicationScoped
public class BillingOutbound {

    /** Header on a dead letter: why the usage event was refused. */
    public static final String DLQ_REASON_HEADER = "keyway.dlq.reason";
    public static final String DLQ_SOURCE_HEADER = "keyway.dlq.source";

    private final KafkaProducer<String, byte[]> producer;
    private final BillingConfig config;
    private final ObjectMapper json;
    private final com.fasterxml.jackson.databind.ObjectWriter chargeWriter;

    public BillingOutbound(@Identifier("default-kafka-broker") Map<String, Object> kafka, BillingConfig config) {
        this.config = config;
        this.json = wireMapper();
        this.chargeWriter = json.writerFor(Charge.class);
        this.producer = new KafkaProducer<>(producerConfig(kafka), new StringSerializer(), new ByteArraySerializer());
    }

    /** The service's kafka.* settings (bootstrap servers, SASL, TLS), then the outbound producer's own. */
    static Map<String, Object> producerConfig(Map<String, Object> kafka) {
        Map<String, Object> props = KafkaClientSettings.only(kafka, ProducerConfig.configNames());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "billing-service-outbound");
        return props;
    }

    /** Jackson set up for the wire: ISO times, decimal strings without exponents. */
    public static ObjectMapper wireMapper() {
        return new ObjectMapper()
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);
    }

    /** Sends a batch's charges; {@link #await} before the batch commits (at least once, charge_id deduplicates). */
    public List<Future<RecordMetadata>> sendCharges(List<Charge> charges) {
        List<Future<RecordMetadata>> sent = new ArrayList<>(charges.size());
        for (Charge charge : charges) {
            byte[] value;
            try {
                value = chargeWriter.writeValueAsBytes(charge);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot serialise a charge", e);
            }
            sent.add(producer.send(new ProducerRecord<>(config.chargesTopic(), charge.accountId(), value)));
        }
        return sent;
    }

    public Future<RecordMetadata> sendDeadLetter(String key, byte[] value, String reason, String source) {
        var record = new ProducerRecord<>(config.deadLetterTopic(), key, value);
        record.headers().add(new RecordHeader(DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8)));
        record.headers().add(new RecordHeader(DLQ_SOURCE_HEADER, source.getBytes(StandardCharsets.UTF_8)));
        return producer.send(record);
    }

    public Future<RecordMetadata> sendState(AccountState state) {
        return producer.send(new ProducerRecord<>(config.accountStateTopic(), state.accountId(), bytes(state)));
    }

    public Future<RecordMetadata> sendKeyUsage(AccountApiKeyUsage usage) {
        return producer.send(new ProducerRecord<>(config.apiKeyUsageTopic(), usage.accountId(), bytes(usage)));
    }

    /** Waits until every send is acknowledged by the broker; throws when one failed. */
    public static void await(List<Future<RecordMetadata>> sends, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            for (Future<RecordMetadata> send : sends) {
                send.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka acknowledgements", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge a send", e);
        }
    }

    private byte[] bytes(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    @PreDestroy
    void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
