package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.DefaultValuesTest.assertSecretRef;
import static io.keyway.deploy.chart.RenderedChart.Component.BILLING;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The services refuse to start without their tokens, so the chart either requires them from an existing Secret (the
 * default) or generates them into a Secret of its own (auth.generate): random, one per caller, and read back with
 * lookup on upgrade so that they are kept.
 */
class ServiceTokensTest {

    private static final String GENERATED = KeywayChart.RELEASE + "-keyway-tokens";
    private static final List<String> KEYS = List.of("admin-token", "gateway-token", "billing-token");

    @Test
    void byDefaultNoSecretIsRenderedAndEachServiceReadsItsTokensFromTheExistingSecret() {
        var chart = KeywayChart.render();

        assertTrue(chart.ofKind("Secret").isEmpty(), "the chart holds no secret value by default");
        assertSecretRef(chart.containerEnv(GATEWAY), "KEYWAY_GATEWAY_TOKEN", "keyway-secrets", "gateway-token");
        assertSecretRef(chart.containerEnv(KEY_SERVICE), "KEYWAY_BILLING_TOKEN", "keyway-secrets", "billing-token");
        assertSecretRef(chart.containerEnv(BILLING), "KEYWAY_BILLING_TOKEN", "keyway-secrets", "billing-token");
        assertFalse(chart.containerEnv(GATEWAY).containsKey("KEYWAY_INTERNAL_TOKEN"));
    }

    @Test
    void withoutAnExistingSecretOrGenerationTheInstallStopsNamingTheValue() {
        var failure = assertThrows(IllegalStateException.class,
                () -> KeywayChart.renderText(Map.of("auth.existingSecret", ""), new String[0]));

        assertTrue(failure.getMessage().contains("auth.existingSecret is required")
                && failure.getMessage().contains("auth.generate=true"), failure.getMessage());
    }

    private static Map<String, String> generatedTokens(RenderedChart chart) {
        Secret secret = chart.get(Secret.class, GENERATED);
        assertEquals("keep", secret.getMetadata().getAnnotations().get("helm.sh/resource-policy"));
        assertEquals(Set.copyOf(KEYS), secret.getData().keySet());
        Map<String, String> decoded = new java.util.TreeMap<>();
        secret.getData().forEach((k, v) -> decoded.put(k, new String(Base64.getDecoder().decode(v),
                StandardCharsets.UTF_8)));
        return decoded;
    }

    @Test
    void generatedTokensAreRandomOnePerCallerAndEveryServiceReadsThem() {
        var chart = KeywayChart.render("profiles/generated-tokens.yaml");

        Map<String, String> tokens = generatedTokens(chart);
        for (String token : tokens.values()) {
            assertTrue(token.matches("[A-Za-z0-9]{48}"), "48 random alphanumerics, not a fixed value");
        }
        assertEquals(3, new HashSet<>(tokens.values()).size(), "each caller its own token");
        assertSecretRef(chart.containerEnv(GATEWAY), "KEYWAY_GATEWAY_TOKEN", GENERATED, "gateway-token");
        for (var component : List.of(KEY_SERVICE, BILLING)) {
            assertSecretRef(chart.containerEnv(component), "KEYWAY_ADMIN_TOKEN", GENERATED, "admin-token");
            assertSecretRef(chart.containerEnv(component), "KEYWAY_GATEWAY_TOKEN", GENERATED, "gateway-token");
            assertSecretRef(chart.containerEnv(component), "KEYWAY_BILLING_TOKEN", GENERATED, "billing-token");
        }
    }

    @Test
    void eachInstallDrawsNewTokensWhileAnUpgradeReadsTheStoredOnesBack() throws Exception {
        // `helm template` has no cluster for lookup: two renders must differ, or the values would be fixed in the chart.
        assertNotEquals(generatedTokens(KeywayChart.render("profiles/generated-tokens.yaml")),
                generatedTokens(KeywayChart.render("profiles/generated-tokens.yaml")));
        // An upgrade (which helm-java's template cannot simulate) looks the stored Secret up, and its values win.
        String template = java.nio.file.Files.readString(KeywayChart.chartDir().resolve("templates/secret-tokens.yaml"));
        assertTrue(template.contains("{{- if .Release.IsUpgrade }}\n{{- $existing = (lookup \"v1\" \"Secret\""
                + " .Release.Namespace $name).data | default dict }}"), template);
        assertTrue(template.contains("index $existing $key | default (randAlphaNum 48 | b64enc)"), template);
    }
}
