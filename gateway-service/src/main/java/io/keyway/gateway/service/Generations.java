package io.keyway.gateway.service;

import io.keyway.gateway.config.GatewayConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The most recent {@code generation-cache-size} generations of this instance, in memory, for
 * {@code GET /api/v1/generation}: a ring in the order requests finished (the newest replaces the oldest) beside a map
 * by id. Not a cache with an admission policy: one of those (Caffeine's W-TinyLFU, used here before) keeps entries it
 * expects to be read again, and generations — written once, seldom read — were turned away once the first
 * {@code size} had filled it, so recent requests could not be found under load. Written once per request, without a
 * lock: the map entry goes in before its slot in the ring, and whatever a slot held before is removed from the map,
 * so the map never holds more than the ring plus the writes in progress.
 */
@ApplicationScoped
public class Generations {

    private final Map<UUID, Generation> byId;
    private final AtomicReferenceArray<Generation> ring;
    private final AtomicLong written = new AtomicLong();

    public Generations(GatewayConfig config) {
        int size = Math.max(1, config.generationCacheSize());
        this.byId = new ConcurrentHashMap<>(size * 4 / 3 + 1);
        this.ring = new AtomicReferenceArray<>(size);
    }

    public void remember(Generation generation) {
        byId.put(generation.id, generation);
        int slot = (int) (written.getAndIncrement() % ring.length());
        Generation oldest = ring.getAndSet(slot, generation);
        if (oldest != null) {
            byId.remove(oldest.id, oldest);
        }
    }

    public Optional<Generation> find(String id) {
        String key = id.startsWith("gen-") ? id.substring(4) : id;
        UUID uuid;
        try {
            uuid = UUID.fromString(key);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return Optional.ofNullable(byId.get(uuid));
    }
}
