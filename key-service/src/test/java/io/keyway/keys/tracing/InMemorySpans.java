package io.keyway.keys.tracing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Test code: the OpenTelemetry SDK's in-memory span exporter as a CDI bean. Quarkus' default trace exporter ("cdi")
 * hands every finished span to the {@code SpanExporter} beans, so a test whose profile turns tracing on reads the
 * spans from here; the tests' builds send none over the network ({@code %test.quarkus.otel.exporter.otlp.enabled=false}).
 */
@ApplicationScoped
public class InMemorySpans {

    @Produces
    @Singleton
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}
