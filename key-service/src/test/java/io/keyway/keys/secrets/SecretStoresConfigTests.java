package io.keyway.keys.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How operators set the secret-store keys: defaults, and master keys added through environment variables. */
class SecretStoresConfigTests {

    private static SmallRyeConfig config(Map<String, String> properties, Map<String, String> env) {
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "application.properties", 250))
                .withSources(new EnvConfigSource(env, 300))
                .withMapping(SecretStoresConfig.class)
                .withConverter(Duration.class, 100, io.quarkus.runtime.configuration.DurationConverter::parseDuration)
                .build();
    }

    @Test
    void aMasterKeyAddedByEnvironmentVariableJoinsTheDevelopmentKeyAndCanBeMadeActive() {
        SecretStoresConfig config = config(
                Map.of("keyway.keys.secrets.local.master-keys.dev-insecure", "ZGV2",
                        "keyway.keys.secrets.local.active-master-key", "dev-insecure"),
                Map.of("KEYWAY_KEYS_SECRETS_LOCAL_MASTER_KEYS_PROD1", "cHJvZA==",
                        "KEYWAY_KEYS_SECRETS_LOCAL_ACTIVE_MASTER_KEY", "prod1"))
                .getConfigMapping(SecretStoresConfig.class);

        assertEquals(Map.of("dev-insecure", "ZGV2", "prod1", "cHJvZA=="), config.local().masterKeys());
        assertEquals("prod1", config.local().activeMasterKey());
    }

    @Test
    void defaultsCacheBrieflyServeStaleForFifteenMinutesAndLeaveVaultAndAwsOff() {
        SecretStoresConfig config = config(
                Map.of("keyway.keys.secrets.local.master-keys.k", "a2V5",
                        "keyway.keys.secrets.local.active-master-key", "k"),
                Map.of())
                .getConfigMapping(SecretStoresConfig.class);

        assertEquals(Duration.ofSeconds(30), config.cacheTtl());
        assertEquals(Duration.ofMinutes(15), config.staleWindow());
        assertEquals(Duration.ofSeconds(3), config.timeout());
        assertFalse(config.vault().enabled());
        assertFalse(config.aws().enabled());
        assertEquals("secret", config.vault().mount());
    }
}
