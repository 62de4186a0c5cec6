package io.keyway.deploy.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The image recipes (src/main/docker/Dockerfile.jvm). No image can be built on these machines, so the recipe is
 * checked against what the chart expects of it: the Quarkus fast-jar layout, user 185, the service's port.
 */
class DockerfileTest {

    private static List<String> instructions(RenderedChart.Component component) throws IOException {
        var file = KeywayChart.repoDir().resolve(component.componentName).resolve("src/main/docker/Dockerfile.jvm");
        return Files.readAllLines(file).stream().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
    }

    @ParameterizedTest
    @EnumSource(RenderedChart.Component.class)
    void imageRunsTheFastJarAsUser185OnTheChartsPort(RenderedChart.Component component) throws IOException {
        var lines = instructions(component);
        assertTrue(lines.get(0).startsWith("FROM "), "first instruction is FROM");
        var release = java.util.regex.Pattern.compile("<maven.compiler.release>(\\d+)</maven.compiler.release>")
                .matcher(Files.readString(KeywayChart.repoDir().resolve("pom.xml")));
        assertTrue(release.find(), "no maven.compiler.release in the parent pom");
        assertTrue(lines.get(0).contains("/openjdk-" + release.group(1) + "-runtime:"),
                () -> "the base image must run the Java release the build targets (" + release.group(1) + "): " + lines.get(0));
        for (String dir : List.of("lib/", "*.jar", "app/", "quarkus/")) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("COPY --chown=185 target/quarkus-app/" + dir)),
                    () -> "missing COPY of target/quarkus-app/" + dir);
        }
        assertEquals(List.of("EXPOSE " + component.port), lines.stream().filter(l -> l.startsWith("EXPOSE")).toList());
        var users = lines.stream().filter(l -> l.startsWith("USER ")).toList();
        assertEquals("USER 185", users.get(users.size() - 1), "the last USER must be the non-root 185");
        assertTrue(lines.contains("ENV KEYWAY_HTTP_HOST=0.0.0.0"), "a container must listen on every interface");
        assertTrue(lines.contains("ENV JAVA_APP_JAR=\"/deployments/quarkus-run.jar\""));
        var podUser = KeywayChart.render().deployment(component).getSpec().getTemplate().getSpec().getSecurityContext().getRunAsUser();
        assertEquals(185L, podUser, "chart and image agree on the user");
    }
}
