package io.keyway.keys.service;

import io.keyway.keys.secrets.SecretOwner;
import io.keyway.keys.secrets.SecretStores;
import io.keyway.keys.secrets.SecretValue;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.function.Supplier;

/**
 * key-service's use of {@link SecretStores}: checks store names up front (400 naming the field), runs store calls
 * off the event loop and brings every answer back onto the caller's Vert.x context, where Hibernate Reactive must
 * continue.
 */
@ApplicationScoped
public class SecretAccess {

    public static final Set<String> STORE_NAMES = Set.of("local", "vault", "aws");

    private final SecretStores stores;

    public SecretAccess(SecretStores stores) {
        this.stores = stores;
    }

    /** 400 unless {@code store} is a store name this deployment has configured. */
    public String checkUsable(String store, String field) {
        if (!STORE_NAMES.contains(store) && !stores.names().contains(store)) {
            throw ApiException.badRequest("field '" + field + "' must be one of " + STORE_NAMES.stream().sorted().toList());
        }
        if (!stores.isConfigured(store)) {
            throw ApiException.badRequest("field '" + field + "': secret store '" + store + "' is not configured on this deployment");
        }
        return store;
    }

    public Uni<String> create(String store, SecretOwner owner, SecretValue value) {
        return onCallerContext(() -> stores.create(store, owner, value));
    }

    public Uni<Void> rotate(String store, String locator, SecretOwner owner, SecretValue value) {
        return onCallerContext(() -> stores.rotate(store, locator, owner, value));
    }

    public Uni<SecretValue> read(String store, String locator) {
        return onCallerContext(() -> stores.read(store, locator));
    }

    /** The store's current version, past this replica's cache (see {@link SecretStores#readCurrent}). */
    public Uni<SecretStores.Current> readCurrent(String store, String locator, SecretOwner owner) {
        return onCallerContext(() -> stores.readCurrent(store, locator, owner));
    }

    public Uni<Void> delete(String store, String locator) {
        return onCallerContext(() -> stores.delete(store, locator));
    }

    private static <T> Uni<T> onCallerContext(Supplier<Uni<T>> call) {
        Context context = Vertx.currentContext();
        // Subscribed on a worker: SecretStores' fault-tolerance guard fails (NoStackTraceThrowable) when started on a
        // request's event-loop context. The answer comes back to the caller's context for Hibernate Reactive.
        Uni<T> uni = Uni.createFrom().deferred(call::get).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return context == null ? uni : uni.emitOn(task -> context.runOnContext(ignored -> task.run()));
    }
}
