package io.keyway.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The logs of the child services KeywayServices starts ({@code target/keyway-it/<service>.log}). They run with JSON
 * logs on (KEYWAY_LOG_JSON=true, as the Helm chart runs them), so a check for secrets reads each JSON line with its
 * string values decoded (an escape inside a value hides nothing), beside the raw text.
 */
final class ServiceLogs {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ServiceLogs() {
    }

    static Path of(String service) {
        return Path.of("target/keyway-it", service + ".log");
    }

    /** The raw log followed by every string value of its JSON lines, decoded. */
    static String text(String service) throws IOException {
        StringBuilder out = new StringBuilder(Files.readString(of(service)));
        for (JsonNode line : jsonLines(service)) {
            List<JsonNode> todo = new ArrayList<>(List.of(line));
            while (!todo.isEmpty()) {
                JsonNode n = todo.remove(todo.size() - 1);
                if (n.isTextual()) {
                    out.append('\n').append(n.asText());
                } else {
                    n.elements().forEachRemaining(todo::add);
                }
            }
        }
        return out.toString();
    }

    /** The lines that are JSON objects (the JVM may print a few plain lines before logging starts). */
    static List<JsonNode> jsonLines(String service) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(of(service))) {
            if (line.startsWith("{")) {
                try {
                    JsonNode node = JSON.readTree(line);
                    if (node.isObject()) {
                        lines.add(node);
                    }
                } catch (IOException e) {
                    // not a JSON line
                }
            }
        }
        return lines;
    }

    /** Fails unless the service logged JSON lines, so a check over its log is a check over JSON logs. */
    static void assertJson(String service) throws IOException {
        List<JsonNode> lines = jsonLines(service);
        if (lines.isEmpty() || lines.stream().noneMatch(l -> l.has("loggerName") && l.has("message"))) {
            throw new AssertionError(service + " did not log JSON lines (KEYWAY_LOG_JSON)");
        }
    }
}
