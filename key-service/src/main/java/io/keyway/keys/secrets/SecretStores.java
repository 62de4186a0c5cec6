package io.keyway.keys.secrets;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.util.TypeLiteral;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

/**
 * The one way into the secret stores, by store name ("vault", "aws", "local").
 *
 * <p>Rules, stated once here:
 * <ul>
 *   <li>a read is served from memory for {@code cache-ttl}; a rotation or delete replaces or drops the copy at once —
 *       on the replica that handled it only, so {@link #readCurrent} (what routing views use) skips that copy and
 *       always asks the store;</li>
 *   <li>every call to a store is guarded by a timeout and a circuit breaker per store; reads and deletes are also
 *       retried (creates and rotations are not: repeating them could write twice);</li>
 *   <li>when a store cannot answer (down, timed out, breaker open, sealed, permission denied), a secret read
 *       successfully within {@code stale-window} is still served; otherwise the caller gets
 *       {@link SecretStoreUnavailableException} naming the store — never an empty secret;</li>
 *   <li>"the store has no such secret" ({@link SecretNotFoundException}) is an answer, not a failure: it is neither
 *       retried nor counted by the breaker, and it drops any cached copy; "this one secret cannot be decrypted"
 *       ({@link SecretUnreadableException}) is neither retried nor counted either.</li>
 * </ul>
 * No secret value is ever logged or put into an exception message.
 */
@ApplicationScoped
public class SecretStores {

    private static final Logger LOG = Logger.getLogger(SecretStores.class);
    private static final TypeLiteral<Uni<SecretValue>> UNI_SECRET = new TypeLiteral<>() {
    };
    private static final TypeLiteral<Uni<String>> UNI_STRING = new TypeLiteral<>() {
    };
    private static final TypeLiteral<Uni<Void>> UNI_VOID = new TypeLiteral<>() {
    };

    private final Map<String, SecretStore> stores;
    private final Map<String, Guard> readGuards = new TreeMap<>();
    private final Map<String, Guard> writeGuards = new TreeMap<>();
    private final Cache<CacheKey, SecretValue> fresh;
    private final Cache<CacheKey, SecretValue> lastGood;
    private final SecretStoresConfig config;
    private final String breakerSuffix;

    @jakarta.inject.Inject
    SecretStores(Instance<SecretStore> all, SecretStoresConfig config, SecretClock clock) {
        this(all, config, clock, "");
    }

    /**
     * {@code breakerSuffix} tells this instance's circuit breakers apart from another instance's in the same JVM
     * (breaker names are global there); only tests that stand up a second replica's stores set it.
     */
    SecretStores(Instance<SecretStore> all, SecretStoresConfig config, SecretClock clock, String breakerSuffix) {
        this.config = config;
        this.breakerSuffix = breakerSuffix;
        Map<String, SecretStore> byName = new TreeMap<>();
        for (SecretStore store : all) {
            if (byName.put(store.name(), store) != null) {
                throw new IllegalStateException("two secret stores are named '" + store.name() + "'");
            }
            readGuards.put(store.name(), guard(store.name(), true));
            writeGuards.put(store.name(), guard(store.name(), false));
        }
        this.stores = Collections.unmodifiableMap(byName);
        this.fresh = Caffeine.newBuilder()
                .ticker(clock::nanoTime)
                .expireAfterWrite(config.cacheTtl())
                .maximumSize(config.cacheMaxEntries())
                .build();
        this.lastGood = Caffeine.newBuilder()
                .ticker(clock::nanoTime)
                .expireAfterWrite(config.staleWindow())
                .maximumSize(config.cacheMaxEntries())
                .build();
    }

    private Guard guard(String store, boolean retried) {
        Guard.Builder builder = Guard.create()
                .withDescription("secret store " + store + (retried ? " read" : " write"))
                .withThreadOffload(false)
                .withTimeout().duration(config.timeout().toMillis(), ChronoUnit.MILLIS).done()
                .withCircuitBreaker()
                .name(circuitBreakerName(store, retried) + breakerSuffix)
                .requestVolumeThreshold(config.circuitBreaker().requestVolume())
                .failureRatio(config.circuitBreaker().failureRatio())
                .delay(config.circuitBreaker().delay().toMillis(), ChronoUnit.MILLIS)
                .skipOn(java.util.List.of(SecretNotFoundException.class, SecretUnreadableException.class))
                .done();
        if (retried && config.retries() > 0) {
            builder = builder.withRetry()
                    .maxRetries(config.retries())
                    .delay(config.retryDelay().toMillis(), ChronoUnit.MILLIS)
                    .jitter(0, ChronoUnit.MILLIS)
                    .abortOn(java.util.List.of(SecretNotFoundException.class, SecretUnreadableException.class))
                    .done();
        }
        return builder.build();
    }

    /** Name of a store's circuit breaker, for {@code CircuitBreakerMaintenance} (state, reset). */
    public static String circuitBreakerName(String store, boolean reads) {
        return "secret-store-" + store + (reads ? "-reads" : "-writes");
    }

    /** The names of all stores this build knows, configured or not. */
    public Set<String> names() {
        return stores.keySet();
    }

    /**
     * Whether {@code storeName} is a known store that this deployment configured (so that keys may be created in it).
     * An unknown name answers {@code false}.
     */
    public boolean isConfigured(String storeName) {
        SecretStore store = storeName == null ? null : stores.get(storeName);
        return store != null && store.enabled();
    }

    /** Stores a new secret; returns the locator to keep in the key record. */
    public Uni<String> create(String storeName, SecretOwner owner, SecretValue value) {
        SecretStore store = configured(storeName);
        return onCallerContext(guarded(writeGuards.get(storeName), () -> store.create(owner, value), UNI_STRING)
                .onItem().invoke(locator -> remember(new CacheKey(storeName, locator), value))
                .onFailure().transform(f -> asFailure(storeName, f)));
    }

    /** Writes a new version of the secret at {@code locator}; the locator stays the same. */
    public Uni<Void> rotate(String storeName, String locator, SecretOwner owner, SecretValue value) {
        SecretStore store = configured(storeName);
        CacheKey key = new CacheKey(storeName, locator);
        return onCallerContext(guarded(writeGuards.get(storeName), () -> store.rotate(locator, owner, value), UNI_VOID)
                .onItem().invoke(() -> remember(key, value))
                .onFailure().invoke(f -> forget(key))
                .onFailure().transform(f -> asFailure(storeName, f)));
    }

    /**
     * Reads the current secret at {@code locator}: from memory when read within {@code cache-ttl}, else from the
     * store, else (store down) a copy read within {@code stale-window}, else {@link SecretStoreUnavailableException}.
     */
    public Uni<SecretValue> read(String storeName, String locator) {
        SecretStore store = known(storeName);
        CacheKey key = new CacheKey(storeName, locator);
        SecretValue cached = fresh.getIfPresent(key);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        if (!store.enabled()) {
            return staleOr(key, new SecretStoreUnavailableException(storeName, "the store is not configured here"));
        }
        return onCallerContext(guarded(readGuards.get(storeName), () -> store.read(locator), UNI_SECRET)
                .onItem().invoke(value -> remember(key, value))
                .onFailure().recoverWithUni(f -> {
                    if (f instanceof SecretNotFoundException) {
                        forget(key);
                        return Uni.createFrom().failure(f);
                    }
                    return staleOr(key, asUnavailable(storeName, f));
                }));
    }

    /** A secret as the store has it now, or (store down) the copy read within {@code stale-window}, flagged stale. */
    public record Current(SecretValue value, boolean stale) {
        @Override
        public String toString() {
            return "Current[****" + (stale ? ", stale" : "") + "]";
        }
    }

    /**
     * Reads the store's current version, past the {@code cache-ttl} copy: another replica may have rotated the secret
     * within the last {@code cache-ttl}, and only that replica's copy was replaced. When the store cannot answer, the
     * copy read within {@code stale-window} is served and marked {@link Current#stale()}, so that the caller can tell
     * its own clients to come back for a fresh one. {@code owner} is the key record naming the locator; a store that
     * records owners answers "not found" for another owner's secret.
     */
    public Uni<Current> readCurrent(String storeName, String locator, SecretOwner owner) {
        SecretStore store = known(storeName);
        CacheKey key = new CacheKey(storeName, locator);
        if (!store.enabled()) {
            return staleOr(key, new SecretStoreUnavailableException(storeName, "the store is not configured here"))
                    .map(v -> new Current(v, true));
        }
        return onCallerContext(guarded(readGuards.get(storeName), () -> store.read(locator, owner), UNI_SECRET)
                .onItem().invoke(value -> remember(key, value))
                .map(value -> new Current(value, false))
                .onFailure().recoverWithUni(f -> {
                    if (f instanceof SecretNotFoundException) {
                        forget(key);
                        return Uni.createFrom().failure(f);
                    }
                    return staleOr(key, asUnavailable(storeName, f)).map(v -> new Current(v, true));
                }));
    }

    /** Removes the secret and all its versions; a missing secret counts as deleted. */
    public Uni<Void> delete(String storeName, String locator) {
        SecretStore store = configured(storeName);
        CacheKey key = new CacheKey(storeName, locator);
        forget(key);
        return onCallerContext(guarded(readGuards.get(storeName), () -> store.delete(locator), UNI_VOID)
                .onItem().invoke(() -> forget(key))
                .onFailure().transform(f -> asFailure(storeName, f)));
    }

    /** Drops every cached copy (fresh and stale), e.g. after an operator changed a store's configuration. */
    public void clearCaches() {
        fresh.invalidateAll();
        lastGood.invalidateAll();
    }

    private Uni<SecretValue> staleOr(CacheKey key, SecretStoreUnavailableException unavailable) {
        SecretValue stale = lastGood.getIfPresent(key);
        if (stale == null) {
            LOG.warnf("%s; no copy of %s read within the last %s, failing the read", unavailable.getMessage(),
                    key.locator(), config.staleWindow());
            return Uni.createFrom().failure(unavailable);
        }
        LOG.warnf("%s; serving the copy of %s read within the last %s", unavailable.getMessage(), key.locator(),
                config.staleWindow());
        return Uni.createFrom().item(stale);
    }

    private <T> Uni<T> guarded(Guard guard, java.util.function.Supplier<Uni<T>> call, TypeLiteral<Uni<T>> type) {
        return Uni.createFrom().deferred(() -> guard.get(() -> Uni.createFrom().<T>deferred(call::get), type));
    }

    /**
     * Answers on the Vert.x context the caller subscribed from (stores answer on worker, timer or client threads),
     * so that a caller inside a Hibernate Reactive session can continue with it.
     */
    private static <T> Uni<T> onCallerContext(Uni<T> call) {
        return Uni.createFrom().deferred(() -> {
            Context context = Vertx.currentContext();
            return context == null ? call : call.emitOn(task -> context.runOnContext(ignored -> task.run()));
        });
    }

    private void remember(CacheKey key, SecretValue value) {
        fresh.put(key, value);
        lastGood.put(key, value);
    }

    private void forget(CacheKey key) {
        fresh.invalidate(key);
        lastGood.invalidate(key);
    }

    private SecretStore known(String storeName) {
        SecretStore store = storeName == null ? null : stores.get(storeName);
        if (store == null) {
            throw new IllegalArgumentException("unknown secret store '" + storeName + "'");
        }
        return store;
    }

    private SecretStore configured(String storeName) {
        SecretStore store = known(storeName);
        if (!store.enabled()) {
            throw new SecretStoreUnavailableException(storeName, "the store is not configured here");
        }
        return store;
    }

    private static Throwable asFailure(String storeName, Throwable f) {
        return f instanceof SecretNotFoundException || f instanceof IllegalArgumentException
                ? f
                : asUnavailable(storeName, f);
    }

    /** Maps any failure to talk to a store to the 503 exception, with a reason that never carries secret material. */
    static SecretStoreUnavailableException asUnavailable(String storeName, Throwable f) {
        if (f instanceof SecretStoreUnavailableException u) {
            return u;
        }
        if (f instanceof TimeoutException
                || f instanceof org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException) {
            return new SecretStoreUnavailableException(storeName, "no answer within the timeout");
        }
        if (f instanceof CircuitBreakerOpenException) {
            return new SecretStoreUnavailableException(storeName, "circuit breaker open after repeated failures");
        }
        return new SecretStoreUnavailableException(storeName, "unexpected " + f.getClass().getSimpleName());
    }

    private record CacheKey(String store, String locator) {
    }
}
