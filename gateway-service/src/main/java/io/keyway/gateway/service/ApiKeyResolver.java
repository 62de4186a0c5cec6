package io.keyway.gateway.service;

import com.github.benmanes.caffeine.cache.Ticker;
import io.keyway.contracts.ApiKeyResolution;
import io.keyway.gateway.client.KeyServiceClient;
import io.keyway.gateway.config.GatewayConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Who a presented API key belongs to. Answers (unknown keys too) are used for {@code keyway.gateway.api-key-cache-ttl},
 * then asked for again in the background, and dropped at once when key-service's change feed names the key or its
 * account, so a warm request asks nobody. While key-service cannot answer, a cached answer is served up to
 * {@code key-service-stale-window} past its TTL ({@link KeyServiceCache}); an answer key-service gives (unknown,
 * disabled, expired) takes effect at once. Refuses with 401: malformed, unknown, disabled, expired and management keys.
 */
@Singleton
public class ApiKeyResolver {

    private static final HexFormat HEX = HexFormat.of();

    /** The authenticated caller of a request. */
    public record Caller(ApiKeyResolution key, String keyHash, String keyLabel) {
        public String accountId() {
            return key.accountId();
        }

        public String apiKeyId() {
            return key.apiKeyId();
        }
    }

    private final KeyServiceCache<Optional<ApiKeyResolution>> cache;
    private Runnable unregisterMeter = () -> { };

    @Inject
    public ApiKeyResolver(KeyServiceClient keyService, GatewayConfig config, MeterRegistry registry) {
        this(keyService, config, Ticker.systemTicker());
        this.unregisterMeter = cache.meterStaleKept(registry, "api_key");
    }

    @PreDestroy
    void removeMeter() {
        unregisterMeter.run();
    }

    ApiKeyResolver(KeyServiceClient keyService, GatewayConfig config, Ticker ticker) {
        this.cache = new KeyServiceCache<>("API-key resolutions",
                hash -> keyService.resolveApiKey(hash).subscribeAsCompletionStage(),
                config.apiKeyCacheTtl(), config.keyServiceStaleWindow(), config.cacheMaxEntries(), ticker);
    }

    /** Fails with a 401 {@link GatewayError} unless the header carries a live API (inference) key. */
    public Uni<Caller> authenticate(String authorizationHeader) {
        return Uni.createFrom().completionStage(() -> resolve(authorizationHeader))
                .onFailure(CompletionException.class).transform(Throwable::getCause);
    }

    /**
     * As {@link #authenticate}, but a management key is accepted too (read-only views of the whole account, such as
     * the console's activity list); {@link Caller#key()}{@code .management()} tells which it was.
     */
    public Uni<Caller> authenticateAccount(String authorizationHeader) {
        return Uni.createFrom().completionStage(() -> resolve(authorizationHeader, true))
                .onFailure(CompletionException.class).transform(Throwable::getCause);
    }

    /**
     * As {@link #authenticate}, without a reactive pipeline: a cached answer (the usual case) gives an already
     * completed future, so the request continues on its own thread without any hand-over.
     */
    public CompletableFuture<Caller> resolve(String authorizationHeader) {
        return resolve(authorizationHeader, false);
    }

    private CompletableFuture<Caller> resolve(String authorizationHeader, boolean managementToo) {
        String key = bearer(authorizationHeader);
        if (key == null) {
            return CompletableFuture.failedFuture(
                    new GatewayError(401, "Missing Authorization header with a Bearer API key"));
        }
        if (!wellFormed(key) && !(managementToo && wellFormedManagementKey(key))) {
            return CompletableFuture.failedFuture(new GatewayError(401, "Invalid API key format"));
        }
        String hash = sha256Hex(key);
        CompletableFuture<KeyServiceCache.Entry<Optional<ApiKeyResolution>>> found = cache.get(hash);
        if (found.isDone() && !found.isCompletedExceptionally()) {
            try {
                return CompletableFuture.completedFuture(caller(found.join().value(), hash, key, managementToo));
            } catch (GatewayError e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return found.handle((r, failure) -> {
            if (failure != null) {
                Throwable cause = KeyServiceCache.unwrap(failure);
                if (cause instanceof KeyServiceClient.KeyServiceUnavailable) {
                    throw new GatewayError(503, "Key resolution is unavailable, retry shortly");
                }
                throw cause instanceof RuntimeException re ? re : new CompletionException(cause);
            }
            return caller(r.value(), hash, key, managementToo);
        });
    }

    private static Caller caller(Optional<ApiKeyResolution> found, String hash, String key, boolean managementToo) {
        ApiKeyResolution r = found.orElseThrow(() -> new GatewayError(401, "User not found."));
        if (r.management() && !managementToo) {
            throw new GatewayError(401, "Management keys cannot be used for inference");
        }
        if (r.disabled()) {
            throw new GatewayError(401, "API key is disabled");
        }
        if (r.expiresAt() != null && !r.expiresAt().isAfter(Instant.now())) {
            throw new GatewayError(401, "API key has expired");
        }
        return new Caller(r, hash, label(key));
    }

    public void forgetKey(String hash) {
        cache.forget(hash);
    }

    public void forgetAccount(String accountId) {
        cache.entries().entrySet()
                .removeIf(e -> e.getValue().value().map(r -> accountId.equals(r.accountId())).orElse(false));
    }

    public void forgetUnknown() {
        cache.entries().entrySet().removeIf(e -> e.getValue().value().isEmpty());
    }

    static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }

    /** OpenRouter-style masked label: prefix, first and last three characters of the secret part. */
    static String label(String key) {
        return key.substring(0, 12) + "..." + key.substring(key.length() - 3);
    }

    /** {@code sk-kw-v1-<64 lowercase hex>} without a regex (every request checks it). */
    static boolean wellFormed(String key) {
        return key.length() == 73 && key.startsWith("sk-kw-v1-") && hex(key, 9);
    }

    /** A management key: {@code sk-kw-mgmt-v1-} and 64 lowercase hex digits. */
    static boolean wellFormedManagementKey(String key) {
        return key.length() == 78 && key.startsWith("sk-kw-mgmt-v1-") && hex(key, 14);
    }

    private static boolean hex(String key, int from) {
        for (int i = from; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    public static String sha256Hex(String key) {
        MessageDigest digest = SHA256.get(); // digest() resets it
        return HEX.formatHex(digest.digest(key.getBytes(StandardCharsets.UTF_8)));
    }
}
