package io.keyway.keys.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * How operators set the secret-store keys: defaults, master keys added through environment variables, and which
 * profiles of key-service's own application.properties carry the public development master key.
 */
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
        assertEquals(Optional.of("prod1"), config.local().activeMasterKey());
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
    /** key-service's application.properties as built, read under the given profiles (the last one wins). */
    private static SecretStoresConfig shipped(List<String> profiles, Map<String, String> env) {
        URL properties = SecretStoresConfigTests.class.getClassLoader().getResource("application.properties");
        try {
            return new SmallRyeConfigBuilder()
                    .addDefaultInterceptors()
                    .withProfiles(profiles)
                    .withSources(new PropertiesConfigSource(properties, 250))
                    .withSources(new EnvConfigSource(env, 300))
                    .withMapping(SecretStoresConfig.class)
                    .withConverter(Duration.class, 100,
                            io.quarkus.runtime.configuration.DurationConverter::parseDuration)
                    .build()
                    .getConfigMapping(SecretStoresConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void productionHasNoMasterKeySoKeyServiceRefusesToStartWithTheLocalStoreNamingTheSetting() {
        SecretStoresConfig prod = shipped(List.of("prod"), Map.of());

        assertEquals(Map.of(), prod.local().masterKeys());
        assertTrue(prod.local().enabled());
        // The store is built when StartupEvent is delivered to it, so this refusal stops key-service's start.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new LocalSecretStore(null, prod));
        assertTrue(e.getMessage().contains("no master key is configured"), e.getMessage());
        assertTrue(e.getMessage().contains("keyway.keys.secrets.local.master-keys.<id>"), e.getMessage());
        assertTrue(e.getMessage().contains("KEYWAY_LOCAL_MASTER_KEY_ID"), e.getMessage());
    }

    @Test
    void thePublicDevelopmentMasterKeyExistsOnlyInTheDevTestAndLocalProfiles() {
        for (List<String> profiles : List.of(List.of("dev"), List.of("test"), List.of("prod", "local"))) {
            SecretStoresConfig config = shipped(profiles, Map.of());
            assertEquals(Set.of(LocalSecretStore.DEV_MASTER_KEY_ID), config.local().masterKeys().keySet(),
                    profiles.toString());
            assertEquals(LocalSecretStore.DEV_MASTER_KEY_ID,
                    LocalMasterKeys.configured(config.local().masterKeys(), config.local().activeMasterKey())
                            .activeId(), profiles.toString());
        }
        assertEquals(Map.of(), shipped(List.of("prod"), Map.of()).local().masterKeys());
    }

    /** A generated AES-256 key, base64: test fixtures hold no fixed key material. */
    static String freshMasterKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return java.util.Base64.getEncoder().encodeToString(key);
    }

    @Test
    void productionStartsWithTheMasterKeyItIsGivenAndWithoutTheDevelopmentKey() {
        SecretStoresConfig prod = shipped(List.of("prod"), Map.of(
                "KEYWAY_KEYS_SECRETS_LOCAL_MASTER_KEYS_PROD1", freshMasterKey(),
                "KEYWAY_LOCAL_MASTER_KEY_ID", "prod1"));

        LocalMasterKeys keys = LocalMasterKeys.configured(prod.local().masterKeys(), prod.local().activeMasterKey());

        assertEquals("prod1", keys.activeId());
        assertEquals(Set.of("prod1"), keys.ids());
    }

    @Test
    void aMasterKeyWithoutAnActiveIdIsRefusedNamingTheSetting() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalMasterKeys.configured(
                Map.of("k1", freshMasterKey()), Optional.empty()));

        assertTrue(e.getMessage().contains("keyway.keys.secrets.local.active-master-key"), e.getMessage());
        assertTrue(e.getMessage().contains("[k1]"), e.getMessage());
    }

    @Test
    void aDisabledLocalStoreNeedsNoMasterKey() {
        SecretStoresConfig prod = shipped(List.of("prod"), Map.of("KEYWAY_KEYS_SECRETS_LOCAL_ENABLED", "false"));

        assertFalse(new LocalSecretStore(null, prod).enabled());
    }
}
