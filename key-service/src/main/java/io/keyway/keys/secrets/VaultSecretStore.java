package io.keyway.keys.secrets;

import io.quarkus.vault.client.VaultClient;
import io.quarkus.vault.client.VaultClientException;
import io.quarkus.vault.client.api.secrets.kv2.VaultSecretsKV2;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The {@code vault} store: HashiCorp Vault's KV version 2 engine through the Quarkus Vault client, whose
 * {@code quarkus.vault.authentication.*} settings pick token, AppRole or Kubernetes auth. One secret per key at
 * {@code <mount>/data/<path-prefix>/<account>/<provider>/<uuid>} holding {@code {"value": ...}}; rotation writes a new
 * KV version at the same path; delete removes the metadata, i.e. every version. The client is only looked up when
 * the store is enabled, so a deployment without Vault never connects to one.
 */
@ApplicationScoped
public class VaultSecretStore implements SecretStore {

    static final String NAME = "vault";
    static final String FIELD = "value";

    private final Instance<VaultClient> client;
    private final SecretStoresConfig.Vault config;

    VaultSecretStore(Instance<VaultClient> client, SecretStoresConfig config) {
        this.client = client;
        this.config = config.vault();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean enabled() {
        return config.enabled();
    }

    @Override
    public Uni<String> create(SecretOwner owner, SecretValue value) {
        String path = config.pathPrefix() + "/" + segment(owner == null ? null : owner.accountId()) + "/"
                + segment(owner == null ? null : owner.provider()) + "/" + UUID.randomUUID();
        return call(path, () -> kv().updateSecret(path, null, Map.of(FIELD, value.value()))).replaceWith(path);
    }

    @Override
    public Uni<Void> rotate(String locator, SecretOwner owner, SecretValue value) {
        // Rotating a secret that is gone must not silently recreate it.
        return call(locator, () -> kv().readSecretMetadata(locator))
                .chain(() -> call(locator, () -> kv().updateSecret(locator, null, Map.of(FIELD, value.value()))))
                .replaceWithVoid();
    }

    @Override
    public Uni<SecretValue> read(String locator) {
        return call(locator, () -> kv().readSecret(locator)).map(data -> {
            Object secret = data == null || data.getData() == null ? null : data.getData().get(FIELD);
            if (!(secret instanceof String s)) {
                throw new SecretNotFoundException(NAME, locator);
            }
            return new SecretValue(s);
        });
    }

    @Override
    public Uni<Void> delete(String locator) {
        return call(locator, () -> kv().deleteSecretMetadata(locator))
                .onFailure(SecretNotFoundException.class).recoverWithNull()
                .replaceWithVoid();
    }

    private VaultSecretsKV2 kv() {
        return client.get().secrets().kv2(config.mount());
    }

    private static <T> Uni<T> call(String locator, Supplier<CompletionStage<T>> request) {
        return Uni.createFrom().completionStage(request)
                .onFailure().transform(f -> translate(locator, f));
    }

    private static Throwable translate(String locator, Throwable f) {
        Throwable cause = f instanceof CompletionException && f.getCause() != null ? f.getCause() : f;
        if (cause instanceof SecretNotFoundException || cause instanceof SecretStoreUnavailableException) {
            return cause;
        }
        if (cause instanceof VaultClientException e && e.getStatus() != null) {
            int status = e.getStatus();
            if (status == 404 && isKvPath(e.getRequestPath())) {
                return new SecretNotFoundException(NAME, locator);
            }
            if (status == 403 || e.isPermissionDenied()) {
                return new SecretStoreUnavailableException(NAME, "permission denied (HTTP 403)");
            }
            if (status == 503 && e.hasErrorContaining("sealed")) {
                return new SecretStoreUnavailableException(NAME, "Vault is sealed (HTTP 503)");
            }
            return new SecretStoreUnavailableException(NAME, "Vault answered HTTP " + status);
        }
        return new SecretStoreUnavailableException(NAME, "Vault could not be reached ("
                + cause.getClass().getSimpleName() + ")");
    }

    /** A 404 means "no such secret" only on the KV engine's own paths (not, e.g., on a login or token call). */
    private static boolean isKvPath(String requestPath) {
        return requestPath == null || requestPath.contains("/data/") || requestPath.contains("/metadata/");
    }

    /** A path segment Vault and humans read easily, never empty. */
    private static String segment(String raw) {
        if (raw == null || raw.isBlank()) {
            return "none";
        }
        return raw.replaceAll("[^A-Za-z0-9_.-]", "-");
    }
}
