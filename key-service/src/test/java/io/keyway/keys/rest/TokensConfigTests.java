package io.keyway.keys.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.keys.config.KeyServiceConfig;
import io.keyway.keys.service.ApiException;
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
import org.junit.jupiter.api.Test;

/**
 * key-service's tokens as its application.properties ships them: production has none and key-service refuses to start
 * naming the setting (the bean is built at start, like the local store's master key); only the dev, test and local
 * profiles carry public ones.
 */
class TokensConfigTests {

    /** A generated token, so that no fixture looks like a real credential. */
    private static String freshToken() {
        return "t-" + java.util.UUID.randomUUID();
    }

    private static KeyServiceConfig shipped(List<String> profiles, Map<String, String> env) {
        URL properties = TokensConfigTests.class.getClassLoader().getResource("application.properties");
        try {
            return new SmallRyeConfigBuilder()
                    .addDefaultInterceptors()
                    .withProfiles(profiles)
                    .withSources(new PropertiesConfigSource(properties, 250))
                    .withSources(new EnvConfigSource(env, 300))
                    .withMapping(KeyServiceConfig.class)
                    .withValidateUnknown(false)
                    .withConverter(Duration.class, 100,
                            io.quarkus.runtime.configuration.DurationConverter::parseDuration)
                    .build()
                    .getConfigMapping(KeyServiceConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> allTokens() {
        return Map.of("KEYWAY_ADMIN_TOKEN", freshToken(), "KEYWAY_GATEWAY_TOKEN", freshToken(),
                "KEYWAY_BILLING_TOKEN", freshToken());
    }

    private static String refusal(Map<String, String> env) {
        return assertThrows(IllegalStateException.class, () -> new Tokens(shipped(List.of("prod"), env)))
                .getMessage();
    }

    @Test
    void productionWithoutAnAdminTokenRefusesToStartNamingTheSetting() {
        Map<String, String> env = new HashMap<>(allTokens());
        env.remove("KEYWAY_ADMIN_TOKEN");

        String message = refusal(env);
        assertTrue(message.contains("keyway.keys.admin-token"), message);
        assertTrue(message.contains("KEYWAY_ADMIN_TOKEN"), message);
    }

    @Test
    void productionWithoutTheGatewaysOrBillingsTokenRefusesToStartNamingTheSetting() {
        for (var missing : Map.of("KEYWAY_GATEWAY_TOKEN", "keyway.keys.internal-tokens.gateway",
                "KEYWAY_BILLING_TOKEN", "keyway.keys.internal-tokens.billing").entrySet()) {
            Map<String, String> env = new HashMap<>(allTokens());
            env.remove(missing.getKey());

            String message = refusal(env);
            assertTrue(message.contains(missing.getValue()) && message.contains(missing.getKey()), message);
        }
    }

    @Test
    void productionRefusesTheRetiredSharedInternalTokenAsASubstitute() {
        String message = refusal(Map.of("KEYWAY_ADMIN_TOKEN", freshToken(), "KEYWAY_INTERNAL_TOKEN", freshToken()));
        assertTrue(message.contains("keyway.keys.internal-tokens.gateway"), message);
    }

    @Test
    void oneValueForTwoCallersIsRefusedSoThatScopesMeanSomething() {
        String shared = freshToken();
        String message = refusal(Map.of("KEYWAY_ADMIN_TOKEN", freshToken(), "KEYWAY_GATEWAY_TOKEN", shared,
                "KEYWAY_BILLING_TOKEN", shared));
        assertTrue(message.contains("keyway.keys.internal-tokens.gateway and keyway.keys.internal-tokens.billing"),
                message);
        assertFalse(message.contains(shared), "the value itself is never shown");
    }

    @Test
    void aShortTokenIsRefusedNamingTheSetting() {
        Map<String, String> env = new HashMap<>(allTokens());
        env.put("KEYWAY_ADMIN_TOKEN", "changeme");

        String message = refusal(env);
        assertTrue(message.contains("keyway.keys.admin-token") && message.contains("shorter than 16"), message);
        assertFalse(message.contains("changeme"), message);
    }

    @Test
    void productionStartsWithTheTokensItIsGivenAndAcceptsThemAsTheirCallers() {
        Map<String, String> env = allTokens();
        Tokens tokens = new Tokens(shipped(List.of("prod"), env));

        tokens.requireAdmin("Bearer " + env.get("KEYWAY_ADMIN_TOKEN"));
        assertEquals(Tokens.Caller.GATEWAY, tokens.requireInternal("Bearer " + env.get("KEYWAY_GATEWAY_TOKEN"),
                Tokens.Scope.ROUTING_VIEW));
        assertEquals(Tokens.Caller.BILLING, tokens.requireInternal("Bearer " + env.get("KEYWAY_BILLING_TOKEN"),
                Tokens.Scope.API_KEY_LOOKUP));
        ApiException e = assertThrows(ApiException.class, () -> tokens.requireInternal(
                "Bearer " + env.get("KEYWAY_BILLING_TOKEN"), Tokens.Scope.ROUTING_VIEW));
        assertEquals(403, e.status());
        ApiException wrong = assertThrows(ApiException.class, () -> tokens.requireAdmin(
                "Bearer " + env.get("KEYWAY_GATEWAY_TOKEN")));
        assertEquals(401, wrong.status());
    }

    @Test
    void thePublicTokensExistOnlyInTheDevTestAndLocalProfiles() {
        for (List<String> profiles : List.of(List.of("dev"), List.of("test"), List.of("prod", "local"))) {
            KeyServiceConfig config = shipped(profiles, Map.of());
            Tokens tokens = new Tokens(config);
            assertEquals(Tokens.Caller.BILLING,
                    tokens.requireInternal("Bearer local-billing-token", Tokens.Scope.API_KEY_LOOKUP), profiles.toString());
        }
        KeyServiceConfig prod = shipped(List.of("prod"), Map.of());
        assertTrue(prod.adminToken().isEmpty());
        assertTrue(prod.internalTokens().gateway().isEmpty());
        assertTrue(prod.internalTokens().billing().isEmpty());
    }
}
