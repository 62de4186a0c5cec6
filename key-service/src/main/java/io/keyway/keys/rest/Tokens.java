package io.keyway.keys.rest;

import io.keyway.keys.config.KeyServiceConfig;
import io.keyway.keys.service.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** The operator (admin) and service-to-service (internal) bearer tokens, compared in constant time. */
@ApplicationScoped
public class Tokens {

    private final KeyServiceConfig config;

    public Tokens(KeyServiceConfig config) {
        this.config = config;
    }

    public void requireAdmin(String authorization) {
        require(authorization, config.adminToken(), "admin token");
    }

    public void requireInternal(String authorization) {
        require(authorization, config.internalToken(), "internal token");
    }

    private static void require(String authorization, String expected, String what) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(401, "missing " + what + ": send 'Authorization: Bearer <" + what + ">'");
        }
        byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, expected.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(401, "invalid " + what);
        }
    }
}
