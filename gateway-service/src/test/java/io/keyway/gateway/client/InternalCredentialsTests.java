package io.keyway.gateway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.config.GatewayConfig;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The gateway's credential for key-service and billing as its application.properties ships it: production has no
 * token and the gateway refuses to start naming the setting (the bean is built at start); https service URLs trust the
 * configured CA bundle.
 */
class InternalCredentialsTests {

    private static GatewayConfig shipped(List<String> profiles, Map<String, String> env) {
        URL properties = InternalCredentialsTests.class.getClassLoader().getResource("application.properties");
        try {
            return new SmallRyeConfigBuilder()
                    .addDefaultInterceptors()
                    .withProfiles(profiles)
                    .withSources(new PropertiesConfigSource(properties, 250))
                    .withSources(new EnvConfigSource(env, 300))
                    .withSources(new PropertiesConfigSource(Map.of("quarkus.uuid", UUID.randomUUID().toString()),
                            "quarkus", 100))
                    .withMapping(GatewayConfig.class)
                    .withValidateUnknown(false)
                    .withConverter(Duration.class, 100,
                            io.quarkus.runtime.configuration.DurationConverter::parseDuration)
                    .build()
                    .getConfigMapping(GatewayConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void productionWithoutTheGatewaysTokenRefusesToStartNamingTheSetting() {
        String message = assertThrows(IllegalStateException.class,
                () -> new InternalCredentials(shipped(List.of("prod"), Map.of()))).getMessage();

        assertTrue(message.contains("keyway.gateway.service-token") && message.contains("KEYWAY_GATEWAY_TOKEN"),
                message);
    }

    @Test
    void theRetiredSharedInternalTokenDoesNotStandInForTheGatewaysOwn() {
        String message = assertThrows(IllegalStateException.class, () -> new InternalCredentials(
                shipped(List.of("prod"), Map.of("KEYWAY_INTERNAL_TOKEN", "t-" + UUID.randomUUID())))).getMessage();

        assertTrue(message.contains("keyway.gateway.service-token"), message);
    }

    @Test
    void productionSendsTheTokenItIsGivenAndThePublicOneExistsOnlyInDevTestAndLocal() {
        String token = "t-" + UUID.randomUUID();
        assertEquals("Bearer " + token,
                new InternalCredentials(shipped(List.of("prod"), Map.of("KEYWAY_GATEWAY_TOKEN", token))).authorization());
        for (List<String> profiles : List.of(List.of("dev"), List.of("test"), List.of("prod", "local"))) {
            assertEquals("Bearer local-gateway-token",
                    new InternalCredentials(shipped(profiles, Map.of())).authorization(), profiles.toString());
        }
    }

    @Test
    void httpsServiceUrlsTrustTheConfiguredCaBundleAlone() throws IOException {
        Path bundle = Files.createTempFile("internal-ca", ".pem");
        try {
            GatewayConfig config = shipped(List.of("prod"), Map.of("KEYWAY_GATEWAY_TOKEN", "t-" + UUID.randomUUID(),
                    "KEYWAY_INTERNAL_CA_BUNDLE", bundle.toString()));

            HttpClientOptions options = new InternalCredentials(config).trust(new HttpClientOptions());

            PemTrustOptions trust = assertInstanceOf(PemTrustOptions.class, options.getTrustOptions());
            assertEquals(List.of(bundle.toString()), trust.getCertPaths());
        } finally {
            Files.delete(bundle);
        }
        assertNull(new InternalCredentials(Optional.of("t-" + UUID.randomUUID()), Optional.empty())
                .trust(new HttpClientOptions()).getTrustOptions(), "no bundle: the JVM's authorities");
    }

    @Test
    void aCaBundleThatCannotBeReadStopsTheStartNamingTheSetting() {
        String message = assertThrows(IllegalStateException.class, () -> new InternalCredentials(
                Optional.of("t-" + UUID.randomUUID()), Optional.of("/nonexistent/ca.pem"))).getMessage();

        assertTrue(message.contains("keyway.gateway.internal-trust-certificates"), message);
        assertFalse(message.contains("Bearer"), message);
    }
}
