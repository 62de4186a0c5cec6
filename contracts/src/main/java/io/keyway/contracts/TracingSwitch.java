package io.keyway.contracts;

import java.net.URI;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The one setting that turns OpenTelemetry tracing on in every Keyway service: the OTLP endpoint, environment
 * {@code KEYWAY_OTEL_ENDPOINT} (or system property {@code keyway.otel.endpoint}), e.g. {@code http://otel-collector:4317}.
 * <ul>
 * <li>unset or empty (the default): {@code quarkus.otel.sdk.disabled=true}. That property is read at run time, so the
 * packaged jar needs no rebuild either way; disabled, Quarkus installs no Vert.x tracer at all and the services' own
 * span code is skipped, so a request pays nothing for tracing;</li>
 * <li>set: the SDK is on and {@code quarkus.otel.exporter.otlp.endpoint} is this URL.</li>
 * </ul>
 * A configuration source of ordinal {@value #ORDINAL}, below {@code application.properties} (250), the environment (300)
 * and system properties (400): an explicit {@code quarkus.otel.*} setting, or a test profile, still wins. Registered in
 * {@code META-INF/services}, so each service that depends on this module has it. An endpoint that is not an http(s) URL
 * stops the start, naming the setting (never the value: it may carry credentials).
 */
public final class TracingSwitch implements ConfigSource {

    public static final String ENV = "KEYWAY_OTEL_ENDPOINT";
    public static final String PROPERTY = "keyway.otel.endpoint";
    public static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    public static final String OTLP_ENDPOINT = "quarkus.otel.exporter.otlp.endpoint";
    static final int ORDINAL = 200;

    private final Map<String, String> values;

    public TracingSwitch() {
        this(System.getProperty(PROPERTY), System.getenv(ENV));
    }

    /** The system property wins over the environment, as in Quarkus' own configuration. */
    TracingSwitch(String property, String environment) {
        String endpoint = property != null && !property.isBlank() ? property.trim()
                : environment != null ? environment.trim() : "";
        if (endpoint.isEmpty()) {
            this.values = Map.of(SDK_DISABLED, "true");
        } else {
            requireHttpUrl(endpoint);
            this.values = Map.of(SDK_DISABLED, "false", OTLP_ENDPOINT, endpoint);
        }
    }

    private static void requireHttpUrl(String endpoint) {
        String scheme;
        String host;
        try {
            URI uri = URI.create(endpoint);
            scheme = uri.getScheme();
            host = uri.getHost();
        } catch (IllegalArgumentException e) {
            scheme = null;
            host = null;
        }
        if (host == null || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
            throw new IllegalArgumentException(ENV + " (or -D" + PROPERTY + ") must be the http(s) URL of an OTLP"
                    + " receiver, such as http://otel-collector:4317; leave it empty to keep tracing off");
        }
    }

    /** Whether this source turns tracing on. */
    public boolean on() {
        return values.containsKey(OTLP_ENDPOINT);
    }

    @Override
    public Map<String, String> getProperties() {
        return values;
    }

    @Override
    public Set<String> getPropertyNames() {
        return values.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return values.get(propertyName);
    }

    @Override
    public String getName() {
        return "Keyway tracing switch (" + ENV + ")";
    }

    @Override
    public int getOrdinal() {
        return ORDINAL;
    }
}
