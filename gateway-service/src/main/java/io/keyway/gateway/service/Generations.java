package io.keyway.gateway.service;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.keyway.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.UUID;

/**
 * The most recent generations of this instance (bounded, in memory), for {@code GET /api/v1/generation}. Written once
 * per request: keyed by the UUID itself (no string per request), and the cache's upkeep runs on the writing thread
 * instead of being handed to the common pool (a thread wake-up per few requests).
 */
@ApplicationScoped
public class Generations {

    private final Cache<UUID, Generation> recent;

    public Generations(GatewayConfig config) {
        this.recent = Caffeine.newBuilder().maximumSize(config.generationCacheSize()).executor(Runnable::run).build();
    }

    public void remember(Generation generation) {
        recent.put(generation.id, generation);
    }

    public Optional<Generation> find(String id) {
        String key = id.startsWith("gen-") ? id.substring(4) : id;
        UUID uuid;
        try {
            uuid = UUID.fromString(key);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(recent.getIfPresent(uuid));
    }
}
