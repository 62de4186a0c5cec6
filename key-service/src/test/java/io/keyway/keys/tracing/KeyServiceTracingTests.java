package io.keyway.keys.tracing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * With tracing on, a call to key-service that carries W3C trace context (as the gateway's cache misses do) is served
 * in a span of the caller's trace, its parent the caller's span.
 */
@QuarkusTest
@TestProfile(KeyServiceTracingTests.TracingOn.class)
class KeyServiceTracingTests {

    /** Tracing on, with the spans exported every 50 ms (the default waits 5 s). */
    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false", "quarkus.otel.bsp.schedule.delay", "50ms");
        }
    }

    @Inject
    InMemorySpanExporter exported;

    static String hex(int bytes) {
        byte[] b = new byte[bytes];
        new Random().nextBytes(b);
        b[0] |= 1;
        return HexFormat.of().formatHex(b);
    }

    @Test
    void anInternalCallWithATraceparentIsServedInTheCallersTrace() {
        String traceId = hex(16);
        String parent = hex(8);
        given().header("Authorization", "Bearer local-gateway-token")
                .header("traceparent", "00-" + traceId + "-" + parent + "-01")
                .get("/internal/v1/api-keys/{hash}", hex(32)).then().statusCode(404);
        SpanData server = Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> exported.getFinishedSpanItems()
                .stream().filter(s -> s.getKind() == SpanKind.SERVER && s.getTraceId().equals(traceId)).findFirst()
                .orElse(null), Objects::nonNull);
        assertEquals(parent, server.getParentSpanId());
    }
}
