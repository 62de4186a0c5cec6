package io.keyway.billing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The REAL key-service (its packaged jar, built by the reactor before this module) as a separate process on a free
 * port, with its integration-test database. The jar is copied first so a concurrent rebuild cannot pull it away.
 * When the jar is missing the tests that need it are skipped (they say so), never run against a mock.
 */
public class KeyServiceProcess implements QuarkusTestResourceLifecycleManager {

    /** billing's {@code keyway.billing.key-cache-ttl} while key-service runs. */
    static final Duration TTL = Duration.ofSeconds(5);
    static final Path JAR_DIR = Path.of("../key-service/target/quarkus-app");
    static volatile String url;
    /** The running one, for a test that stops key-service for a while ({@link #stopNow}, {@link #startAgain}). */
    private static volatile KeyServiceProcess current;
    private Process process;
    private Path copy;
    private int port;

    static boolean available() {
        return Files.isRegularFile(JAR_DIR.resolve("quarkus-run.jar"));
    }

    @Override
    public Map<String, String> start() {
        if (!available()) {
            return Map.of();
        }
        try {
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            copy = Files.createTempDirectory("billing-test-key-service");
            copyTree(JAR_DIR, copy);
            current = this;
            launch();
            // short, so a test can watch an entry expire; long enough that back-to-back calls fall within it
            return Map.of("keyway.billing.key-service-url", url, "keyway.billing.key-cache-ttl", TTL.toSeconds() + "s");
        } catch (IOException e) {
            throw new IllegalStateException("cannot start key-service", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops key-service (billing then finds it unreachable), until {@link #startAgain}. */
    static void stopNow() {
        current.stop();
    }

    /** Starts key-service again on the same port, with the same data; returns when it is ready. */
    static void startAgain() throws IOException, InterruptedException {
        current.launch();
    }

    private void launch() throws IOException, InterruptedException {
        Path log = copy.resolve("key-service.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // the one-machine profile: key-service's public dev master key (the _it data is sealed with it)
                "-Xmx256m", "-Dquarkus.profile=prod,local", "-jar", copy.resolve("quarkus-run.jar").toString());
        pb.environment().put("KEYWAY_KEYS_PORT", String.valueOf(port));
        pb.environment().put("KEYWAY_KEYS_DB_URL", "postgresql://127.0.0.1:"
                + System.getenv().getOrDefault("KEYWAY_PG_PORT", "55432") + "/keyway_keys_it");
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = pb.start();
        url = "http://127.0.0.1:" + port;
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            try {
                var response = http.send(HttpRequest.newBuilder(URI.create(url + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("key-service did not become ready; see " + log);
            }
            Thread.sleep(300);
        }
        // warm up the internal API billing calls (a cold JVM on a busy machine can exceed billing's 2 s timeout)
        for (int i = 0; i < 5; i++) {
            http.send(HttpRequest.newBuilder(URI.create(url + "/internal/v1/api-keys/" + "0".repeat(64)))
                    .header("Authorization", "Bearer local-billing-token").build(),
                    HttpResponse.BodyHandlers.discarding());
            http.send(HttpRequest.newBuilder(URI.create(url + "/internal/v1/api-keys/by-id/"
                    + java.util.UUID.randomUUID())).header("Authorization", "Bearer local-billing-token").build(),
                    HttpResponse.BodyHandlers.discarding());
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Override
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }
}
