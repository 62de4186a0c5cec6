package io.keyway.gateway.client;

import io.keyway.contracts.ServiceToken;
import io.keyway.gateway.config.GatewayConfig;
import io.quarkus.runtime.Startup;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemTrustOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the gateway proves itself to key-service and billing-service: its own token (key-service lets it read routing
 * views and look up keys; billing's /internal/v1 takes no other), and, for https service URLs, the CA bundle that signed
 * their certificates. Built at start: without its token the gateway refuses to start, naming the setting (production
 * has no default).
 */
@Startup
@ApplicationScoped
public class InternalCredentials {

    private final ServiceToken token;
    private final Optional<String> trustCertificates;

    @Inject
    public InternalCredentials(GatewayConfig config) {
        this(config.serviceToken(), config.internalTrustCertificates());
    }

    InternalCredentials(Optional<String> token, Optional<String> trustCertificates) {
        this.token = ServiceToken.required("keyway.gateway.service-token", "KEYWAY_GATEWAY_TOKEN", token);
        trustCertificates.ifPresent(pem -> {
            if (!Files.isReadable(Path.of(pem))) {
                throw new IllegalStateException("keyway.gateway.internal-trust-certificates (env"
                        + " KEYWAY_INTERNAL_CA_BUNDLE) names " + pem + ", which is not a readable PEM file");
            }
        });
        this.trustCertificates = trustCertificates;
    }

    /** The {@code Authorization} header of every internal call. */
    String authorization() {
        return token.authorization();
    }

    /** Client options for https internal URLs: the configured CA bundle alone, else the JVM's authorities. */
    HttpClientOptions trust(HttpClientOptions options) {
        trustCertificates.ifPresent(pem -> options.setTrustOptions(new PemTrustOptions().addCertPath(pem)));
        return options;
    }
}
