package io.keyway.gateway.tracing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.keyway.contracts.TracingSwitch;
import io.keyway.contracts.tracing.TracingOff;
import io.keyway.gateway.service.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * Without {@code KEYWAY_OTEL_ENDPOINT} (the default, and this test's profile) the gateway does not trace: the SDK is
 * disabled at run time by {@link TracingSwitch}, Vert.x runs without a tracer (the chat route's hot path has no
 * tracing hook at all), the SDK has no span processor, so no exporter, and requests export no span even after a flush.
 */
@QuarkusTest
class TracingOffByDefaultTests {

    @Inject
    Tracing tracing;

    @Inject
    Vertx vertx;

    @Inject
    OpenTelemetry openTelemetry;

    @Inject
    InMemorySpanExporter exported;

    @Test
    void withoutAnEndpointTheSdkIsDisabledByTheTracingSwitch() {
        TracingOff.assertSdkDisabledByTheSwitch();
        assertFalse(tracing.on());
    }

    @Test
    void vertxRunsWithoutATracerSoTheHotPathHasNoTracingHook() {
        TracingOff.assertNoVertxTracer(vertx);
    }

    @Test
    void requestsExportNoSpanAndTheSdkHasNoExporter() {
        given().header("Authorization", "Bearer not-a-keyway-key").contentType(ContentType.JSON).body("{}")
                .post("/api/v1/chat/completions").then().statusCode(401);
        given().get("/api/v1/models").then().statusCode(200);
        TracingOff.assertNothingExported(openTelemetry, exported);
    }
}
