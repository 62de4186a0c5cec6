package io.keyway.billing.service;

import io.keyway.billing.client.KeyDirectory;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;

/** Which account a management key (Authorization: Bearer sk-kw-mgmt-v1-...) belongs to, asked of key-service. */
@ApplicationScoped
public class ManagementKeys {

    /** Keyway's management keys and API keys; an API key is looked up too, to answer 403 as key-service does. */
    private static final Pattern FORMAT = Pattern.compile("^sk-kw-(mgmt-)?v1-[0-9a-f]{64}$");

    private final KeyDirectory keys;

    public ManagementKeys(KeyDirectory keys) {
        this.keys = keys;
    }

    public Uni<String> accountOf(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Uni.createFrom().failure(unauthorized("missing Authorization: Bearer <management key>"));
        }
        String key = authorization.substring(7).trim();
        if (!FORMAT.matcher(key).matches()) {
            return Uni.createFrom().failure(unauthorized("a management key (sk-kw-mgmt-v1-...) is required"));
        }
        return keys.byHash(sha256Hex(key))
                .onFailure().transform(e -> new BillingProblem(503, "key-service is unavailable, retry later",
                        Map.of("dependency", "key-service")))
                .map(found -> {
                    var resolution = found.orElseThrow(() -> unauthorized("unknown management key"));
                    if (!resolution.management()) {
                        // OpenRouter's and key-service's answer to an API (inference) key on a management call
                        throw new BillingProblem(403, "Only management keys can perform this operation", Map.of());
                    }
                    if (resolution.disabled()) {
                        throw unauthorized("management key is disabled");
                    }
                    if (resolution.expiresAt() != null && !resolution.expiresAt().isAfter(Instant.now())) {
                        throw unauthorized("management key has expired");
                    }
                    return resolution.accountId();
                });
    }

    static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BillingProblem unauthorized(String message) {
        return new BillingProblem(401, message, Map.of());
    }
}
