package io.keyway.keys.secrets;

/** The store could not be reached (or is sealed, or denied access) and no recent copy may be served: 503, naming the store. */
public class SecretStoreUnavailableException extends RuntimeException {
    private final String store;

    public SecretStoreUnavailableException(String store, String reason) {
        super("secret store '" + store + "' is unavailable: " + reason);
        this.store = store;
    }

    public String store() {
        return store;
    }
}
