package io.keyway.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** All of gateway-service's own settings, under {@code keyway.gateway}. */
@ConfigMapping(prefix = "keyway.gateway")
public interface GatewayConfig {

    /** Base URL of key-service's internal API (key resolution, routing views). */
    String keyServiceUrl();

    /** Bearer token for {@code /internal/v1} calls to other Keyway services. */
    String internalToken();

    /** Largest chat completion request body accepted, in bytes. */
    @WithDefault("4194304")
    int maxBodyBytes();
}
