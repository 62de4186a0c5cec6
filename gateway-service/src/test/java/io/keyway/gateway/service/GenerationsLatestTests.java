package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.gateway.service.Generations.Kept;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Generations#latest}: the console's activity list, read from the same ring as {@code GET /generation}. */
class GenerationsLatestTests {

    @Test
    void latestListsOnlyTheAccountsGenerationsNewestFirstUpToTheLimit() {
        Generations store = GenerationsTests.generations(100);
        List<Generation> mine = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Generation g = new Generation("acct-a", "key-1", "m/" + i, false);
            mine.add(g);
            store.remember(g);
            store.remember(new Generation("acct-b", "key-9", "m/other", false));
        }
        List<Kept> latest = store.latest("acct-a", null, 4);
        assertEquals(List.of(mine.get(9).id, mine.get(8).id, mine.get(7).id, mine.get(6).id),
                latest.stream().map(Kept::id).toList());
        assertTrue(latest.stream().allMatch(k -> k.accountId().equals("acct-a")), "another account's requests never show");
        assertEquals(10, store.latest("acct-a", null, 50).size());
    }

    @Test
    void latestOfOneApiKeyLeavesTheAccountsOtherKeysOut() {
        Generations store = GenerationsTests.generations(100);
        store.remember(new Generation("acct", "key-1", "m/x", false));
        Generation second = new Generation("acct", "key-2", "m/y", true);
        store.remember(second);
        store.remember(new Generation("acct", "key-1", "m/z", false));
        assertEquals(List.of(second.id), store.latest("acct", "key-2", 10).stream().map(Kept::id).toList());
        assertEquals(3, store.latest("acct", null, 10).size());
    }

    @Test
    void latestOfAnEmptyStoreOrAnUnknownAccountIsEmpty() {
        Generations store = GenerationsTests.generations(5);
        assertTrue(store.latest("acct", null, 10).isEmpty());
        store.remember(new Generation("acct", "key", "m/x", false));
        assertTrue(store.latest("someone-else", null, 10).isEmpty());
    }

    @Test
    void latestAfterTheRingCameRoundHoldsOnlyTheKeptOnes() {
        Generations store = GenerationsTests.generations(3);
        List<Generation> all = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Generation g = new Generation("acct", "key", "m/" + i, false);
            all.add(g);
            store.remember(g);
        }
        assertEquals(List.of(all.get(6).id, all.get(5).id, all.get(4).id),
                store.latest("acct", null, 10).stream().map(Kept::id).toList());
    }
}
