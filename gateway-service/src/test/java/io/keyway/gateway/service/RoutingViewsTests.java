package io.keyway.gateway.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.keyway.contracts.RoutingView;
import io.keyway.contracts.RoutingView.ByokKey;
import io.keyway.contracts.RoutingView.Credential;
import io.keyway.contracts.RoutingView.LeftOut;
import io.keyway.gateway.client.InternalCredentials;
import io.keyway.gateway.client.KeyServiceClient;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.provider.ProviderAdapter;
import io.keyway.gateway.provider.ProviderAdapters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.mutiny.core.Vertx;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RoutingViews} with the real key-service client over HTTP, against a STAND-IN for key-service's routing-view
 * endpoint on loopback (ETag, If-None-Match → 304, or 503), on a clock the test moves: a partial view (keys left out
 * because their secret store could not answer) is revalidated after {@code partial-routing-view-ttl}, a full one only
 * after {@code routing-view-ttl}; while key-service answers 503 a view is served up to the stale window past its TTL.
 */
class RoutingViewsTests {

    static final ObjectMapper JSON = new ObjectMapper();

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    /** What the stand-in answers: the view to serve, or null for 503. */
    final AtomicReference<RoutingView> current = new AtomicReference<>();
    final AtomicInteger requests = new AtomicInteger();
    HttpServer standIn;
    Vertx vertx;
    RoutingViews views;

    @BeforeEach
    void start() throws Exception {
        standIn = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        standIn.createContext("/internal/v1/accounts/", exchange -> {
            requests.incrementAndGet();
            RoutingView view = current.get();
            if (view == null) {
                exchange.sendResponseHeaders(503, -1);
            } else if (("\"" + view.version() + "\"").equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                exchange.getResponseHeaders().add("ETag", "\"" + view.version() + "\"");
                exchange.sendResponseHeaders(304, -1);
            } else {
                byte[] body = JSON.writeValueAsBytes(view);
                exchange.getResponseHeaders().add("ETag", "\"" + view.version() + "\"");
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        standIn.start();
        vertx = Vertx.vertx();
        java.nio.file.Path catalogFile = java.nio.file.Files.createTempFile("catalog", ".json");
        catalogFile.toFile().deleteOnExit();
        java.nio.file.Files.writeString(catalogFile, """
                {"providers": [{"slug": "p1", "name": "P1", "adapter": "openai-compatible", "base_url": "http://127.0.0.1:9/v1"}],
                 "models": [{"id": "t/m", "endpoints": [
                   {"provider": "p1", "upstream_model": "m", "pricing": {"prompt": "0.000001", "completion": "0.000001", "request": "0"}}]}]}
                """);
        var upstream = ConfigStub.of(GatewayConfig.Upstream.class, Map.of("trustCertificates", Optional.empty()));
        GatewayConfig config = ConfigStub.of(GatewayConfig.class, Map.of(
                "keyServiceUrl", "http://127.0.0.1:" + standIn.getAddress().getPort(),
                "serviceToken", Optional.of("test-gateway-token-not-a-secret"),
                "internalTrustCertificates", Optional.empty(),
                "catalogPath", Optional.of(catalogFile.toString()),
                "upstream", upstream));
        var client = new KeyServiceClient(vertx, config, new InternalCredentials(config), JSON,
                new SimpleMeterRegistry());
        var catalog = new io.keyway.gateway.service.catalog.ModelCatalog(config, JSON);
        var adapter = new io.keyway.gateway.provider.openaicompatible.OpenAiCompatibleAdapter(
                new io.keyway.gateway.provider.UpstreamHttp(vertx.getDelegate(), config),
                new io.keyway.gateway.provider.openaicompatible.OpenAiWire(JSON));
        views = new RoutingViews(client, config, catalog,
                new ProviderAdapters(List.<ProviderAdapter>of(adapter), catalog), now::get);
    }

    @AfterEach
    void stop() {
        standIn.stop(0);
        vertx.closeAndAwait();
    }

    static RoutingView view(String version, boolean partial) {
        ByokKey kept = new ByokKey("k-local", "p1", "PRIORITIZED", 0, false, null, null,
                new Credential("fake-local-" + version));
        ByokKey other = new ByokKey("k-aws", "p1", "PRIORITIZED", 1, false, null, null,
                partial ? null : new Credential("fake-aws-" + version));
        return new RoutingView("acct", version, "byok_first", List.of(), List.of(kept, other), List.of(),
                partial ? List.of(new LeftOut(LeftOut.BYOK_KEY, "k-aws", "p1", RoutingView.SECRET_STORE_UNAVAILABLE))
                        : List.of());
    }

    RoutingView served() {
        return views.view("acct").join().view();
    }

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aPartialViewIsRevalidatedWithinSecondsAndReplacedByTheFullOneOnceTheStoreIsBack() {
        current.set(view("4.2.partial-abc", true));
        assertEquals("4.2.partial-abc", served().version());

        current.set(view("4.2", false)); // the store answers again
        advance(Duration.ofSeconds(6)); // past partial-routing-view-ttl (5 s), far from routing-view-ttl (30 s)
        served();
        await().atMost(Duration.ofSeconds(10)).until(() -> served().version().equals("4.2"));
        assertEquals(List.of(), served().leftOut());
    }

    @Test
    void aFullViewIsNotAskedForAgainBeforeItsTtl() {
        current.set(view("4.2", false));
        served();
        int before = requests.get();

        advance(Duration.ofSeconds(6));
        served();
        advance(Duration.ofSeconds(20));
        served();

        assertEquals(before, requests.get());
    }

    @Test
    void whileKeyServiceAnswers503TheViewIsServedForTheStaleWindowThenTheRequestGets503() throws Exception {
        current.set(view("4.2", false));
        served();
        current.set(null);

        advance(Duration.ofSeconds(31));
        served(); // starts a revalidation that fails
        await().atMost(Duration.ofSeconds(10)).until(() -> views.staleKept() == 1);
        advance(Duration.ofMinutes(4)); // far past the old limit (2 × TTL = 60 s)
        assertEquals("4.2", served().version());
        // wait for any revalidation that request started to be answered (503) before moving the clock on
        await().atMost(Duration.ofSeconds(10)).until(() -> views.staleKept() == requests.get() - 1);

        advance(Duration.ofSeconds(60)); // TTL + 5 min since key-service last answered
        CompletionException e = assertThrows(CompletionException.class, this::served);
        GatewayError error = assertInstanceOf(GatewayError.class, e.getCause());
        assertEquals(503, error.status());
    }
}
