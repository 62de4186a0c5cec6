package io.keyway.gateway.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.AccountState;
import io.keyway.contracts.Topics;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** Readiness waits for the account states that existed when the gateway started, not for a topic that stands still. */
@QuarkusTest
class AccountStateReadinessTests {

    @Inject
    KafkaClientService kafka;

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void accountStateCountsAsLoadedOnceTheBacklogFoundAtTheFirstCheckIsReadWhileBillingKeepsPublishing() throws Exception {
        String accountId = "acct-readiness-" + UUID.randomUUID();
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicLong published = new AtomicLong();
        // Billing working through usage: a new state every millisecond for as long as the check is asked.
        Thread billing = new Thread(() -> {
            try (var producer = new KafkaProducer<String, String>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new StringSerializer())) {
                while (publishing.get()) {
                    long sequence = published.incrementAndGet();
                    AccountState state = new AccountState(AccountState.SCHEMA_VERSION, accountId, new BigDecimal("5.00"),
                            "2026-11", 0, BigDecimal.ZERO, BigDecimal.ZERO, null, List.of(), sequence, Instant.now());
                    producer.send(new ProducerRecord<>(Topics.ACCOUNT_STATE, accountId, json.writeValueAsString(state)));
                    Thread.sleep(1);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "billing-stand-in");
        billing.start();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> published.get() > 200); // the topic is moving
            AccountStateReadinessCheck check = new AccountStateReadinessCheck(kafka); // asked for the first time now
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> check.call().getStatus() == HealthCheckResponse.Status.UP);
            long whenReady = published.get();
            await().atMost(Duration.ofSeconds(5)).until(() -> published.get() > whenReady + 50);
            assertTrue(billing.isAlive(), "states were still being published when the check said loaded");
        } finally {
            publishing.set(false);
            billing.join(10_000);
        }
    }
}
