package io.keyway.keys.secrets;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;

/** Switches the {@link VaultStandIn}'s faults and reads what it saw, over its own control endpoints. */
final class VaultStandInControl {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private VaultStandInControl() {
    }

    static void seal() {
        post("/standin/seal");
    }

    /** The next {@code n} requests answer 503 sealed, later ones are served. */
    static void failNext(int n) {
        post("/standin/fail-next?n=" + n);
    }

    static void deny() {
        post("/standin/deny");
    }

    static void delay(long millis) {
        post("/standin/delay?ms=" + millis);
    }

    /** Unsealed, allowed, no delay, request log cleared. */
    static void reset() {
        post("/standin/reset");
    }

    static List<String> requests() {
        return get("/standin/requests", new TypeReference<>() {
        });
    }

    /** The data of every stored version of {@code mount/path}, oldest first. */
    static List<java.util.Map<String, String>> versions(String mountAndPath) {
        return get("/standin/versions?key=" + mountAndPath, new TypeReference<>() {
        });
    }

    private static String base() {
        return ConfigProvider.getConfig().getValue("quarkus.vault.url", String.class);
    }

    private static void post(String path) {
        send(HttpRequest.newBuilder(URI.create(base() + path)).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private static <T> T get(String path, TypeReference<T> type) {
        try {
            return JSON.readValue(send(HttpRequest.newBuilder(URI.create(base() + path)).GET().build()), type);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException("stand-in control " + request.uri() + " answered "
                        + response.statusCode());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
