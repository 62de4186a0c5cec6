package io.keyway.gateway.service;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.keyway.gateway.client.KeyServiceClient;
import io.keyway.gateway.client.KeyServiceClient.KeyServiceUnavailable;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * key-service's answers (API-key resolutions, routing views) cached by key, with one rule for the time key-service
 * cannot answer, so that an outage of key-service degrades the gateway instead of stopping it:
 * <ul>
 * <li>an answer is used as it is for {@code ttl} after key-service gave or last confirmed it; the first request after
 *     that still gets it while it is asked for again in the background;</li>
 * <li>when key-service cannot answer ({@link KeyServiceUnavailable}: unreachable, timed out, an error status, an
 *     unreadable body), the cached answer is kept and served up to {@code stale-window} past its {@code ttl}, asked
 *     for again once per {@code ttl}; then it is dropped and requests get the 503 they got before;</li>
 * <li>an answer key-service does give ("unknown key", "disabled", a new view) replaces the cached one at once, and a
 *     change-feed event drops it at once ({@link #forget}), stale or not.</li>
 * </ul>
 * A cached answer comes back as an already completed future: a request on the warm path does nothing more than
 * Caffeine's own bookkeeping.
 */
final class KeyServiceCache<V> {

    private static final Logger LOG = Logger.getLogger(KeyServiceCache.class);

    /**
     * An answer, when key-service gave or last confirmed it, and when it was last asked ({@link Ticker} times; they
     * differ while key-service cannot answer).
     */
    record Entry<V>(V value, long confirmedAt, long askedAt) {
    }

    /** How the answers are fetched from key-service. */
    interface Source<V> {
        CompletableFuture<V> load(String key);

        /** Asks again for a cached answer (a routing view revalidates with its ETag). */
        default CompletableFuture<V> reload(String key, V old) {
            return load(key);
        }
    }

    private final String what;
    private final Ticker ticker;
    private final long lifetimeNanos;
    private final AsyncLoadingCache<String, Entry<V>> cache;
    private final AtomicBoolean servingStale = new AtomicBoolean();
    private final AtomicLong staleKept = new AtomicLong();

    /**
     * @param what    what is cached, for the log ("API-key resolutions", "routing views")
     * @param ttl     how long an answer is used before it is asked for again
     * @param staleWindow how long past {@code ttl} an answer is still served while key-service cannot answer
     */
    KeyServiceCache(String what, Source<V> source, Duration ttl, Duration staleWindow, int maxEntries, Ticker ticker) {
        this.what = what;
        this.ticker = ticker;
        this.lifetimeNanos = ttl.plus(staleWindow).toNanos();
        AsyncCacheLoader<String, Entry<V>> loader = new AsyncCacheLoader<>() {
            @Override
            public CompletableFuture<Entry<V>> asyncLoad(String key, Executor executor) {
                return source.load(key).thenApply(this::confirmed);
            }

            @Override
            public CompletableFuture<Entry<V>> asyncReload(String key, Entry<V> old, Executor executor) {
                return source.reload(key, old.value()).handle((value, failure) -> {
                    if (failure == null) {
                        return confirmed(value);
                    }
                    Throwable cause = unwrap(failure);
                    if (!(cause instanceof KeyServiceUnavailable)) {
                        throw failure instanceof CompletionException ce ? ce : new CompletionException(cause);
                    }
                    keptStale(cause);
                    // A new entry, confirmed when the old one was: it expires on time, and is asked for in a ttl.
                    return new Entry<>(old.value(), old.confirmedAt(), ticker.read());
                });
            }

            private Entry<V> confirmed(V value) {
                if (servingStale.compareAndSet(true, false)) {
                    LOG.infof("key-service answers again: cached %s are fresh again", what);
                }
                long now = ticker.read();
                return new Entry<>(value, now, now);
            }
        };
        this.cache = Caffeine.newBuilder()
                .ticker(ticker)
                .refreshAfterWrite(ttl)
                .expireAfter(new Expiry<String, Entry<V>>() {
                    @Override
                    public long expireAfterCreate(String key, Entry<V> entry, long now) {
                        return remaining(entry, now);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Entry<V> entry, long now, long current) {
                        return remaining(entry, now);
                    }

                    @Override
                    public long expireAfterRead(String key, Entry<V> entry, long now, long current) {
                        return current;
                    }
                })
                .maximumSize(maxEntries)
                .executor(Runnable::run) // upkeep on the caller's thread: the loaders only start non-blocking calls
                .buildAsync(loader);
    }

    private long remaining(Entry<V> entry, long now) {
        return Math.max(0, entry.confirmedAt() + lifetimeNanos - now);
    }

    private void keptStale(Throwable cause) {
        staleKept.incrementAndGet();
        if (servingStale.compareAndSet(false, true)) {
            LOG.warnf("key-service cannot answer (%s): serving cached %s for up to the stale window past their TTL",
                    cause.getMessage(), what);
        }
    }

    /** The cached answer (an already completed future), or the one being fetched. */
    CompletableFuture<Entry<V>> get(String key) {
        return cache.get(key);
    }

    /** Asks key-service again in the background now, serving the cached answer meanwhile (at most one at a time). */
    void refresh(String key) {
        cache.synchronous().refresh(key);
    }

    void forget(String key) {
        cache.synchronous().invalidate(key);
    }

    void forgetAll() {
        cache.synchronous().invalidateAll();
    }

    /** The cached entries (for removing some by value); completed ones only. */
    Map<String, Entry<V>> entries() {
        return cache.synchronous().asMap();
    }

    /** Revalidations that failed and kept a cached answer instead (a measure of how long key-service was away). */
    long staleKept() {
        return staleKept.get();
    }

    /**
     * Counts {@link #staleKept()} as {@code keyway.key_service.stale_kept{cache=<tag>}} and returns what removes the
     * meter again, for the owning bean's {@code @PreDestroy}. The meter reads this cache through a weak reference: a
     * second application in the same JVM (the test suite restarts Quarkus many times) would otherwise find the dead
     * meter under the same name and tags, read NaN from it and drop out of the scrape.
     */
    Runnable meterStaleKept(MeterRegistry registry, String tag) {
        FunctionCounter meter = FunctionCounter.builder(KeyServiceClient.STALE_KEPT_METRIC, this,
                KeyServiceCache::staleKept).tag("cache", tag).register(registry);
        return () -> registry.remove(meter);
    }

    static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }
}
