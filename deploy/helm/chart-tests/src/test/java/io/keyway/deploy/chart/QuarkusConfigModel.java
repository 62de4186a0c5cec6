package io.keyway.deploy.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The configuration properties Quarkus extensions document about themselves
 * ({@code META-INF/quarkus-config-doc/quarkus-config-model.json} in each extension's runtime jar), by environment
 * variable name, for the extensions on this module's test class path.
 */
final class QuarkusConfigModel {

    /** One documented property: its name, the extension that owns it and when it is read (RUN_TIME, BUILD_TIME...). */
    record Property(String name, String extensionArtifactId, String phase) {
    }

    private static final String RESOURCE = "META-INF/quarkus-config-doc/quarkus-config-model.json";
    private static final Map<String, Property> BY_ENV = load();

    private QuarkusConfigModel() {
    }

    static Property byEnvironmentVariable(String name) {
        return BY_ENV.get(name);
    }

    static int size() {
        return BY_ENV.size();
    }

    private static Map<String, Property> load() {
        Map<String, Property> found = new HashMap<>();
        var mapper = new ObjectMapper();
        try {
            for (URL url : Collections.list(QuarkusConfigModel.class.getClassLoader().getResources(RESOURCE))) {
                try (InputStream in = url.openStream()) {
                    for (JsonNode root : mapper.readTree(in).path("configRoots")) {
                        collect(root, root.path("extension").path("artifactId").asText(), found);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(found);
    }

    private static void collect(JsonNode node, String artifactId, Map<String, Property> found) {
        JsonNode path = node.path("path");
        if (path.has("environmentVariable")) {
            found.put(path.get("environmentVariable").asText(),
                    new Property(path.path("property").asText(), artifactId, node.path("phase").asText()));
        }
        node.forEach(child -> collect(child, artifactId, found));
    }
}
