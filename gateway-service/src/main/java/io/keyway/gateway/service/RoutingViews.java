package io.keyway.gateway.service;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.keyway.gateway.client.KeyServiceClient;
import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.provider.ProviderAdapters;
import io.keyway.gateway.service.catalog.ModelCatalog;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Routing views per account. A cached view is served while key-service revalidates it in the background
 * (If-None-Match with its ETag) once it is older than {@code routing-view-ttl}; after twice that it is no longer
 * served. A change-feed event for the account (or for the platform's pooled credentials) drops it at once.
 */
@ApplicationScoped
public class RoutingViews {

    record Cached(AccountRouting routing, String etag) {
    }

    private final AsyncLoadingCache<String, Cached> cache;

    public RoutingViews(KeyServiceClient keyService, GatewayConfig config, ModelCatalog catalog,
                        ProviderAdapters adapters) {
        AsyncCacheLoader<String, Cached> loader = new AsyncCacheLoader<>() {
            @Override
            public CompletableFuture<Cached> asyncLoad(String accountId, Executor executor) {
                return keyService.routingView(accountId, null)
                        .map(a -> new Cached(new AccountRouting(a.view(), catalog, adapters), a.etag()))
                        .subscribeAsCompletionStage();
            }

            @Override
            public CompletableFuture<Cached> asyncReload(String accountId, Cached old, Executor executor) {
                return keyService.routingView(accountId, old.etag())
                        .map(a -> a.notModified() ? old
                                : new Cached(new AccountRouting(a.view(), catalog, adapters), a.etag()))
                        .subscribeAsCompletionStage();
            }
        };
        this.cache = Caffeine.newBuilder()
                .refreshAfterWrite(config.routingViewTtl())
                .expireAfterWrite(config.routingViewTtl().multipliedBy(2))
                .maximumSize(config.cacheMaxEntries())
                .executor(Runnable::run) // upkeep on the caller's thread: the loaders only start non-blocking calls
                .buildAsync(loader);
    }

    /** The account's routing view; a cached view gives an already completed future (no reactive pipeline). */
    public CompletableFuture<AccountRouting> view(String accountId) {
        CompletableFuture<Cached> cached = cache.get(accountId);
        if (cached.isDone() && !cached.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(cached.join().routing());
        }
        return cached.handle((c, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                if (cause instanceof KeyServiceClient.KeyServiceUnavailable) {
                    throw new GatewayError(503, "Routing data is unavailable, retry shortly");
                }
                throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
            }
            return c.routing();
        });
    }

    public void forget(String accountId) {
        cache.synchronous().invalidate(accountId);
    }

    public void forgetAll() {
        cache.synchronous().invalidateAll();
    }
}
