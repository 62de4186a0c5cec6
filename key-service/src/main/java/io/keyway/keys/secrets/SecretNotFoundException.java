package io.keyway.keys.secrets;

/** The store answered, and it has no secret at this locator. */
public class SecretNotFoundException extends RuntimeException {
    public SecretNotFoundException(String store, String locator) {
        super("secret store '" + store + "' has no secret at " + locator);
    }
}
