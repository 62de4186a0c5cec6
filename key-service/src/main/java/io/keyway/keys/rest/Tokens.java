package io.keyway.keys.rest;

import io.keyway.contracts.ServiceToken;
import io.keyway.keys.config.KeyServiceConfig;
import io.keyway.keys.service.ApiException;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The bearer tokens key-service accepts: the operators' admin token on {@code /admin/v1}, and on {@code /internal/v1}
 * one token per calling service, each held to its {@link Scope}s. A routing view carries every BYOK and pooled secret
 * of an account in plaintext, so only the gateway may read one; billing needs API-key lookups and nothing more.
 * Built at start: without its tokens key-service refuses to start, naming the missing setting.
 */
@Startup
@ApplicationScoped
public class Tokens {

    /** The services that call {@code /internal/v1}, each with a token of its own. */
    public enum Caller {
        GATEWAY, BILLING;

        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a caller may do on {@code /internal/v1}, and who may. */
    public enum Scope {
        /** {@code GET /accounts/{id}/routing-view}: the account's credentials, secrets included. */
        ROUTING_VIEW("routing-view", EnumSet.of(Caller.GATEWAY)),
        /** {@code GET /api-keys/{hash}} and {@code /api-keys/by-id/{id}}: who a key is, its limits; no secrets. */
        API_KEY_LOOKUP("api-key-lookup", EnumSet.of(Caller.GATEWAY, Caller.BILLING));

        private final String wireName;
        private final Set<Caller> callers;

        Scope(String wireName, Set<Caller> callers) {
            this.wireName = wireName;
            this.callers = callers;
        }

        public String wireName() {
            return wireName;
        }
    }

    private final ServiceToken admin;
    private final Map<Caller, ServiceToken> internal;

    public Tokens(KeyServiceConfig config) {
        this.admin = ServiceToken.required("keyway.keys.admin-token", "KEYWAY_ADMIN_TOKEN", config.adminToken());
        ServiceToken gateway = ServiceToken.required("keyway.keys.internal-tokens.gateway", "KEYWAY_GATEWAY_TOKEN",
                config.internalTokens().gateway());
        ServiceToken billing = ServiceToken.required("keyway.keys.internal-tokens.billing", "KEYWAY_BILLING_TOKEN",
                config.internalTokens().billing());
        ServiceToken.requireDistinct(admin, gateway, billing);
        this.internal = Map.of(Caller.GATEWAY, gateway, Caller.BILLING, billing);
    }

    public void requireAdmin(String authorization) {
        requireBearer(authorization, "admin token");
        if (!admin.matches(authorization)) {
            throw new ApiException(401, "invalid admin token");
        }
    }

    /** The caller whose token this is, if the caller may use {@code scope}: 401 for no known token, 403 for no scope. */
    public Caller requireInternal(String authorization, Scope scope) {
        requireBearer(authorization, "internal token");
        // Every token is compared, so the time taken does not tell which caller's token was close.
        Caller caller = null;
        for (var entry : internal.entrySet()) {
            if (entry.getValue().matches(authorization)) {
                caller = entry.getKey();
            }
        }
        if (caller == null) {
            throw new ApiException(401, "invalid internal token");
        }
        if (!scope.callers.contains(caller)) {
            String allowed = scope.callers.stream().map(Caller::wireName).sorted().collect(Collectors.joining(", "));
            throw new ApiException(403, "the " + caller.wireName() + " token lacks scope '" + scope.wireName()
                    + "' (granted to: " + allowed + ")",
                    Map.of("scope", scope.wireName(), "caller", caller.wireName()));
        }
        return caller;
    }

    private static void requireBearer(String authorization, String what) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(401, "missing " + what + ": send 'Authorization: Bearer <" + what + ">'");
        }
    }
}
