package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import io.keyway.gateway.client.KeyServiceClient.KeyServiceUnavailable;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The rule of {@link KeyServiceCache} on a clock the test moves: TTL 30 s, stale window 5 min. Before it, an answer
 * lived at most 2 × TTL (routing views) or TTL (API keys) whatever key-service said, so an outage of key-service
 * stopped inference within a minute.
 */
class KeyServiceCacheTests {

    static final Duration TTL = Duration.ofSeconds(30);
    static final Duration WINDOW = Duration.ofMinutes(5);

    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final Ticker ticker = now::get;
    final AtomicReference<String> answer = new AtomicReference<>("v1");
    final AtomicInteger asked = new AtomicInteger();
    /** key-service's answer: the value of {@link #answer}, or unavailable when it is null. */
    final KeyServiceCache<String> cache = new KeyServiceCache<>("test answers", key -> {
        asked.incrementAndGet();
        String a = answer.get();
        return a == null
                ? CompletableFuture.failedFuture(new KeyServiceUnavailable("key-service unreachable: test"))
                : CompletableFuture.completedFuture(a);
    }, TTL, WINDOW, 100, ticker);

    void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    String get() {
        CompletableFuture<KeyServiceCache.Entry<String>> f = cache.get("k");
        assertTrue(f.isDone(), "answers here complete at once");
        return f.join().value();
    }

    Throwable failure() {
        try {
            get();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure");
    }

    @Test
    void aCachedAnswerIsServedPastTwiceItsTtlWhileKeyServiceCannotAnswerAndDroppedAfterTheWindow() {
        assertEquals("v1", get());
        answer.set(null); // key-service goes away

        advance(TTL.plusSeconds(1));
        assertEquals("v1", get());
        advance(TTL.multipliedBy(2)); // past the old expiry (2 × TTL)
        assertEquals("v1", get());
        advance(WINDOW.minus(TTL.multipliedBy(2)).minusSeconds(2)); // just inside TTL + window
        assertEquals("v1", get());

        advance(Duration.ofSeconds(2)); // TTL + window since key-service last answered
        assertInstanceOf(KeyServiceUnavailable.class, failure());
        assertTrue(cache.staleKept() > 0, "the kept answers were counted");
    }

    @Test
    void whileKeyServiceIsAwayItIsAskedOncePerTtlNotOncePerRequest() {
        get();
        answer.set(null);
        advance(TTL.plusSeconds(1));
        int before = asked.get();
        for (int i = 0; i < 100; i++) {
            get();
            advance(Duration.ofMillis(100)); // 10 s of requests
        }
        assertEquals(before + 1, asked.get());
        advance(TTL);
        get();
        assertEquals(before + 2, asked.get());
    }

    @Test
    void anAnswerKeyServiceGivesReplacesTheCachedOneAtOnceEvenDuringAnOutageWindow() {
        get();
        answer.set(null);
        advance(TTL.multipliedBy(3));
        assertEquals("v1", get());

        answer.set("revoked"); // key-service back, with a different answer
        advance(TTL.plusSeconds(1));
        get(); // this request starts the revalidation
        assertEquals("revoked", get());
    }

    @Test
    void aChangeFeedDropTakesEffectAtOnceEvenWhileServingStale() {
        get();
        answer.set(null);
        advance(TTL.multipliedBy(2));
        assertEquals("v1", get());

        cache.forget("k");
        assertInstanceOf(KeyServiceUnavailable.class, failure());
    }

    @Test
    void onceKeyServiceIsBackTheWindowStartsAfresh() {
        get();
        answer.set(null);
        advance(WINDOW.minus(TTL)); // deep into the window
        get();
        answer.set("v1");
        advance(TTL.plusSeconds(1));
        get(); // revalidated: confirmed now
        answer.set(null);
        advance(WINDOW);
        assertEquals("v1", get(), "a whole window again from the last confirmation");
    }
}
