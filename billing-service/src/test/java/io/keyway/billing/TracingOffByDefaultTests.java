package io.keyway.billing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.billing.service.UsageConsumer;
import io.keyway.billing.service.UsageConsumers;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Without {@code KEYWAY_OTEL_ENDPOINT} (the default, and this test's profile) billing does not trace: the SDK is
 * disabled at run time, Vert.x has no tracer, and an event that carries a traceparent is applied without any span.
 */
@QuarkusTest
class TracingOffByDefaultTests {

    @Inject
    UsageConsumers consumers;

    @Inject
    InMemorySpanExporter exported;

    @Inject
    OpenTelemetry openTelemetry;

    @Inject
    Vertx vertx;

    @Inject
    DataSource dataSource;

    @Test
    void withoutAnEndpointTheSdkIsDisabledAndVertxHasNoTracer() {
        ConfigValue disabled = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class)
                .getConfigValue(TracingSwitch.SDK_DISABLED);
        assertEquals("true", disabled.getValue());
        assertTrue(disabled.getSourceName().contains(TracingSwitch.ENV), disabled.getSourceName());
        assertNull(((VertxInternal) vertx).tracer());
    }

    @Test
    void aTracedUsageEventIsAppliedWithoutExportingASpan() throws Exception {
        String topic = "keyway.test.usage.untraced." + UUID.randomUUID();
        BillingTestTopics.createTopics(List.of(new NewTopic(topic, 1, (short) 1)));
        String account = UsageEvents.newAccount();
        UsageTracingTests.send(topic, Map.of(account, UsageTracingTests.Traceparent.generate()));
        TestDb db = new TestDb(dataSource);
        try (UsageConsumer consumer = consumers.newConsumer(topic, "untraced-" + UUID.randomUUID(), null).start()) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                    db.count("SELECT count(*) FROM usage_records WHERE account_id = ?", account) == 1);
        }
        OpenTelemetrySdk sdk = (OpenTelemetrySdk) openTelemetry;
        assertTrue(sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS).isSuccess());
        assertTrue(exported.getFinishedSpanItems().isEmpty(), () -> "spans: " + exported.getFinishedSpanItems());
        assertTrue(sdk.getSdkTracerProvider().toString().contains("NoopSpanProcessor"),
                () -> "a span processor (and so an exporter) is configured: " + sdk.getSdkTracerProvider());
    }
}
