package io.keyway.keys.console;

import io.smallrye.config.ConfigMapping;
import java.util.Optional;

/**
 * Where the console (served by key-service at {@code /console/}) finds the other two services. Unset = the console's
 * own origin, as behind the chart's Ingress, which routes {@code /api/v1/...} of each service on one host. Locally the
 * services listen on three ports: deploy/local/services.sh sets both to their URLs (and the gateway and billing allow
 * CORS for key-service's origin only).
 */
@ConfigMapping(prefix = "keyway.console")
public interface ConsoleConfig {

    /** Base URL of gateway-service (models, activity), e.g. {@code http://127.0.0.1:8080}; empty = same origin. */
    Optional<String> gatewayUrl();

    /** Base URL of billing-service (credits, statements, ledger), e.g. {@code http://127.0.0.1:8082}; empty = same origin. */
    Optional<String> billingUrl();
}
