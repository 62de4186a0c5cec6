package io.keyway.gateway.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 item 5, readiness during a Kafka outage (docs/operations.md, "Kafka outage"): a gateway whose broker is
 * gone stays ready while its usage-event buffer has room, and is taken out of service once the buffer is full. The
 * broker here is a port where nothing listens; the buffer is the usage publisher's pending count.
 */
class KafkaBrokerReadinessCheckTests {

    static final int MAX_PENDING = 5;
    final AtomicInteger pending = new AtomicInteger();
    final KafkaBrokerReadinessCheck check = new KafkaBrokerReadinessCheck(
            Map.of("bootstrap.servers", "127.0.0.1:1"), pending::get, MAX_PENDING);

    @AfterEach
    void close() {
        check.close();
    }

    @Test
    void withTheBrokerUnreachableAndRoomInTheUsageBufferTheGatewayStaysReady() {
        pending.set(MAX_PENDING - 1);

        HealthCheckResponse r = check.call();

        assertEquals(HealthCheckResponse.Status.UP, r.getStatus());
        Map<String, Object> data = r.getData().orElseThrow();
        assertTrue(String.valueOf(data.get("reason")).startsWith("broker unreachable"), data::toString);
        assertEquals(4L, ((Number) data.get("usage_events_pending")).longValue());
        assertEquals(5L, ((Number) data.get("usage_events_max_pending")).longValue());
    }

    @Test
    void withTheBrokerUnreachableAndTheUsageBufferFullTheGatewayIsNotReady() {
        pending.set(MAX_PENDING);

        HealthCheckResponse r = check.call();

        assertEquals(HealthCheckResponse.Status.DOWN, r.getStatus());
        assertTrue(String.valueOf(r.getData().orElseThrow().get("serving")).contains("buffer full"),
                () -> r.getData().toString());
    }
}
