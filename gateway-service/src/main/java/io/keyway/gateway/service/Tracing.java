package io.keyway.gateway.service;

import io.keyway.contracts.TracingSwitch;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Whether the gateway traces, and each chat completion's {@link RequestTrace}. Tracing is on when the OTLP endpoint is
 * set ({@code KEYWAY_OTEL_ENDPOINT}, {@link TracingSwitch}); off, the OpenTelemetry SDK is disabled at run time and
 * every request gets {@link RequestTrace#OFF}, whose methods return at once: no span, no context look-up, nothing
 * allocated on the hot path. (A disabled SDK would still build real, unexported spans for code that asks it to: the
 * check here is what makes "off" free.)
 */
@Singleton
public class Tracing {

    /** The instrumentation scope of the gateway's own spans. */
    public static final String SCOPE = "io.keyway.gateway";

    private final boolean on;
    private final Tracer tracer;
    private final TextMapPropagator propagator;

    public Tracing(OpenTelemetry openTelemetry,
                   @ConfigProperty(name = TracingSwitch.SDK_DISABLED, defaultValue = "false") boolean sdkDisabled) {
        this.on = !sdkDisabled;
        this.tracer = openTelemetry.getTracer(SCOPE);
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    public boolean on() {
        return on;
    }

    /**
     * The trace of a request whose record was just made: its spans' parent is the request's server span (the current
     * context, so call this on the request's event loop), which is tagged with the generation and account ids so that
     * a trace can be found from {@code /generation} or a tenant's report.
     */
    public RequestTrace request(Generation generation) {
        if (!on) {
            return RequestTrace.OFF;
        }
        Context request = Context.current();
        Span server = Span.fromContext(request);
        if (server.isRecording()) {
            server.setAttribute(RequestTrace.GENERATION_ID, generation.publicId());
            server.setAttribute(RequestTrace.ACCOUNT_ID, generation.accountId);
        }
        return new RequestTrace(tracer, propagator, request);
    }
}
