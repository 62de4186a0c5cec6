package io.keyway.keys.secrets;

import io.smallrye.mutiny.Uni;

/**
 * Where the secret material of BYOK keys and pooled credentials lives (DESIGN.md §3). Implementations:
 * {@code vault} (HashiCorp Vault KV v2), {@code aws} (AWS Secrets Manager), {@code local} (AES-256-GCM envelope
 * encryption in key-service's own database). Callers go through {@link SecretStores}, which adds caching, timeouts,
 * retries, a circuit breaker and the stale-read window; a store itself just talks to its backend.
 * No method may log, or put into an exception message, the secret value.
 */
public interface SecretStore {

    /** The name accounts and keys use to pick this store: "vault", "aws" or "local". */
    String name();

    /**
     * Stores a secret under a new locator (first version), tagged with account and provider where the backend
     * supports tags. Returns the locator to keep in the key record.
     */
    Uni<String> create(SecretOwner owner, SecretValue value);

    /** Writes a new version of an existing secret (rotation); the locator stays the same. */
    Uni<Void> rotate(String locator, SecretOwner owner, SecretValue value);

    /** Reads the current version. Fails with {@link SecretNotFoundException} when the backend has no such secret. */
    Uni<SecretValue> read(String locator);

    /**
     * Reads the current version for {@code owner} (the key record that names this locator). A store that records
     * owners refuses a secret of another owner as not found; the default relies on the locator alone.
     */
    default Uni<SecretValue> read(String locator, SecretOwner owner) {
        return read(locator);
    }

    /** Removes the secret and all its versions; deleting a missing secret succeeds. */
    Uni<Void> delete(String locator);

    /** Whether this deployment configured the store; a store that is off is never called. */
    default boolean enabled() {
        return true;
    }
}
