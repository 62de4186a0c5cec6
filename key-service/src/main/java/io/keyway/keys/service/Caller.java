package io.keyway.keys.service;

import java.util.UUID;

/** Who is making a call: for the audit log and for tenant scoping. */
public record Caller(String actor, UUID accountId) {

    public static final Caller ADMIN = new Caller("admin", null);

    public static Caller managementKey(UUID keyId, UUID accountId) {
        return new Caller("management_key:" + keyId, accountId);
    }

    /** Another Keyway service calling {@code /internal/v1} with its own token, e.g. {@code service:gateway}. */
    public static Caller service(String name) {
        return new Caller("service:" + name, null);
    }
}
