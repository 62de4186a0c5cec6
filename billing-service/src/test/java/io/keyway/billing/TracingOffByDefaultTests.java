package io.keyway.billing;

import io.keyway.billing.service.UsageConsumer;
import io.keyway.billing.service.UsageConsumers;
import io.keyway.contracts.tracing.TracingOff;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
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
        TracingOff.assertSdkDisabledByTheSwitch();
        TracingOff.assertNoVertxTracer(vertx);
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
        TracingOff.assertNothingExported(openTelemetry, exported);
    }
}
