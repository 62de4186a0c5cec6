package io.keyway.gateway.service;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.keyway.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** The most recent generations of this instance (bounded, in memory), for {@code GET /api/v1/generation}. */
@ApplicationScoped
public class Generations {

    private final Cache<String, Generation> recent;

    public Generations(GatewayConfig config) {
        this.recent = Caffeine.newBuilder().maximumSize(config.generationCacheSize()).build();
    }

    public void remember(Generation generation) {
        recent.put(generation.id.toString(), generation);
    }

    public Optional<Generation> find(String id) {
        String key = id.startsWith("gen-") ? id.substring(4) : id;
        return Optional.ofNullable(recent.getIfPresent(key));
    }
}
