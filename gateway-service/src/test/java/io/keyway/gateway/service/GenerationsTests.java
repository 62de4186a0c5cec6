package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.config.GatewayConfig;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GenerationsTests {

    static Generations generations(int size) {
        GatewayConfig config = (GatewayConfig) Proxy.newProxyInstance(GatewayConfig.class.getClassLoader(),
                new Class<?>[] {GatewayConfig.class}, (p, m, a) -> {
                    if (m.getName().equals("generationCacheSize")) {
                        return size;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
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
        assertEquals(g, store.find(g.publicId()).orElseThrow());
        assertEquals(g, store.find(g.id.toString()).orElseThrow());
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
}
