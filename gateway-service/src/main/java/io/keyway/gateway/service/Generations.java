package io.keyway.gateway.service;

import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.Generation.AttemptRecord;
import jakarta.inject.Singleton;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.StampedLock;

/**
 * The most recent {@code generation-cache-size} generations of this instance, in memory, for
 * {@code GET /api/v1/generation}'s fast path (the request just made, before billing-service has applied its usage
 * event; billing answers for everything else: docs/decisions.md, "Where generations live"): a ring in the order requests finished, the newest replacing the oldest. Not a cache
 * with an admission policy: one of those (Caffeine's W-TinyLFU, used here before) keeps entries it expects to be read
 * again, and generations — written once, seldom read — were turned away once the first {@code size} had filled it.
 *
 * <p>Flat, so that keeping requests costs the garbage collector nothing. The ring's slots are allocated once, and a
 * finished request's facts are copied into its slot as numbers and as references to strings that outlive the request
 * (the catalog's model and provider names, the caller's key id, shared constants); the request's own objects die
 * young. Keeping the {@link Generation} objects themselves, as before, carried every request of the last few seconds
 * through several young collections into the old generation, which then filled with dead requests and needed full
 * collections (docs/benchmarks.md). The price is the lookup: the ring is searched from the newest slot back, comparing
 * ids held as two longs per slot — under a microsecond for a request of the last few hundred, ~30 microseconds for
 * an id that is not kept (10,000 slots): lookups are rare next to writes (people call the endpoint by hand, or once
 * after a request).
 *
 * <p>Many requests finish at once: each takes the next ring position from one counter and writes its slot under the
 * slot's {@link StampedLock} (held for a few field writes; two writers meet only when the whole ring was written while
 * one was between taking its position and writing, and then the newer request wins). Readers copy a slot under its
 * read lock, so a slot being rewritten is never read half old, half new.
 */
@Singleton
public class Generations {

    /** One request as {@code GET /generation} shows it; a copy, read from the ring. */
    public record Kept(UUID id, Instant createdAt, String accountId, String apiKeyId, String model,
                       String providerName, boolean byok, BigDecimal cost, BigDecimal listCost, long promptTokens,
                       long completionTokens, long latencyMs, long firstByteMs, boolean streamed, boolean cancelled,
                       String finishReason, int httpStatus, List<AttemptRecord> attempts, String nativeFinishReason,
                       String user, String referer, long cachedTokens, long reasoningTokens) {

        public String publicId() {
            return "gen-" + id;
        }
    }

    private final Slot[] slots;
    /**
     * Each slot's id as two longs, side by side: the search reads this array, not the slots, without the slots' locks
     * (written with release, read with acquire, so a search sees an id once it is written; a match is read again under
     * the slot's lock).
     */
    private final long[] ids;
    private static final VarHandle ID = MethodHandles.arrayElementVarHandle(long[].class);
    private final AtomicLong written = new AtomicLong();

    public Generations(GatewayConfig config) {
        int size = Math.max(1, config.generationCacheSize());
        this.slots = new Slot[size];
        for (int i = 0; i < size; i++) {
            slots[i] = new Slot();
        }
        this.ids = new long[2 * size];
    }

    public void remember(Generation g) {
        long position = written.getAndIncrement();
        int i = (int) (position % slots.length);
        Slot slot = slots[i];
        long stamp = slot.lock.writeLock();
        try {
            if (slot.position > position) {
                return; // the ring came round while this write waited: a newer request holds the slot
            }
            slot.position = position;
            slot.fill(g);
            ID.setRelease(ids, 2 * i, g.id.getMostSignificantBits());
            ID.setRelease(ids, 2 * i + 1, g.id.getLeastSignificantBits());
        } finally {
            slot.lock.unlockWrite(stamp);
        }
    }

    /** The bare UUID of a generation id ({@code gen-<uuid>} or the uuid itself), lower case; null when it is none. */
    public static String uuidOf(String id) {
        String key = id.startsWith("gen-") ? id.substring(4) : id;
        if (key.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(key).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The kept generation with this id ({@code gen-<uuid>} or the bare uuid), if it is among the latest. */
    public Optional<Kept> find(String id) {
        String key = uuidOf(id);
        if (key == null) {
            return Optional.empty();
        }
        UUID uuid = UUID.fromString(key);
        long high = uuid.getMostSignificantBits();
        long low = uuid.getLeastSignificantBits();
        long newest = written.get() - 1;
        int count = (int) Math.min(newest + 1, slots.length);
        int i = (int) (Math.max(newest, 0) % slots.length);
        for (int k = 0; k < count; k++) {
            // The slot may be being rewritten: the id is compared again under the slot's lock.
            if ((long) ID.getAcquire(ids, 2 * i) == high && (long) ID.getAcquire(ids, 2 * i + 1) == low) {
                Kept kept = slots[i].read(uuid);
                if (kept != null) {
                    return Optional.of(kept);
                }
            }
            i = i == 0 ? slots.length - 1 : i - 1;
        }
        return Optional.empty();
    }

    /** One ring position. Every field is written and read under {@link #lock}. */
    private static final class Slot {
        final StampedLock lock = new StampedLock();
        long position = -1;
        long idHigh;
        long idLow;
        long createdSecond;
        int createdNano;
        String accountId;
        String apiKeyId;
        String model;
        String providerName;
        boolean byok;
        final Money cost = new Money();
        final Money listCost = new Money();
        long promptTokens;
        long completionTokens;
        long latencyMs;
        long firstByteMs;
        boolean streamed;
        boolean cancelled;
        String finishReason;
        String nativeFinishReason;
        String user;
        String referer;
        long cachedTokens;
        long reasoningTokens;
        int httpStatus;
        int attemptCount;
        String[] attemptModel = new String[1];
        String[] attemptProvider = new String[1];
        String[] attemptCredential = new String[1];
        String[] attemptKeyId = new String[1];
        String[] attemptOutcome = new String[1];
        int[] attemptStatus = new int[1];
        long[] attemptLatency = new long[1];

        void fill(Generation g) {
            idHigh = g.id.getMostSignificantBits();
            idLow = g.id.getLeastSignificantBits();
            createdSecond = g.createdAt.getEpochSecond();
            createdNano = g.createdAt.getNano();
            accountId = g.accountId;
            apiKeyId = g.apiKeyId;
            var served = g.served;
            // The catalog's model id when a provider served it; what the caller asked for (its own string) otherwise.
            model = served != null ? served.model().id() : g.requestedModel;
            byok = served != null && served.byok();
            providerName = g.providerName;
            cost.set(g.cost);
            listCost.set(g.listCost);
            promptTokens = g.promptTokens;
            completionTokens = g.completionTokens;
            latencyMs = g.latencyMs;
            firstByteMs = g.firstByteMs;
            streamed = g.streamed;
            cancelled = g.cancelled;
            finishReason = g.finishReason();
            nativeFinishReason = g.nativeFinishReason();
            user = g.user();
            referer = g.referer();
            cachedTokens = g.cachedTokens;
            reasoningTokens = g.reasoningTokens;
            httpStatus = g.httpStatus;
            List<AttemptRecord> attempts = g.attempts();
            int n = attempts.size();
            if (n > attemptStatus.length) {
                attemptModel = new String[n];
                attemptProvider = new String[n];
                attemptCredential = new String[n];
                attemptKeyId = new String[n];
                attemptOutcome = new String[n];
                attemptStatus = new int[n];
                attemptLatency = new long[n];
            }
            for (int a = 0; a < n; a++) {
                AttemptRecord r = attempts.get(a);
                attemptModel[a] = r.model();
                attemptProvider[a] = r.provider();
                attemptCredential[a] = r.credentialKind();
                attemptKeyId[a] = r.byokKeyId();
                attemptOutcome[a] = r.outcome();
                attemptStatus[a] = r.status();
                attemptLatency[a] = r.latencyMs();
            }
            for (int a = n; a < attemptCount; a++) { // let the previous request's longer list go
                attemptModel[a] = attemptProvider[a] = attemptCredential[a] = attemptKeyId[a] = attemptOutcome[a] = null;
            }
            attemptCount = n;
        }

        Kept read(UUID id) {
            long stamp = lock.readLock();
            try {
                if (idHigh != id.getMostSignificantBits() || idLow != id.getLeastSignificantBits()) {
                    return null;
                }
                return copy(id);
            } finally {
                lock.unlockRead(stamp);
            }
        }

        /** Called under the read lock. */
        private Kept copy(UUID id) {
            List<AttemptRecord> attempts = new ArrayList<>(attemptCount);
            for (int a = 0; a < attemptCount; a++) {
                attempts.add(new AttemptRecord(attemptModel[a], attemptProvider[a], attemptCredential[a],
                        attemptKeyId[a], attemptStatus[a], attemptOutcome[a], attemptLatency[a]));
            }
            return new Kept(id, Instant.ofEpochSecond(createdSecond, createdNano), accountId, apiKeyId, model,
                    providerName, byok, cost.get(), listCost.get(), promptTokens, completionTokens, latencyMs,
                    firstByteMs, streamed, cancelled, finishReason, httpStatus, List.copyOf(attempts),
                    nativeFinishReason, user, referer, cachedTokens, reasoningTokens);
        }
    }

    /** A decimal kept as its unscaled value and scale when it fits a long (all real prices), else as itself. */
    private static final class Money {
        long unscaled;
        int scale;
        BigDecimal large;

        void set(BigDecimal value) {
            if (value.precision() <= 18) {
                unscaled = value.unscaledValue().longValue();
                scale = value.scale();
                large = null;
            } else {
                large = value;
            }
        }

        BigDecimal get() {
            return large != null ? large : BigDecimal.valueOf(unscaled, scale);
        }
    }
}
