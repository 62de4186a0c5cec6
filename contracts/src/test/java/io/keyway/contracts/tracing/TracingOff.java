package io.keyway.contracts.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.contracts.TracingSwitch;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.SmallRyeConfig;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * What each service's {@code TracingOffByDefaultTests} checks of a service started without
 * {@code KEYWAY_OTEL_ENDPOINT}, after driving its own traffic: the SDK is disabled by {@link TracingSwitch} (not by a
 * test setting), Vert.x runs without a tracer, and nothing was exported because the SDK has no span processor.
 */
public final class TracingOff {

    private TracingOff() {
    }

    /** {@code quarkus.otel.sdk.disabled=true}, and the value comes from the tracing switch's configuration source. */
    public static void assertSdkDisabledByTheSwitch() {
        ConfigValue disabled = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class)
                .getConfigValue(TracingSwitch.SDK_DISABLED);
        assertEquals("true", disabled.getValue());
        assertTrue(disabled.getSourceName().contains(TracingSwitch.ENV), disabled.getSourceName());
    }

    /** Quarkus installed no Vert.x tracer: the request path has no tracing hook at all. */
    public static void assertNoVertxTracer(Vertx vertx) {
        assertNull(((VertxInternal) vertx).tracer());
    }

    /** After a flush, {@code exported} holds no span, and the SDK has no span processor (so no exporter). */
    public static void assertNothingExported(OpenTelemetry openTelemetry, InMemorySpanExporter exported) {
        OpenTelemetrySdk sdk = (OpenTelemetrySdk) openTelemetry;
        assertTrue(sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS).isSuccess());
        assertTrue(exported.getFinishedSpanItems().isEmpty(), () -> "spans: " + exported.getFinishedSpanItems());
        assertTrue(sdk.getSdkTracerProvider().toString().contains("NoopSpanProcessor"),
                () -> "a span processor (and so an exporter) is configured: " + sdk.getSdkTracerProvider());
    }
}
