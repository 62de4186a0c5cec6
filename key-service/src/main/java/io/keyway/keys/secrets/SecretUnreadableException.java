package io.keyway.keys.secrets;

/**
 * The store answered, but this one secret cannot be decrypted (its master key is no longer configured, or the row
 * fails its integrity check). Still a 503 naming the store; unlike an outage it is not retried and does not count
 * towards the store's circuit breaker, since other secrets in the store are fine.
 */
public class SecretUnreadableException extends SecretStoreUnavailableException {
    public SecretUnreadableException(String store, String reason) {
        super(store, reason);
    }
}
