package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.keyway.contracts.UsageEvent;
import io.keyway.gateway.service.Generation.AttemptRecord;
import org.junit.jupiter.api.Test;

/**
 * The usage event's {@code generation} detail stays within the schema whatever a request carried: billing
 * dead-letters an event that breaks it, and a dead-lettered event would lose its charge.
 */
class UsageEventDetailTests {

    private static Generation generation() {
        return new Generation("acct-1", "key-1", "m/x", true);
    }

    @Test
    void attemptsPastSixtyFourKeepTheLastOnesSoTheServedAttemptIsListed() {
        Generation g = generation();
        for (int i = 0; i < 70; i++) {
            g.record(new AttemptRecord("m/x", "p" + i, "byok_prioritized", "byok-" + i, 429, "rate_limited", 3));
        }
        g.record(new AttemptRecord("m/x", "served", "pooled", null, 200, "success", 40));
        UsageEvent.GenerationDetail d = UsageAccounting.detail(g);
        assertEquals(UsageEvent.MAX_ATTEMPT_DETAILS, d.attempts().size());
        assertEquals("served", d.attempts().get(63).provider());
        assertEquals("p7", d.attempts().get(0).provider(), "71 attempts: the first seven are left out");
    }

    @Test
    void attributionIsCutTo256CharactersWithoutSplittingASurrogatePairAndNulIsReplaced() {
        Generation g = generation();
        g.attribution("u\u0000ser", "h".repeat(255) + "\uD83D\uDE00" + "tail");
        UsageEvent.GenerationDetail d = UsageAccounting.detail(g);
        assertEquals("u\uFFFDser", d.user());
        assertEquals("h".repeat(255), d.httpReferer(), "the emoji would straddle the cut: it goes whole");
        g.attribution("a\uD800b", null);
        assertEquals("a\uFFFDb", UsageAccounting.detail(g).user(), "a lone surrogate is not UTF-8: replaced");
    }

    @Test
    void outcomesBecomeShortLowerCaseWordsAndStatusesOutsideHttpBecomeZero() {
        assertEquals("secret_store_unavailable", UsageAccounting.outcome("secret_store_unavailable"));
        assertEquals("left_out__store_", UsageAccounting.outcome("Left-Out (store)"));
        assertEquals("unknown", UsageAccounting.outcome(null));
        assertEquals(64, UsageAccounting.outcome("x".repeat(100)).length());
        Generation g = generation();
        g.record(new AttemptRecord("m/x", "p", "pooled", null, -1, "connect", 3));
        assertEquals(0, UsageAccounting.detail(g).attempts().get(0).status());
    }

    @Test
    void countsTheUpstreamDidNotReportAreNullNotMinusOne() {
        Generation g = generation();
        UsageEvent.GenerationDetail d = UsageAccounting.detail(g);
        assertNull(d.cachedTokens());
        assertNull(d.reasoningTokens());
        assertNull(d.firstByteMs());
        g.cachedTokens = 4;
        g.firstByteMs = 0;
        assertEquals(4L, UsageAccounting.detail(g).cachedTokens());
        assertEquals(0L, UsageAccounting.detail(g).firstByteMs());
    }
}
