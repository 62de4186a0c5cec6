package io.keyway.gateway.it;

import io.keyway.gateway.standin.AnthropicStandIn;
import io.keyway.gateway.standin.AzureStandIn;
import io.keyway.gateway.standin.BedrockStandIn;
import io.keyway.gateway.standin.GoogleTokenStandIn;
import io.keyway.gateway.standin.StandInTls;
import io.keyway.gateway.standin.VertexStandIn;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Starts the REAL key-service and billing-service (their packaged jars, built by the reactor before this module) as
 * child processes on free ports against the {@code _it} databases and the shared Kafka, plus the upstream stand-in,
 * and writes a model catalog whose providers (slugs unique to this run, so pooled credentials of other runs never
 * mix in) point at the stand-in. Stops them afterwards. Logs: {@code target/keyway-it/*.log}.
 */
public class KeywayServices implements QuarkusTestResourceLifecycleManager {

    public static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    /**
     * Tokens of this run, passed to the child processes as in production (billing-service runs in the prod profile and
     * would refuse to start without them): each caller its own, generated, so no public default is relied upon.
     */
    public static final String ADMIN_TOKEN = "it-admin-" + UUID.randomUUID();
    /** The gateway's: routing views and key lookups on key-service, and billing's /internal/v1. */
    public static final String GATEWAY_TOKEN = "it-gateway-" + UUID.randomUUID();
    /** billing-service's, on key-service: key lookups only. */
    public static final String BILLING_TOKEN = "it-billing-" + UUID.randomUUID();
    /** Providers of this run's catalog: cheapest first by list price. */
    public static final String CHEAP = "cheap-" + RUN;
    public static final String MID = "mid-" + RUN;
    public static final String PRICEY = "pricey-" + RUN;
    /** Catalog models: {@link #MODEL} at all three providers, {@link #OTHER_MODEL} at {@link #CHEAP} only. */
    public static final String MODEL = "standin/alpha";
    public static final String OTHER_MODEL = "standin/beta";
    /**
     * A provider whose non-streamed calls wait 1 s at most for their answer (catalog option
     * {@code non_streamed_first_byte_timeout}), the only endpoint of {@link #LONG_MODEL}: a slow whole answer there
     * times out after the upstream accepted the request (LongCallsE2ETests).
     */
    public static final String BRISK = "brisk-" + RUN;
    public static final String LONG_MODEL = "standin/long";

    static final Path KEY_SERVICE_JAR = Path.of("../key-service/target/quarkus-app/quarkus-run.jar");
    static final Path BILLING_JAR = Path.of("../billing-service/target/quarkus-app/quarkus-run.jar");

    /** Providers of this run's catalog that speak the other adapters' APIs, each to its own stand-in. */
    public static final String AZURE = "azure-" + RUN;
    public static final String ANTHROPIC = "anthropic-" + RUN;
    public static final String BEDROCK = "bedrock-" + RUN;
    public static final String VERTEX = "vertex-" + RUN;
    /** Claude on Vertex: a google-vertex provider whose endpoint is the Anthropic stand-in's rawPredict routes. */
    public static final String VERTEX_CLAUDE = "vertex-claude-" + RUN;
    /** Catalog models of the native providers: Claude (anthropic, bedrock, vertex), GPT-4o (azure), Gemini (vertex). */
    public static final String CLAUDE = "anthropic/claude-sonnet-4";
    public static final String GPT_4O = "openai/gpt-4o";
    public static final String GEMINI = "google/gemini-2.5-flash";

    /**
     * {@code -Dkeyway.it.native-providers=false} leaves the native providers (azure, anthropic) out of the catalog, so
     * that a gateway build from before their adapters can be measured beside this one ({@code GatewayBenchmark}).
     */
    static final boolean NATIVE_PROVIDERS = Boolean.parseBoolean(System.getProperty("keyway.it.native-providers", "true"));

    public static UpstreamStandIn upstream;
    public static AzureStandIn azure;
    public static AnthropicStandIn anthropic;
    public static BedrockStandIn bedrock;
    public static GoogleTokenStandIn googleTokens;
    public static VertexStandIn vertex;
    public static String keyServiceUrl;
    public static String billingUrl;
    /** The gateway under test, on a port chosen here so that key-service's console can be told where it is. */
    public static String gatewayUrl;

    /** The running instance, for {@link #stopKeyService()} and {@link #restartKeyService()}. */
    private static volatile KeywayServices current;

    private Process keyService;
    private Process billing;
    private int keysPort;
    private String kafka;
    private Path dir;
    private final List<String> billingArgs;
    /** Gateway settings a test class gives as {@code @WithTestResource} init args, over the ones set here. */
    private final Map<String, String> gatewayOverrides = new HashMap<>();

    public KeywayServices() {
        this(List.of());
    }

    /** With extra JVM arguments for billing-service (the benchmark skips the usage events of earlier runs). */
    public KeywayServices(List<String> billingArgs) {
        this.billingArgs = List.copyOf(billingArgs);
    }

    @Override
    public void init(Map<String, String> initArgs) {
        initArgs.forEach((name, value) -> {
            if (!name.startsWith("keyway.gateway.")) {
                throw new IllegalArgumentException("KeywayServices takes gateway settings only, not " + name);
            }
            gatewayOverrides.put(name, value);
        });
    }

    @Override
    public Map<String, String> start() {
        current = this;
        try {
            upstream = new UpstreamStandIn();
            azure = new AzureStandIn();
            anthropic = new AnthropicStandIn();
            bedrock = new BedrockStandIn(BedrockKeys.SECRETS, BedrockKeys.API_KEYS);
            googleTokens = new GoogleTokenStandIn(StandInTls.loopback()); // key-service takes https token_uris only
            vertex = new VertexStandIn(googleTokens);
            Path dir = Files.createDirectories(Path.of("target/keyway-it"));
            int keysPort = freePort();
            int billingPort = freePort();
            int gatewayPort = freePort();
            keyServiceUrl = "http://127.0.0.1:" + keysPort;
            billingUrl = "http://127.0.0.1:" + billingPort;
            gatewayUrl = "http://127.0.0.1:" + gatewayPort;
            String kafka = System.getProperty("keyway.test.kafka", "127.0.0.1:19092");
            this.keysPort = keysPort;
            this.kafka = kafka;
            this.dir = dir;
            keyService = launchKeyService(false);
            billing = launch(BILLING_JAR, dir.resolve("billing-service.log"), false, Map.of(
                    "KEYWAY_BILLING_DB_URL", itDatabase("KEYWAY_BILLING_IT_DB_URL", "keyway_billing_it"),
                    "KEYWAY_BILLING_PORT", String.valueOf(billingPort),
                    "KEYWAY_KEYS_URL", keyServiceUrl,
                    "KEYWAY_CONSOLE_CORS", "true",
                    "KEYWAY_CONSOLE_ORIGIN", keyServiceUrl), kafka,
                    Stream.concat(Stream.of("-Dkeyway.billing.consumer.group-id=billing-gateway-it-" + RUN),
                            billingArgs.stream()).toList());
            awaitReady(keyServiceUrl, keyService, "key-service", "target/keyway-it");
            awaitReady(billingUrl, billing, "billing-service", "target/keyway-it");
            Path catalog = dir.resolve("catalog-" + RUN + ".json");
            Files.writeString(catalog, catalog(upstream.port(), anthropic.baseUrl(), bedrock.endpoint().toString(),
                    vertex.baseUrl()));
            Map<String, String> config = new HashMap<>(Map.of(
                    "keyway.gateway.key-service-url", keyServiceUrl,
                    "keyway.gateway.billing-url", billingUrl,
                    "keyway.gateway.catalog-path", catalog.toAbsolutePath().toString(),
                    "keyway.gateway.service-token", GATEWAY_TOKEN,
                    "keyway.gateway.upstream.first-byte-timeout", "2S",
                    // breakers that do not open: tests share endpoints, and many fail some on purpose
                    "keyway.gateway.upstream.breaker-failure-threshold", "1000",
                    "keyway.gateway.upstream.breaker-minimum-calls", "1000",
                    "keyway.gateway.upstream.breaker-window-size", "1000"));
            config.put("quarkus.http.test-port", String.valueOf(gatewayPort));
            config.put("quarkus.http.cors.enabled", "true");
            config.put("quarkus.http.cors.origins", keyServiceUrl);
            if (NATIVE_PROVIDERS) { // an older gateway build does not know the setting (its config mapping refuses it)
                config.put("keyway.gateway.upstream.trust-certificates",
                        StandInTls.loopback().certificatePemPath().toAbsolutePath().toString());
            }
            config.putAll(gatewayOverrides);
            return config;
        } catch (Exception e) {
            stop();
            throw new IllegalStateException("could not start the real key-service/billing-service for e2e tests: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The console (served by key-service) on three ports, as locally: it is told where the gateway and billing are,
     * and they allow CORS for key-service's origin only (ConsoleCorsE2ETests).
     */
    private Process launchKeyService(boolean append) throws IOException {
        return launch(KEY_SERVICE_JAR, dir.resolve("key-service.log"), append, Map.of(
                "KEYWAY_KEYS_DB_URL", itDatabase("KEYWAY_KEYS_IT_DB_URL", "keyway_keys_it"),
                "KEYWAY_KEYS_PORT", String.valueOf(keysPort),
                "KEYWAY_CONSOLE_GATEWAY_URL", gatewayUrl,
                "KEYWAY_CONSOLE_BILLING_URL", billingUrl,
                // the aws store against the local moto, as `./keyway run` offers it (moto takes any credentials)
                "KEYWAY_SECRETS_AWS_ENABLED", "true",
                "AWS_ACCESS_KEY_ID", "keyway-local-moto",
                "AWS_SECRET_ACCESS_KEY", "keyway-local-moto"), kafka,
                // the one-machine profile: key-service's public dev master key (the _it data is sealed with it);
                // the key formats of this run's native providers follow their adapters; the stand-ins that
                // tenant keys name (Azure endpoints, Google's token endpoint) are on loopback, allowed here only
                List.of("-Dquarkus.profile=prod,local", "-Dkeyway.tenant-urls.allowed-networks=127.0.0.0/8",
                        "-Dkeyway.keys.provider-adapters." + AZURE + "=azure",
                        "-Dkeyway.keys.provider-adapters." + ANTHROPIC + "=anthropic",
                        "-Dkeyway.keys.provider-adapters." + BEDROCK + "=amazon-bedrock",
                        "-Dkeyway.keys.provider-adapters." + VERTEX + "=google-vertex",
                        "-Dkeyway.keys.provider-adapters." + VERTEX_CLAUDE + "=google-vertex"));
    }

    /**
     * Stops key-service, as an outage would (the degraded-mode tests); {@link #restartKeyService()} brings it back on
     * the same port with the same data. Only for a test class of its own: every other test needs key-service.
     */
    public static void stopKeyService() {
        stopProcess(current.keyService);
    }

    /** Starts key-service again after {@link #stopKeyService()} and waits until it is ready. */
    public static void restartKeyService() throws Exception {
        if (current.keyService != null && current.keyService.isAlive()) {
            return;
        }
        current.keyService = current.launchKeyService(true);
        awaitReady(keyServiceUrl, current.keyService, "key-service", "target/keyway-it");
    }

    /** This module's own gateway build ({@code package} makes it; tests of the {@code cluster} package run after it). */
    static final Path GATEWAY_JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    /**
     * Starts one more gateway replica from this module's packaged jar on {@code port}, with the settings {@link #start}
     * gave the in-process gateway ({@code config}) plus {@code extra}, and waits until it is ready. For tests of more
     * than one replica (the {@code cluster} package, run by failsafe after {@code package}).
     */
    public static Process launchGateway(int port, Map<String, String> config, Map<String, String> extra, Path log)
            throws Exception {
        List<String> props = new java.util.ArrayList<>(List.of("-Dquarkus.profile=prod,local",
                "-Dquarkus.http.port=" + port, "-Dkeyway.tenant-urls.allowed-networks=127.0.0.0/8"));
        Map<String, String> settings = new HashMap<>(config);
        settings.putAll(extra);
        settings.forEach((name, value) -> {
            if (!name.equals("quarkus.http.test-port")) {
                props.add("-D" + name + "=" + value);
            }
        });
        Process gateway = launch(GATEWAY_JAR, log, false, Map.of(), current.kafka, props);
        awaitReady("http://127.0.0.1:" + port, gateway, "gateway-service", log.toString());
        return gateway;
    }

    /**
     * The database a child service uses: the {@code _it} one, unless {@code env} names another (a worktree whose
     * services are at another schema version than the shared {@code _it} databases).
     */
    private static String itDatabase(String env, String name) {
        String url = System.getenv(env);
        return url == null || url.isBlank() ? "postgresql://127.0.0.1:55432/" + name : url;
    }

    static String catalog(int port, String anthropicBase, String bedrockEndpoint, String vertexBase) {
        String base = "http://127.0.0.1:" + port + "/v1";
        if (!NATIVE_PROVIDERS) {
            return """
                    {"providers": [
                      {"slug": "%1$s", "name": "Cheap stand-in", "adapter": "openai-compatible", "base_url": "%4$s"},
                      {"slug": "%2$s", "name": "Mid stand-in", "adapter": "openai-compatible", "base_url": "%4$s"},
                      {"slug": "%3$s", "name": "Pricey stand-in", "adapter": "openai-compatible", "base_url": "%4$s"}],
                     "models": [
                      {"id": "%5$s", "name": "Stand-in alpha", "context_length": 8192,
                       "supported_parameters": ["temperature", "max_tokens"],
                       "endpoints": [
                         {"provider": "%1$s", "upstream_model": "alpha-cheap", "pricing": {"prompt": "0.000001", "completion": "0.000002", "request": "0"}},
                         {"provider": "%2$s", "upstream_model": "alpha-mid", "pricing": {"prompt": "0.00001", "completion": "0.00002", "request": "0"}},
                         {"provider": "%3$s", "upstream_model": "alpha-pricey", "pricing": {"prompt": "0.0001", "completion": "0.0002", "request": "0"}}]}
                     ]}
                    """.formatted(CHEAP, MID, PRICEY, base, MODEL);
        }
        return """
                {"providers": [
                  {"slug": "%1$s", "name": "Cheap stand-in", "adapter": "openai-compatible", "base_url": "%4$s"},
                  {"slug": "%2$s", "name": "Mid stand-in", "adapter": "openai-compatible", "base_url": "%4$s"},
                  {"slug": "%3$s", "name": "Pricey stand-in", "adapter": "openai-compatible", "base_url": "%4$s"},
                  {"slug": "%7$s", "name": "Azure stand-in", "adapter": "azure"},
                  {"slug": "%9$s", "name": "Anthropic stand-in", "adapter": "anthropic", "base_url": "%10$s"},
                  {"slug": "%12$s", "name": "Bedrock stand-in", "adapter": "amazon-bedrock",
                   "options": {"endpoint": "%13$s", "region": "us-east-1"}},
                  {"slug": "%14$s", "name": "Vertex stand-in", "adapter": "google-vertex", "options": {"endpoint": "%15$s"}},
                  {"slug": "%16$s", "name": "Vertex Claude stand-in", "adapter": "google-vertex", "options": {"endpoint": "%10$s"}},
                  {"slug": "%18$s", "name": "Brisk stand-in", "adapter": "openai-compatible", "base_url": "%4$s",
                   "options": {"non_streamed_first_byte_timeout": "1s"}}],
                 "models": [
                  {"id": "%5$s", "name": "Stand-in alpha", "context_length": 8192,
                   "supported_parameters": ["temperature", "max_tokens"],
                   "endpoints": [
                     {"provider": "%1$s", "upstream_model": "alpha-cheap", "zdr": false, "pricing": {"prompt": "0.000001", "completion": "0.000002", "request": "0"}},
                     {"provider": "%2$s", "upstream_model": "alpha-mid", "zdr": true, "pricing": {"prompt": "0.00001", "completion": "0.00002", "request": "0"}},
                     {"provider": "%3$s", "upstream_model": "alpha-pricey", "pricing": {"prompt": "0.0001", "completion": "0.0002", "request": "0"}}]},
                  {"id": "%6$s", "name": "Stand-in beta", "context_length": 8192,
                   "endpoints": [
                     {"provider": "%1$s", "upstream_model": "beta-cheap", "pricing": {"prompt": "0.000003", "completion": "0.000004", "request": "0.0001"}}]},
                  {"id": "%8$s", "name": "GPT-4o", "context_length": 128000,
                   "endpoints": [
                     {"provider": "%7$s", "upstream_model": "gpt-4o", "max_completion_tokens": 16384, "pricing": {"prompt": "0.0000025", "completion": "0.00001", "request": "0"}}]},
                  {"id": "%11$s", "name": "Claude Sonnet 4", "context_length": 200000,
                   "endpoints": [
                     {"provider": "%9$s", "upstream_model": "claude-sonnet-4-20250514", "max_completion_tokens": 64000, "pricing": {"prompt": "0.000003", "completion": "0.000015", "request": "0"}},
                     {"provider": "%12$s", "upstream_model": "us.anthropic.claude-sonnet-4-20250514-v1:0", "max_completion_tokens": 64000, "pricing": {"prompt": "0.000003", "completion": "0.000015", "request": "0"}},
                     {"provider": "%16$s", "upstream_model": "anthropic/claude-sonnet-4@20250514", "max_completion_tokens": 64000, "pricing": {"prompt": "0.000003", "completion": "0.000015", "request": "0"}}]},
                  {"id": "%17$s", "name": "Gemini 2.5 Flash", "context_length": 1048576,
                   "endpoints": [
                     {"provider": "%14$s", "upstream_model": "google/gemini-2.5-flash", "max_completion_tokens": 65535, "pricing": {"prompt": "0.0000003", "completion": "0.0000025", "request": "0"}}]},
                  {"id": "%19$s", "name": "Stand-in long", "context_length": 8192,
                   "endpoints": [
                     {"provider": "%18$s", "upstream_model": "long-brisk", "pricing": {"prompt": "0.000001", "completion": "0.000002", "request": "0"}}]}
                 ]}
                """.formatted(CHEAP, MID, PRICEY, base, MODEL, OTHER_MODEL, AZURE, GPT_4O, ANTHROPIC, anthropicBase,
                CLAUDE, BEDROCK, bedrockEndpoint, VERTEX, vertexBase, VERTEX_CLAUDE, GEMINI, BRISK, LONG_MODEL);
    }

    private static Process launch(Path jar, Path log, boolean append, Map<String, String> env, String kafka,
                                  List<String> props) throws IOException {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (./mvnw -pl key-service,billing-service"
                    + " package -DskipTests)");
        }
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        command.addAll(props);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(append ? ProcessBuilder.Redirect.appendTo(log.toFile()) : ProcessBuilder.Redirect.to(log.toFile()));
        Map<String, String> e = new HashMap<>(env);
        e.put("KEYWAY_HTTP_HOST", "127.0.0.1");
        e.put("KEYWAY_KAFKA_BOOTSTRAP", kafka);
        e.put("KEYWAY_ADMIN_TOKEN", ADMIN_TOKEN);
        e.put("KEYWAY_GATEWAY_TOKEN", GATEWAY_TOKEN);
        e.put("KEYWAY_BILLING_TOKEN", BILLING_TOKEN);
        // JSON logs, as the Helm chart runs the services: the no-secret checks read them (ServiceLogs)
        e.put("KEYWAY_LOG_JSON", "true");
        pb.environment().putAll(e);
        return pb.start();
    }

    /** Waits up to 120 s for {@code baseUrl}'s readiness; fails at once when the process exits. */
    public static void awaitReady(String baseUrl, Process process, String name, String logs) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(1)).build();
        String last = "no answer";
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " (see " + logs + ")");
            }
            try {
                var r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
                last = "status " + r.statusCode();
            } catch (IOException e) {
                last = e.toString(); // not listening yet
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException(name + " was not ready within 120 s, last: " + last + " (see " + logs + ")");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public static void stopProcess(Process p) {
        if (p != null && p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    /** Stops billing-service early (the benchmark: once credits are in, its event consumption only competes for CPU). */
    public void stopBilling() {
        if (billing != null && billing.isAlive()) {
            billing.destroy();
            try {
                if (!billing.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
                    billing.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                billing.destroyForcibly();
            }
        }
    }

    @Override
    public void stop() {
        for (Process p : new Process[] {keyService, billing}) {
            stopProcess(p);
        }
        for (AutoCloseable standIn : new AutoCloseable[] {upstream, azure, anthropic, bedrock, vertex, googleTokens}) {
            if (standIn != null) {
                try {
                    standIn.close();
                } catch (Exception e) {
                    // stopping: nothing to do
                }
            }
        }
        upstream = null;
        azure = null;
        anthropic = null;
        bedrock = null;
        vertex = null;
        googleTokens = null;
    }
}
