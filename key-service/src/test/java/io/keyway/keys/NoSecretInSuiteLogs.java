package io.keyway.keys;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Across the whole suite: after every test class, no line of the log written so far (every Quarkus application the
 * tests started logs to {@link #LOG}, application.properties {@code %test.quarkus.log.file.*}, io.keyway at DEBUG, in
 * JSON lines)
 * contains a secret. Secrets are recognised by shape, so that no list of them has to be kept or shared across the
 * test class loaders: Keyway API and management keys, and the random secrets every test makes with
 * {@code Api.randomToken} and {@code TestSecrets.fresh}. A failure names the shape, the line number and the logger,
 * never the secret. Registered in META-INF/services; the surefire configuration in pom.xml turns on autodetection.
 */
public class NoSecretInSuiteLogs implements AfterAllCallback {

    static final Path LOG = Path.of("target", "quarkus-test.log");

    static final Map<String, Pattern> SHAPES = new LinkedHashMap<>();

    static {
        SHAPES.put("a Keyway API or management key", Pattern.compile("sk-kw-(?:mgmt-)?v1-[0-9a-f]{64}"));
        SHAPES.put("a random test secret (Api.randomToken)", Pattern.compile("[0-9a-f]{32}Zz9Q"));
        SHAPES.put("a random test secret (TestSecrets.fresh)", Pattern.compile("sk-test-FAKE-[0-9a-f]{48}"));
        try {
            // A fresh log per run; this runs before the first test class starts an application.
            for (Path p : files()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        boolean quarkusTest = java.util.Arrays.stream(context.getRequiredTestClass().getAnnotations())
                .anyMatch(a -> a.annotationType().getName().equals("io.quarkus.test.junit.QuarkusTest"));
        if (!Files.exists(LOG)) {
            if (quarkusTest) {
                throw new AssertionError("the suite log " + LOG + " is missing: the no-secret check would see nothing");
            }
            return;
        }
        List<String> lines = new ArrayList<>();
        for (Path p : files()) {
            lines.addAll(Files.readAllLines(p, StandardCharsets.UTF_8));
        }
        List<String> found = leaks(lines);
        if (!found.isEmpty()) {
            throw new AssertionError("secrets in the suite log " + LOG + " (checked after "
                    + context.getRequiredTestClass().getSimpleName() + "): " + found);
        }
    }

    /** The log and any rotated copies of it (the test profile turns rotation off; this is the safety net). */
    static List<Path> files() throws IOException {
        if (!Files.isDirectory(LOG.getParent())) {
            return List.of();
        }
        try (var s = Files.list(LOG.getParent())) {
            return s.filter(p -> p.getFileName().toString().startsWith(LOG.getFileName().toString())).sorted().toList();
        }
    }

    /**
     * "line N (logger): shape" for every line holding something shaped like a secret; never the secret itself. A JSON
     * line (the suite log is JSON, as the chart's logs are) is also checked with its string values decoded, so that an
     * escape inside a value hides nothing.
     */
    public static List<String> leaks(List<String> lines) {
        List<String> found = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            JsonNode json = json(line);
            String text = json == null ? line : line + "\n" + decoded(json);
            for (Map.Entry<String, Pattern> shape : SHAPES.entrySet()) {
                Matcher m = shape.getValue().matcher(text);
                if (m.find()) {
                    found.add("line " + (i + 1) + " (" + logger(line, json) + "): " + shape.getKey());
                }
            }
        }
        return found;
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The line as a JSON object, or null for a plain-text line. */
    static JsonNode json(String line) {
        if (!line.startsWith("{")) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(line);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Every string value of a JSON line (message, exception, MDC, ...), unescaped. */
    private static String decoded(JsonNode node) {
        StringBuilder out = new StringBuilder();
        List<JsonNode> todo = new ArrayList<>(List.of(node));
        while (!todo.isEmpty()) {
            JsonNode n = todo.remove(todo.size() - 1);
            if (n.isTextual()) {
                out.append(n.asText()).append('\n');
            } else {
                n.elements().forEachRemaining(todo::add);
            }
        }
        return out.toString();
    }

    private static final Pattern LOGGER = Pattern.compile("\\[([A-Za-z][\\w.$-]*)\\]");

    private static String logger(String line, JsonNode json) {
        if (json != null) {
            return json.path("loggerName").asText("?");
        }
        Matcher m = LOGGER.matcher(line);
        return m.find() ? m.group(1) : "?";
    }
}
