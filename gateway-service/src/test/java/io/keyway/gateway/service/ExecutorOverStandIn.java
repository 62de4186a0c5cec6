package io.keyway.gateway.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.RoutingView;
import io.keyway.contracts.RoutingView.Credential;
import io.keyway.contracts.RoutingView.PooledCredential;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.it.UpstreamStandIn;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.ProviderAdapters;
import io.keyway.gateway.provider.UpstreamHttp;
import io.keyway.gateway.provider.openaicompatible.OpenAiCompatibleAdapter;
import io.keyway.gateway.provider.openaicompatible.OpenAiWire;
import io.keyway.gateway.service.Generation.AttemptRecord;
import io.keyway.gateway.service.catalog.ModelCatalog;
import io.keyway.gateway.service.routing.EndpointStats;
import io.keyway.gateway.service.routing.ProviderPreferences;
import io.keyway.gateway.service.routing.Router;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;

/**
 * What the tests of the real {@link CompletionExecutor} share ({@code CompletionExecutorTests},
 * {@code RequestTraceTests}, {@code LeftOutCredentialsTests}): the upstream STAND-IN (fault injection by credential,
 * see {@link UpstreamStandIn}), a catalog of OpenAI-compatible providers pointing at it, the real adapter over real
 * HTTP, and one request run through an executor on an event loop, as the request path runs it. Each test class starts
 * it with its own catalog in its {@code @BeforeAll} ({@link #startStandIn}); the classes run one after another.
 */
abstract class ExecutorOverStandIn {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "t/m";

    static UpstreamStandIn upstream;
    static Vertx vertx;
    static ModelCatalog catalog;
    static OpenAiCompatibleAdapter adapter;
    static ProviderAdapters adapters;

    /**
     * Starts the stand-in and Vert.x and loads {@code catalogTemplate}: {@code %1$s} is the stand-in's base URL,
     * {@code %2$d} a port nothing listens on. {@code config} gets the catalog's path; the adapter's HTTP client
     * uses the configuration it returns, which is returned.
     */
    static GatewayConfig startStandIn(String catalogTemplate, Function<String, GatewayConfig> config)
            throws Exception {
        upstream = new UpstreamStandIn();
        vertx = Vertx.vertx();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path file = Files.createTempFile("catalog", ".json");
        file.toFile().deleteOnExit();
        Files.writeString(file, catalogTemplate.formatted("http://127.0.0.1:" + upstream.port() + "/v1", closedPort));
        GatewayConfig catalogConfig = config.apply(file.toString());
        catalog = new ModelCatalog(catalogConfig, JSON);
        adapter = new OpenAiCompatibleAdapter(new UpstreamHttp(vertx, catalogConfig), new OpenAiWire(JSON));
        adapters = new ProviderAdapters(List.<ProviderAdapter>of(adapter), catalog);
        return catalogConfig;
    }

    @AfterAll
    static void stopStandIn() {
        upstream.close();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** An executor over the stand-in's catalog and adapter, with fresh {@code breakers} and measurements as given. */
    static CompletionExecutor executor(GatewayConfig config, CircuitBreakers breakers,
                                       EndpointMeasurements measurements) {
        return new CompletionExecutor(catalog, adapters, breakers, measurements, config);
    }

    /**
     * Upstream: 1 s without a byte is a timeout (room for a loaded CI machine: at 300 ms a slow first answer was
     * sometimes a timeout, and the fallback hid the status under test); total timeout and breakers as given.
     */
    static GatewayConfig config(String catalogPath, int threshold, Duration open) {
        return config(catalogPath, threshold, open, Duration.ofSeconds(10));
    }

    static GatewayConfig config(String catalogPath, int threshold, Duration open, Duration total) {
        var up = ConfigStub.of(GatewayConfig.Upstream.class, Map.of(
                "connectTimeout", Duration.ofSeconds(2),
                "firstByteTimeout", Duration.ofMillis(1000),
                "totalTimeout", total,
                "maxPoolSize", 20,
                "breakerFailureThreshold", threshold,
                "breakerMinimumCalls", threshold,
                "breakerWindowSize", threshold,
                "breakerOpenDuration", open,
                "trustCertificates", Optional.empty()));
        return ConfigStub.of(GatewayConfig.class,
                Map.of("upstream", up, "catalogPath", Optional.ofNullable(catalogPath)));
    }

    /** A credential that makes the stand-in behave as named ({@link UpstreamStandIn}), unique per call. */
    static String secret(String behaviour) {
        return behaviour + "-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** A pooled credential whose id is its secret, so calls can be matched to it. */
    static PooledCredential pooled(String provider, String secret) {
        return new PooledCredential(secret, provider, new Credential(secret));
    }

    /** A chat request for {@link #MODEL} saying {@code content}, with {@code more} members, e.g. {@code ,"stream":true}. */
    static String body(String content, String more) {
        return "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]"
                + more + "}";
    }

    /** How a request ended: its success or its error, and its generation (the attempts). */
    record Outcome(CompletionExecutor.Success success, GatewayError error, Generation generation) {
        List<String> outcomes() {
            return generation.attempts().stream().map(AttemptRecord::outcome).toList();
        }
    }

    /**
     * Plans {@code body} over {@code view} (BYOK first, no preferences) and runs it through {@code executor} on an
     * event loop, as the request path does (the total timeout is then a task of that loop's scheduler); {@code before}
     * sees the generation first. Waits up to 30 s.
     */
    static Outcome call(CompletionExecutor executor, RoutingView view, String body, Consumer<Generation> before) {
        ChatRequest request = ChatRequest.parse(body.getBytes(StandardCharsets.UTF_8), JSON, catalog);
        var plan = new Router().plan(request.models(), ProviderPreferences.NONE, Set.of(), "api-1", null, view,
                new AccountRouting(view, catalog, adapters), EndpointStats.NONE);
        Generation g = new Generation("acct", "api-1", MODEL, request.stream());
        before.accept(g);
        CompletableFuture<CompletionExecutor.Success> done = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> executor.run(plan, request, g)
                .onSuccess(done::complete).onFailure(done::completeExceptionally));
        try {
            return new Outcome(done.get(30, TimeUnit.SECONDS), null, g);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GatewayError error) {
                return new Outcome(null, error, g);
            }
            throw new AssertionError(e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
