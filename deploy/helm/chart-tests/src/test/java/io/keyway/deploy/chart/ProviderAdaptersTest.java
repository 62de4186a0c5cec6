package io.keyway.deploy.chart;

import static io.keyway.deploy.chart.RenderedChart.Component.BILLING;
import static io.keyway.deploy.chart.RenderedChart.Component.GATEWAY;
import static io.keyway.deploy.chart.RenderedChart.Component.KEY_SERVICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * keyService.providerAdapters: a catalog provider named other than its adapter ({@code azure-eu: azure}) reaches
 * key-service as {@code keyway.keys.provider-adapters.<slug>}, the property its config mapping reads, so that its keys
 * are checked in the adapter's format; an adapter or slug the services would not know stops the install.
 */
class ProviderAdaptersTest {

    private static final String PREFIX = "keyway.keys.provider-adapters.";

    private static Map<String, String> adapters(RenderedChart chart) {
        Map<String, String> found = new TreeMap<>();
        chart.configEnv(KEY_SERVICE).forEach((name, value) -> {
            if (name.startsWith(PREFIX)) {
                found.put(name.substring(PREFIX.length()), value);
            }
        });
        return found;
    }

    @Test
    void byDefaultNoneIsSetAndKeyServiceKeepsItsWellKnownAdapters() {
        assertEquals(Map.of(), adapters(KeywayChart.render()));
    }

    @Test
    void eachProviderReachesKeyServiceOnlyUnderThePropertyItsConfigMappingReads() throws IOException {
        var chart = KeywayChart.render("profiles/provider-adapters.yaml");
        assertEquals(Map.of("azure-eu", "azure", "bedrock.us", "amazon-bedrock"), adapters(chart));
        for (var other : new RenderedChart.Component[] {GATEWAY, BILLING}) {
            assertTrue(chart.configEnv(other).keySet().stream().noneMatch(n -> n.startsWith(PREFIX)), other::toString);
        }
        // @ConfigMapping(prefix = "keyway.keys") + providerAdapters() is the property keyway.keys.provider-adapters.*
        String mapping = Files.readString(KeywayChart.repoDir()
                .resolve("key-service/src/main/java/io/keyway/keys/config/KeyServiceConfig.java"));
        assertTrue(mapping.contains("@ConfigMapping(prefix = \"keyway.keys\")") && mapping.contains("Map<String, String> providerAdapters()"),
                "KeyServiceConfig no longer reads keyway.keys.provider-adapters");
    }

    @Test
    void anUnknownAdapterOrASlugKeyServiceWouldRefuseStopsTheInstall() {
        String adapter = assertThrows(IllegalStateException.class,
                () -> KeywayChart.renderText(Map.of(), "invalid/unknown-provider-adapter.yaml")).getMessage();
        assertTrue(adapter.contains("/keyService/providerAdapters/azure-eu") && adapter.contains("value must be one of"), adapter);
        // Helm reports a property name against the document root, so the message names the slug itself.
        String slug = assertThrows(IllegalStateException.class,
                () -> KeywayChart.renderText(Map.of(), "invalid/provider-slug-in-capitals.yaml")).getMessage();
        assertTrue(slug.contains("'Azure-EU' does not match pattern"), slug);
    }
}
