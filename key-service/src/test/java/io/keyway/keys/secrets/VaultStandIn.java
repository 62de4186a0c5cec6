package io.keyway.keys.secrets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A STAND-IN for HashiCorp Vault, for tests only (Vault cannot be installed on the build machines; DESIGN.md §6).
 * It speaks the part of Vault's HTTP API that the {@code vault} secret store and the Quarkus Vault client use, on
 * loopback:
 * <ul>
 *   <li>KV version 2: {@code GET|POST|PUT /v1/<mount>/data/<path>} (every write is a new version; {@code ?version=N}
 *       reads an older one),
 *       {@code GET|DELETE /v1/<mount>/metadata/<path>} (delete removes all versions);</li>
 *   <li>auth: a root token, {@code POST /v1/auth/approle/login}, {@code POST /v1/auth/kubernetes/login},
 *       {@code POST /v1/auth/token/renew-self} (quarkus-vault 4.7.0 renews a fresh login token whose lease is within
 *       its renew grace period), {@code GET /v1/auth/token/lookup-self}; every other request needs a token it issued ({@code X-Vault-Token}),
 *       else 403 {@code {"errors":["permission denied"]}};</li>
 *   <li>faults switched over HTTP by the tests ({@code POST /standin/...}): sealed (503
 *       {@code {"errors":["Vault is sealed"]}}, always or for the next n requests), denied (403 on every KV path), slow (answers after a delay).</li>
 * </ul>
 * It records each request as {@code "METHOD /path by <token kind>"} ({@code GET /standin/requests}) so that tests
 * can see which endpoints the real client called. Control endpoints are the stand-in's own, not Vault's.
 */
public final class VaultStandIn {

    public static final String ROOT_TOKEN = "standin-root-token";
    public static final String ROLE_ID = "standin-role-id";
    public static final String SECRET_ID = "standin-secret-id";
    public static final String K8S_ROLE = "keyway";
    public static final String K8S_JWT = "standin-service-account-jwt";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    /** "mount/path" → versions, oldest first. */
    private final Map<String, List<Map<String, Object>>> kv = new ConcurrentHashMap<>();
    /** token → kind ("root", "approle", "kubernetes"). */
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private volatile boolean sealed;
    private volatile boolean denied;
    private volatile long delayMillis;
    private final java.util.concurrent.atomic.AtomicInteger failNext = new java.util.concurrent.atomic.AtomicInteger();

    private VaultStandIn(HttpServer server) {
        this.server = server;
        tokens.put(ROOT_TOKEN, "root");
    }

    public static VaultStandIn start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        VaultStandIn standIn = new VaultStandIn(server);
        server.createContext("/", standIn::handle);
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        return standIn;
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.startsWith("/standin/")) {
                control(exchange, method, path);
                return;
            }
            String tokenKind = tokens.getOrDefault(
                    String.valueOf(exchange.getRequestHeaders().getFirst("X-Vault-Token")), "none");
            requests.add(method + " " + path + " by " + tokenKind);
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            if (sealed || failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(exchange, 503, Map.of("errors", List.of("Vault is sealed")));
                return;
            }
            if (path.equals("/v1/auth/approle/login") && method.equals("POST")) {
                JsonNode in = JSON.readTree(body);
                boolean ok = ROLE_ID.equals(in.path("role_id").asText()) && SECRET_ID.equals(in.path("secret_id").asText());
                login(exchange, ok, "approle", "invalid role or secret ID");
                return;
            }
            if (path.equals("/v1/auth/kubernetes/login") && method.equals("POST")) {
                JsonNode in = JSON.readTree(body);
                boolean ok = K8S_ROLE.equals(in.path("role").asText()) && K8S_JWT.equals(in.path("jwt").asText().trim());
                login(exchange, ok, "kubernetes", "permission denied");
                return;
            }
            if (tokenKind.equals("none")) {
                send(exchange, 403, Map.of("errors", List.of("permission denied")));
                return;
            }
            if (path.equals("/v1/auth/token/renew-self") && method.equals("POST")) {
                // The client renews a login token whose lease is within quarkus.vault.renew-grace-period (1 h).
                String token = exchange.getRequestHeaders().getFirst("X-Vault-Token");
                send(exchange, 200, Map.of("auth", auth(token, tokenKind), "data", Map.of()));
                return;
            }
            if (path.equals("/v1/auth/token/lookup-self")) {
                send(exchange, 200, Map.of("data", Map.of("ttl", 3600, "renewable", false,
                        "policies", List.of(tokenKind), "id", "****")));
                return;
            }
            if (denied) {
                send(exchange, 403, Map.of("errors", List.of("permission denied")));
                return;
            }
            kv(exchange, method, path, exchange.getRequestURI().getQuery(), body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void login(HttpExchange exchange, boolean ok, String kind, String error) throws IOException {
        if (!ok) {
            send(exchange, 400, Map.of("errors", List.of(error)));
            return;
        }
        String token = "hvs.standin-" + kind + "-" + UUID.randomUUID();
        tokens.put(token, kind);
        send(exchange, 200, Map.of("auth", auth(token, kind), "data", Map.of()));
    }

    private static Map<String, Object> auth(String token, String kind) {
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("client_token", token);
        auth.put("accessor", UUID.randomUUID().toString());
        auth.put("policies", List.of("default", "keyway"));
        auth.put("token_policies", List.of("default", "keyway"));
        auth.put("metadata", Map.of("role", kind));
        auth.put("lease_duration", 3600);
        auth.put("renewable", true);
        return auth;
    }

    private void kv(HttpExchange exchange, String method, String path, String query, byte[] body) throws IOException {
        // /v1/<mount>/data/<path> or /v1/<mount>/metadata/<path>
        String[] parts = path.substring("/v1/".length()).split("/", 3);
        if (parts.length < 3 || !(parts[1].equals("data") || parts[1].equals("metadata"))) {
            send(exchange, 404, Map.of("errors", List.of()));
            return;
        }
        String key = parts[0] + "/" + parts[2];
        boolean data = parts[1].equals("data");
        List<Map<String, Object>> versions = kv.get(key);
        switch (method) {
            case "GET" -> {
                if (versions == null || versions.isEmpty()) {
                    send(exchange, 404, Map.of("errors", List.of()));
                } else if (data) {
                    // ?version=N reads an older version, as Vault's KV v2 does; 0 or none is the latest
                    int wanted = query != null && query.startsWith("version=") ? Integer.parseInt(query.substring(8)) : 0;
                    if (wanted > versions.size()) {
                        send(exchange, 404, Map.of("errors", List.of()));
                        return;
                    }
                    Map<String, Object> version = versions.get((wanted == 0 ? versions.size() : wanted) - 1);
                    send(exchange, 200, Map.of("data", Map.of("data", version.get("data"),
                            "metadata", versionMetadata(version))));
                } else {
                    Map<String, Object> byVersion = new LinkedHashMap<>();
                    versions.forEach(v -> byVersion.put(String.valueOf(v.get("version")), versionMetadata(v)));
                    Map<String, Object> meta = new LinkedHashMap<>();
                    meta.put("current_version", versions.size());
                    meta.put("oldest_version", 1);
                    meta.put("max_versions", 0);
                    meta.put("cas_required", false);
                    meta.put("delete_version_after", "0s");
                    meta.put("created_time", versions.get(0).get("created_time"));
                    meta.put("updated_time", versions.get(versions.size() - 1).get("created_time"));
                    meta.put("custom_metadata", null);
                    meta.put("versions", byVersion);
                    send(exchange, 200, Map.of("data", meta));
                }
            }
            case "POST", "PUT" -> {
                if (!data) {
                    send(exchange, 204, null);
                    return;
                }
                JsonNode in = JSON.readTree(body);
                Map<String, Object> version = new LinkedHashMap<>();
                version.put("data", JSON.convertValue(in.path("data"), Map.class));
                version.put("created_time", Instant.now().toString());
                List<Map<String, Object>> list = kv.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
                synchronized (list) {
                    version.put("version", list.size() + 1);
                    list.add(version);
                }
                send(exchange, 200, Map.of("data", versionMetadata(version)));
            }
            case "DELETE" -> {
                if (data) {
                    // Soft delete of the latest version is not used by Keyway; treat as removal of the latest.
                    if (versions != null && !versions.isEmpty()) {
                        versions.remove(versions.size() - 1);
                    }
                } else {
                    kv.remove(key);
                }
                send(exchange, 204, null);
            }
            default -> send(exchange, 405, Map.of("errors", List.of("unsupported method")));
        }
    }

    private static Map<String, Object> versionMetadata(Map<String, Object> version) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("created_time", version.get("created_time"));
        meta.put("custom_metadata", null);
        meta.put("deletion_time", "");
        meta.put("destroyed", false);
        meta.put("version", version.get("version"));
        return meta;
    }

    private void control(HttpExchange exchange, String method, String path) throws IOException {
        String query = exchange.getRequestURI().getQuery();
        switch (path) {
            case "/standin/seal" -> sealed = true;
            case "/standin/unseal" -> sealed = false;
            case "/standin/deny" -> denied = true;
            case "/standin/allow" -> denied = false;
            case "/standin/fail-next" -> failNext.set(Integer.parseInt(query.substring("n=".length())));
            case "/standin/delay" -> delayMillis = Long.parseLong(query.substring("ms=".length()));
            case "/standin/reset" -> {
                sealed = false;
                denied = false;
                delayMillis = 0;
                failNext.set(0);
                requests.clear();
            }
            case "/standin/requests" -> {
                send(exchange, 200, new ArrayList<>(requests));
                return;
            }
            case "/standin/versions" -> {
                List<Map<String, Object>> versions = kv.get(query.substring("key=".length()));
                send(exchange, 200, versions == null ? List.of() : versions.stream().map(v -> v.get("data")).toList());
                return;
            }
            default -> {
                send(exchange, 404, Map.of("errors", List.of("no such stand-in control " + path)));
                return;
            }
        }
        send(exchange, 204, null);
    }

    private static void send(HttpExchange exchange, int status, Object json) throws IOException {
        if (json == null) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        byte[] out = JSON.writeValueAsBytes(json);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, out.length);
        exchange.getResponseBody().write(out);
    }
}
