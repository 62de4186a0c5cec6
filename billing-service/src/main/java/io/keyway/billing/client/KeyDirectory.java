package io.keyway.billing.client;

import io.keyway.billing.config.BillingTokens;
import io.keyway.contracts.ApiKeyResolution;
import io.quarkus.cache.CacheResult;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Who a key is, asked of key-service and remembered briefly ({@code keyway.billing.key-cache-ttl}). An unknown key is
 * an empty answer (and is cached too); key-service being unreachable is a failure, never cached: timeouts, one retry and
 * a circuit breaker keep a dead key-service from slowing every call.
 */
@ApplicationScoped
public class KeyDirectory {

    private final KeyServiceClient client;
    private final String authorization;

    public KeyDirectory(@RestClient KeyServiceClient client, BillingTokens tokens) {
        this.client = client;
        // billing's own token: key-service allows it API-key lookups and nothing else (no routing views).
        this.authorization = tokens.own().authorization();
    }

    /** The key whose SHA-256 (lowercase hex) is {@code sha256Hex}. */
    @CacheResult(cacheName = "key-service-by-hash")
    @Timeout(value = 2, unit = ChronoUnit.SECONDS)
    @Retry(maxRetries = 1, delay = 100)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 5, delayUnit = ChronoUnit.SECONDS)
    public Uni<Optional<ApiKeyResolution>> byHash(String sha256Hex) {
        return notFoundAsEmpty(client.byHash(sha256Hex, authorization));
    }

    /** The API key with this id, with its spend limit. */
    @CacheResult(cacheName = "key-service-by-id")
    @Timeout(value = 2, unit = ChronoUnit.SECONDS)
    @Retry(maxRetries = 1, delay = 100)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 5, delayUnit = ChronoUnit.SECONDS)
    public Uni<Optional<ApiKeyResolution>> byId(String apiKeyId) {
        return notFoundAsEmpty(client.byId(apiKeyId, authorization));
    }

    private static Uni<Optional<ApiKeyResolution>> notFoundAsEmpty(Uni<ApiKeyResolution> call) {
        return call.map(Optional::ofNullable)
                .onFailure(e -> e instanceof WebApplicationException w && w.getResponse().getStatus() == 404)
                .recoverWithItem(Optional.empty());
    }
}
