package io.keyway.keys.tracing;

import static io.restassured.RestAssured.given;

import io.keyway.contracts.tracing.TracingOff;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Without {@code KEYWAY_OTEL_ENDPOINT} (the default, and this test's profile) key-service does not trace: the SDK is
 * disabled at run time, Vert.x has no tracer, and a call that carries a traceparent exports no span.
 */
@QuarkusTest
class TracingOffByDefaultTests {

    @Inject
    InMemorySpanExporter exported;

    @Inject
    OpenTelemetry openTelemetry;

    @Inject
    Vertx vertx;

    @Test
    void withoutAnEndpointNothingIsTracedOrExported() {
        TracingOff.assertSdkDisabledByTheSwitch();
        TracingOff.assertNoVertxTracer(vertx);
        given().header("Authorization", "Bearer local-gateway-token")
                .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .get("/internal/v1/api-keys/{hash}", "ab".repeat(32)).then().statusCode(404);
        TracingOff.assertNothingExported(openTelemetry, exported);
    }
}
