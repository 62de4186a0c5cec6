package io.keyway.keys.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How an operator names a provider's adapter: in properties, or as an environment variable named like the property. */
class ProviderAdaptersConfigTests {

    private static KeyServiceConfig config(Map<String, String> properties, Map<String, String> env) {
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "application.properties", 250))
                .withSources(new EnvConfigSource(env, 300))
                .withMapping(KeyServiceConfig.class)
                .withConverter(Duration.class, 100, io.quarkus.runtime.configuration.DurationConverter::parseDuration)
                .build()
                .getConfigMapping(KeyServiceConfig.class);
    }

    private static final Map<String, String> TOKENS = Map.of("keyway.keys.admin-token", "a",
            "keyway.keys.internal-tokens.gateway", "g", "keyway.keys.internal-tokens.billing", "b");

    @Test
    void noAdaptersConfiguredIsAnEmptyMap() {
        assertEquals(Map.of(), config(TOKENS, Map.of()).providerAdapters());
    }

    @Test
    void anEnvironmentVariableNamedLikeThePropertyKeepsTheSlugsDashesAndDots() {
        var env = Map.of("keyway.keys.provider-adapters.azure-eu", "azure",
                "keyway.keys.provider-adapters.vertex.eu", "google-vertex");
        assertEquals(Map.of("azure-eu", "azure", "vertex.eu", "google-vertex"), config(TOKENS, env).providerAdapters());
    }

    @Test
    void propertiesAndEnvironmentAddUp() {
        var properties = new java.util.HashMap<>(TOKENS);
        properties.put("keyway.keys.provider-adapters.bedrock-us", "amazon-bedrock");
        assertEquals(Map.of("bedrock-us", "amazon-bedrock", "azure-eu", "azure"),
                config(properties, Map.of("keyway.keys.provider-adapters.azure-eu", "azure")).providerAdapters());
    }
}
