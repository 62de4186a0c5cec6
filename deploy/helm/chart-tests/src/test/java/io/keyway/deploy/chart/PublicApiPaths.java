package io.keyway.deploy.chart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The public {@code /api/v1} paths a service serves, read from its sources: JAX-RS resources ({@code @Path} on the
 * class joined with each method's {@code @Path}) and route constants (string literals starting with
 * {@code "/api/v1/"}, e.g. the gateway's Vert.x chat completions route). Path parameters become {@code x}.
 */
final class PublicApiPaths {

    private static final Pattern PATH_ANNOTATION = Pattern.compile("@Path\\(\"([^\"]*)\"\\)");
    private static final Pattern CLASS_DECLARATION = Pattern.compile("(?m)^(public |final |abstract )*(class|interface|record) ");
    private static final Pattern ROUTE_LITERAL = Pattern.compile("\"(/api/v1/[^\"]*)\"");
    private static final Pattern PATH_PARAMETER = Pattern.compile("\\{[^}]+}");

    private PublicApiPaths() {
    }

    static Set<String> of(RenderedChart.Component component) {
        Path sources = KeywayChart.repoDir().resolve(component.componentName).resolve("src/main/java");
        Set<String> paths = new TreeSet<>();
        try (var files = Files.walk(sources)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                collect(Files.readString(file), paths);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return paths;
    }

    private static void collect(String source, Set<String> paths) {
        Matcher declaration = CLASS_DECLARATION.matcher(source);
        int classStart = declaration.find() ? declaration.start() : source.length();
        String classPath = "";
        Set<String> methodPaths = new TreeSet<>();
        Matcher annotation = PATH_ANNOTATION.matcher(source);
        while (annotation.find()) {
            if (annotation.start() < classStart) {
                classPath = annotation.group(1);
            } else {
                methodPaths.add(annotation.group(1));
            }
        }
        if (classPath.startsWith("/api/v1")) {
            // The class path itself (e.g. GET /api/v1/keys), unless it is only the common base of its methods.
            if (!normalize(classPath).equals("/api/v1")) {
                paths.add(normalize(classPath));
            }
            for (String method : methodPaths) {
                paths.add(normalize(classPath + "/" + method));
            }
        }
        Matcher literal = ROUTE_LITERAL.matcher(source);
        while (literal.find()) {
            paths.add(normalize(literal.group(1)));
        }
    }

    private static String normalize(String path) {
        String p = PATH_PARAMETER.matcher(path.replaceAll("/+", "/")).replaceAll("x");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
