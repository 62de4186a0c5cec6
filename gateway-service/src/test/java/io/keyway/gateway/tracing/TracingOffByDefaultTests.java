package io.keyway.gateway.tracing;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.TracingSwitch;
import io.keyway.gateway.service.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.SmallRyeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
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
        ConfigValue disabled = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class)
                .getConfigValue(TracingSwitch.SDK_DISABLED);
        assertEquals("true", disabled.getValue());
        assertTrue(disabled.getSourceName().contains(TracingSwitch.ENV), disabled.getSourceName());
        assertFalse(tracing.on());
    }

    @Test
    void vertxRunsWithoutATracerSoTheHotPathHasNoTracingHook() {
        assertNull(((VertxInternal) vertx).tracer());
    }

    @Test
    void requestsExportNoSpanAndTheSdkHasNoExporter() {
        given().header("Authorization", "Bearer not-a-keyway-key").contentType(ContentType.JSON).body("{}")
                .post("/api/v1/chat/completions").then().statusCode(401);
        given().get("/api/v1/models").then().statusCode(200);
        OpenTelemetrySdk sdk = (OpenTelemetrySdk) openTelemetry;
        assertTrue(sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS).isSuccess());
        assertTrue(exported.getFinishedSpanItems().isEmpty(), () -> "spans: " + exported.getFinishedSpanItems());
        assertTrue(sdk.getSdkTracerProvider().toString().contains("NoopSpanProcessor"),
                () -> "a span processor (and so an exporter) is configured: " + sdk.getSdkTracerProvider());
    }
}
