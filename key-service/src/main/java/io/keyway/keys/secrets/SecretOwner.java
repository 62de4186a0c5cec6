package io.keyway.keys.secrets;

/** Whose secret it is: used for the locator path and for backend tags (account, provider, record id). */
public record SecretOwner(String accountId, String provider, String recordId) {
}
