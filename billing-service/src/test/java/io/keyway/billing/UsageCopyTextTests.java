package io.keyway.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keyway.billing.service.UsageBatchApplier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The consumer writes usage records and generations with COPY's text format: a value holding COPY's own separators
 * (tab, newline, carriage return, backslash) is stored exactly as the event had it, in the columns and in the jsonb
 * detail, and a value without them (the usual case, copied in one go) too.
 */
@QuarkusTest
class UsageCopyTextTests {

    @Inject
    UsageBatchApplier applier;

    @Inject
    DataSource dataSource;

    private String stored(String sql, String eventId) {
        return (String) new TestDb(dataSource).one(sql, eventId);
    }

    @Test
    void valuesHoldingCopysSeparatorsAreStoredAsTheEventHadThem() throws Exception {
        String account = UsageEvents.newAccount();
        String odd = UUID.randomUUID().toString();
        String plain = UUID.randomUUID().toString();
        // JSON text of the model: a tab, a backslash, a newline, a carriage return and a quote
        String oddModelJson = "vendor/odd\\tmodel\\\\v2\\nline\\r\\\"q\\\"";
        String oddModel = "vendor/odd\tmodel\\v2\nline\r\"q\"";
        Instant at = Instant.parse("2026-11-20T10:00:00Z");
        String topic = "keyway.test.usage.copytext." + UUID.randomUUID();
        List<ConsumerRecord<String, byte[]>> batch = List.of(
                new ConsumerRecord<>(topic, 0, 0, account, GenerationHistoryTests.event(odd, account, "key-" + account,
                        at, oddModelJson, "openai", false, "success", "0.01").getBytes(StandardCharsets.UTF_8)),
                new ConsumerRecord<>(topic, 0, 1, account, GenerationHistoryTests.event(plain, account,
                        "key-" + account, at, "openai/gpt-4o-mini", "openai", false, "success", "0.01")
                        .getBytes(StandardCharsets.UTF_8)));

        assertEquals(2, applier.apply(topic, batch, null).applied());

        assertEquals(oddModel, stored("SELECT model FROM usage_records WHERE event_id = ?::uuid", odd));
        assertEquals(oddModel, stored("SELECT model FROM generations WHERE event_id = ?::uuid", odd));
        assertEquals(oddModel, stored("SELECT detail->'attempts'->1->>'model' FROM generations WHERE event_id = ?::uuid",
                odd));
        assertEquals("openai/gpt-4o-mini", stored("SELECT model FROM usage_records WHERE event_id = ?::uuid", plain));
        assertEquals("https://app.example.test/",
                stored("SELECT detail->>'http_referer' FROM generations WHERE event_id = ?::uuid", plain));
    }
}
