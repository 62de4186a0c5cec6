package io.keyway.billing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.billing.config.BillingConfig;
import io.keyway.billing.config.BillingTokens;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * billing-service's tokens as its application.properties ships them: production has none, and billing-service refuses
 * to start naming the setting (BillingTokens is built at start); only the dev, test and local profiles carry public
 * ones.
 */
class BillingTokensConfigTests {

    private static BillingConfig shipped(List<String> profiles, Map<String, String> env) {
        URL properties = BillingTokensConfigTests.class.getClassLoader().getResource("application.properties");
        try {
            return new SmallRyeConfigBuilder()
                    .addDefaultInterceptors()
                    .withProfiles(profiles)
                    .withSources(new PropertiesConfigSource(properties, 250))
                    .withSources(new EnvConfigSource(env, 300))
                    // Quarkus supplies it at run time; the test profile's consumer group names itself with it.
                    .withSources(new PropertiesConfigSource(Map.of("quarkus.uuid", UUID.randomUUID().toString()),
                            "quarkus", 100))
                    .withMapping(BillingConfig.class)
                    .withValidateUnknown(false)
                    .withConverter(Duration.class, 100,
                            io.quarkus.runtime.configuration.DurationConverter::parseDuration)
                    .build()
                    .getConfigMapping(BillingConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> allTokens() {
        return Map.of("KEYWAY_ADMIN_TOKEN", "t-" + UUID.randomUUID(), "KEYWAY_GATEWAY_TOKEN", "t-" + UUID.randomUUID(),
                "KEYWAY_BILLING_TOKEN", "t-" + UUID.randomUUID());
    }

    @Test
    void productionWithoutEachTokenRefusesToStartNamingTheSetting() {
        for (var missing : Map.of("KEYWAY_ADMIN_TOKEN", "keyway.billing.admin-token",
                "KEYWAY_GATEWAY_TOKEN", "keyway.billing.internal-tokens.gateway",
                "KEYWAY_BILLING_TOKEN", "keyway.billing.service-token").entrySet()) {
            Map<String, String> env = new HashMap<>(allTokens());
            env.remove(missing.getKey());

            String message = assertThrows(IllegalStateException.class,
                    () -> new BillingTokens(shipped(List.of("prod"), env))).getMessage();
            assertTrue(message.contains(missing.getValue()) && message.contains(missing.getKey()), message);
        }
    }

    @Test
    void productionWithTheRetiredSharedInternalTokenAloneRefusesToStart() {
        String message = assertThrows(IllegalStateException.class, () -> new BillingTokens(shipped(List.of("prod"),
                Map.of("KEYWAY_ADMIN_TOKEN", "t-" + UUID.randomUUID(), "KEYWAY_INTERNAL_TOKEN",
                        "t-" + UUID.randomUUID())))).getMessage();
        assertTrue(message.contains("keyway.billing.internal-tokens.gateway"), message);
    }

    @Test
    void billingsOwnTokenMustDifferFromTheGatewaysSoThatKeyServiceCanTellThemApart() {
        String shared = "t-" + UUID.randomUUID();
        String message = assertThrows(IllegalStateException.class, () -> new BillingTokens(shipped(List.of("prod"),
                Map.of("KEYWAY_ADMIN_TOKEN", "t-" + UUID.randomUUID(), "KEYWAY_GATEWAY_TOKEN", shared,
                        "KEYWAY_BILLING_TOKEN", shared)))).getMessage();
        assertTrue(message.contains("keyway.billing.internal-tokens.gateway and keyway.billing.service-token"),
                message);
        assertFalse(message.contains(shared), message);
    }

    @Test
    void productionStartsWithItsTokensAndSendsItsOwnToKeyService() {
        Map<String, String> env = allTokens();
        BillingTokens tokens = new BillingTokens(shipped(List.of("prod"), env));

        assertTrue(tokens.own().authorization().equals("Bearer " + env.get("KEYWAY_BILLING_TOKEN")));
        assertTrue(tokens.gateway().matches("Bearer " + env.get("KEYWAY_GATEWAY_TOKEN")));
        assertFalse(tokens.gateway().matches("Bearer " + env.get("KEYWAY_BILLING_TOKEN")));
    }

    @Test
    void thePublicTokensExistOnlyInTheDevTestAndLocalProfiles() {
        for (List<String> profiles : List.of(List.of("dev"), List.of("test"), List.of("prod", "local"))) {
            BillingTokens tokens = new BillingTokens(shipped(profiles, Map.of()));
            assertTrue(tokens.gateway().matches("Bearer local-gateway-token"), profiles.toString());
        }
        BillingConfig prod = shipped(List.of("prod"), Map.of());
        assertTrue(prod.adminToken().isEmpty() && prod.serviceToken().isEmpty()
                && prod.internalTokens().gateway().isEmpty());
    }
}
