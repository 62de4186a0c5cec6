package io.keyway.gateway.service;

import com.github.benmanes.caffeine.cache.Ticker;
import io.keyway.contracts.RoutingView;
import io.keyway.gateway.client.KeyServiceClient;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.provider.ProviderAdapters;
import io.keyway.gateway.service.catalog.ModelCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Routing views per account. A cached view is served while key-service revalidates it in the background
 * (If-None-Match with its ETag) once it is older than {@code routing-view-ttl}. While key-service cannot answer, a
 * view is served up to {@code key-service-stale-window} past that ({@link KeyServiceCache}); then requests get a 503.
 * A change-feed event for the account (or for the platform's pooled credentials) drops it at once.
 *
 * <p>A partial view (key-service left out credentials whose secret store could not answer: {@code left_out}) is
 * revalidated after {@code partial-routing-view-ttl} instead, so a key is back within seconds of its store.
 */
@Singleton
public class RoutingViews {

    record Cached(AccountRouting routing, String etag, boolean partial) {
    }

    private final KeyServiceCache<Cached> cache;
    private final Ticker ticker;
    private final long partialTtlNanos;
    private Runnable unregisterMeter = () -> { };

    @Inject
    public RoutingViews(KeyServiceClient keyService, GatewayConfig config, ModelCatalog catalog,
                        ProviderAdapters adapters, MeterRegistry registry) {
        this(keyService, config, catalog, adapters, Ticker.systemTicker());
        this.unregisterMeter = cache.meterStaleKept(registry, "routing_view");
    }

    @PreDestroy
    void removeMeter() {
        unregisterMeter.run();
    }

    RoutingViews(KeyServiceClient keyService, GatewayConfig config, ModelCatalog catalog, ProviderAdapters adapters,
                 Ticker ticker) {
        this.ticker = ticker;
        this.partialTtlNanos = config.partialRoutingViewTtl().toNanos();
        this.cache = new KeyServiceCache<>("routing views", new KeyServiceCache.Source<>() {
            @Override
            public CompletableFuture<Cached> load(String accountId) {
                return keyService.routingView(accountId, null)
                        .map(a -> cached(a.view(), a.etag(), catalog, adapters))
                        .subscribeAsCompletionStage();
            }

            @Override
            public CompletableFuture<Cached> reload(String accountId, Cached old) {
                return keyService.routingView(accountId, old.etag())
                        .map(a -> a.notModified() ? old : cached(a.view(), a.etag(), catalog, adapters))
                        .subscribeAsCompletionStage();
            }
        }, config.routingViewTtl(), config.keyServiceStaleWindow(), config.cacheMaxEntries(), ticker);
    }

    private static Cached cached(RoutingView view, String etag, ModelCatalog catalog, ProviderAdapters adapters) {
        return new Cached(new AccountRouting(view, catalog, adapters), etag,
                view.leftOut() != null && !view.leftOut().isEmpty());
    }

    /** The account's routing view; a cached view gives an already completed future (no reactive pipeline). */
    public CompletableFuture<AccountRouting> view(String accountId) {
        CompletableFuture<KeyServiceCache.Entry<Cached>> cached = cache.get(accountId);
        if (cached.isDone() && !cached.isCompletedExceptionally()) {
            KeyServiceCache.Entry<Cached> entry = cached.join();
            if (entry.value().partial() && ticker.read() - entry.askedAt() > partialTtlNanos) {
                cache.refresh(accountId); // the left-out keys' store may be back
            }
            return CompletableFuture.completedFuture(entry.value().routing());
        }
        return cached.handle((c, failure) -> {
            if (failure != null) {
                Throwable cause = KeyServiceCache.unwrap(failure);
                if (cause instanceof KeyServiceClient.KeyServiceUnavailable) {
                    throw new GatewayError(503, "Routing data is unavailable, retry shortly");
                }
                throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
            }
            return c.value().routing();
        });
    }

    /** Revalidations that found key-service unable to answer and kept the cached view. */
    long staleKept() {
        return cache.staleKept();
    }

    public void forget(String accountId) {
        cache.forget(accountId);
    }

    public void forgetAll() {
        cache.forgetAll();
    }
}
