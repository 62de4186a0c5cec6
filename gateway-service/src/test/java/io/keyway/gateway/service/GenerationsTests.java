package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.config.GatewayConfig;
import io.keyway.gateway.service.Generation.AttemptRecord;
import io.keyway.gateway.service.Generations.Kept;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GenerationsTests {

    static Generations generations(int size) {
        GatewayConfig config = ConfigStub.of(GatewayConfig.class, Map.of("generationCacheSize", size));
        return new Generations(config);
    }

    private static Generation generation() {
        return new Generation("acct", "key", "m/x", false);
    }

    @Test
    void generationsKeptAreTheMostRecentRequestsOnceMoreThanTheLimitWereServed() {
        Generations store = generations(1000);
        List<Generation> served = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            Generation g = generation();
            served.add(g);
            store.remember(g);
        }
        for (Generation g : served.subList(4000, 5000)) {
            assertTrue(store.find(g.publicId()).isPresent(), "one of the last 1000 requests is kept: " + g.publicId());
        }
        long oldKept = served.subList(0, 4000).stream().filter(g -> store.find(g.publicId()).isPresent()).count();
        assertEquals(0, oldKept, "older requests make room for newer ones");
    }

    @Test
    void generationIsFoundWithOrWithoutItsPrefixAndAMalformedIdIsNotFound() {
        Generations store = generations(10);
        Generation g = generation();
        store.remember(g);
        assertEquals(g.id, store.find(g.publicId()).orElseThrow().id());
        assertEquals(g.publicId(), store.find(g.id.toString()).orElseThrow().publicId());
        assertFalse(store.find("gen-not-a-uuid").isPresent());
    }

    @Test
    void concurrentRequestsKeepTheStoreFullButWithinItsLimit() throws Exception {
        int writers = 4;
        int each = 20_000;
        Generations store = generations(500);
        List<List<Generation>> written = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        for (int w = 0; w < writers; w++) {
            List<Generation> mine = new ArrayList<>();
            written.add(mine);
            pool.submit(() -> {
                start.await();
                for (int i = 0; i < each; i++) {
                    Generation g = generation();
                    mine.add(g);
                    store.remember(g);
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        long kept = written.stream().flatMap(List::stream).filter(g -> store.find(g.publicId()).isPresent()).count();
        assertTrue(kept <= 500 && kept >= 500 - writers, "the limit's worth of the latest requests is kept: " + kept);
        Generation next = generation();
        store.remember(next);
        assertTrue(store.find(next.publicId()).isPresent(), "and the next one");
    }

    @Test
    void keptGenerationShowsWhatTheRequestRecordedEvenWhenItsSlotHeldALongerRequestBefore() {
        Generations store = generations(1);
        Generation before = generation();
        for (int i = 0; i < 3; i++) {
            before.record(new AttemptRecord("m/x", "p" + i, "byok", "k" + i, 502, "upstream_error", 10 + i));
        }
        store.remember(before);
        assertEquals(3, store.find(before.publicId()).orElseThrow().attempts().size());

        Generation g = new Generation("acct", "key-7", "m/y", true);
        g.record(new AttemptRecord("m/y", "io-net", "pooled", null, 200, "success", 42));
        g.providerName = "io.net";
        g.promptTokens = 11;
        g.completionTokens = 22;
        g.cost = new BigDecimal("0.0000125");
        g.listCost = new BigDecimal("123456789012345678901234.5"); // wider than a long: kept as itself
        g.latencyMs = 77;
        g.firstByteMs = 5;
        g.cancelled = true;
        g.finishReason("length");
        g.httpStatus = 200;
        store.remember(g); // the same slot as `before`

        assertFalse(store.find(before.publicId()).isPresent(), "the slot's previous request is gone");
        Kept k = store.find(g.publicId()).orElseThrow();
        assertEquals(g.id, k.id());
        assertEquals(g.createdAt, k.createdAt());
        assertEquals("acct", k.accountId());
        assertEquals("key-7", k.apiKeyId());
        assertEquals("m/y", k.model(), "the requested model when no attempt served it");
        assertEquals("io.net", k.providerName());
        assertFalse(k.byok());
        assertEquals(new BigDecimal("0.0000125"), k.cost());
        assertEquals(new BigDecimal("123456789012345678901234.5"), k.listCost());
        assertEquals(11, k.promptTokens());
        assertEquals(22, k.completionTokens());
        assertEquals(77, k.latencyMs());
        assertEquals(5, k.firstByteMs());
        assertTrue(k.streamed());
        assertTrue(k.cancelled());
        assertEquals("length", k.finishReason());
        assertEquals(200, k.httpStatus());
        assertEquals(List.of(new AttemptRecord("m/y", "io-net", "pooled", null, 200, "success", 42)), k.attempts(),
                "only this request's attempts, none left from the longer request before it");
    }
}
