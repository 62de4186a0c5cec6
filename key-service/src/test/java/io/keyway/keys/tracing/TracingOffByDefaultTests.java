package io.keyway.keys.tracing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.TracingSwitch;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.SmallRyeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
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
        ConfigValue disabled = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class)
                .getConfigValue(TracingSwitch.SDK_DISABLED);
        assertEquals("true", disabled.getValue());
        assertTrue(disabled.getSourceName().contains(TracingSwitch.ENV), disabled.getSourceName());
        assertNull(((VertxInternal) vertx).tracer());
        given().header("Authorization", "Bearer local-gateway-token")
                .header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .get("/internal/v1/api-keys/{hash}", "ab".repeat(32)).then().statusCode(404);
        OpenTelemetrySdk sdk = (OpenTelemetrySdk) openTelemetry;
        assertTrue(sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS).isSuccess());
        assertTrue(exported.getFinishedSpanItems().isEmpty(), () -> "spans: " + exported.getFinishedSpanItems());
        assertTrue(sdk.getSdkTracerProvider().toString().contains("NoopSpanProcessor"),
                () -> "a span processor (and so an exporter) is configured: " + sdk.getSdkTracerProvider());
    }
}
