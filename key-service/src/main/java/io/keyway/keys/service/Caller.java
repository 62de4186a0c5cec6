package io.keyway.keys.service;

import java.util.UUID;

/** Who is making a call: for the audit log and for tenant scoping. */
public record Caller(String actor, UUID accountId) {

    public static final Caller ADMIN = new Caller("admin", null);
    public static final Caller INTERNAL = new Caller("internal", null);

    public static Caller managementKey(UUID keyId, UUID accountId) {
        return new Caller("management_key:" + keyId, accountId);
    }
}
