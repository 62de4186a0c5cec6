package io.keyway.keys.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.keys.service.LastUsed.KeyRef;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * How one usage event is read for last-used times (the streaming read of four top-level fields); LastUsedTests covers
 * the consumer end to end on the real topic and database.
 */
class LastUsedFoldTests {

    final LastUsed lastUsed = new LastUsed(null, new ObjectMapper());
    final Map<KeyRef, Instant> apiKeys = new HashMap<>();
    final Map<KeyRef, Instant> byokKeys = new HashMap<>();
    final UUID account = UUID.randomUUID();
    final UUID apiKey = UUID.randomUUID();
    final UUID byok = UUID.randomUUID();

    void fold(String json) throws Exception {
        lastUsed.fold(json.getBytes(StandardCharsets.UTF_8), apiKeys, byokKeys);
    }

    @Test
    void onlyTopLevelFieldsCountWhateverTheirOrderAndNestedFieldsOfTheSameNameAreSkipped() throws Exception {
        UUID other = UUID.randomUUID();
        fold("{\"generation\":{\"account_id\":\"" + other + "\",\"attempts\":[{\"byok_key_id\":\"" + other + "\"}],"
                + "\"api_key_id\":\"" + other + "\"},\"byok_key_id\":\"" + byok + "\",\"model\":\"m\","
                + "\"api_key_id\":\"" + apiKey + "\",\"occurred_at\":\"2026-12-07T03:00:00Z\",\"account_id\":\"" + account
                + "\",\"list_cost\":\"0.1\"}");

        assertEquals(Map.of(new KeyRef(apiKey, account), Instant.parse("2026-12-07T03:00:00Z")), apiKeys);
        assertEquals(Map.of(new KeyRef(byok, account), Instant.parse("2026-12-07T03:00:00Z")), byokKeys);
    }

    @Test
    void aBatchKeepsTheLatestTimePerKey() throws Exception {
        String event = "{\"occurred_at\":\"%s\",\"account_id\":\"" + account + "\",\"api_key_id\":\"" + apiKey
                + "\",\"byok_key_id\":null,\"generation\":{\"attempts\":[]}}";
        fold(event.formatted("2026-12-07T03:00:05Z"));
        fold(event.formatted("2026-12-07T03:00:09Z"));
        fold(event.formatted("2026-12-07T03:00:01Z"));

        assertEquals(Map.of(new KeyRef(apiKey, account), Instant.parse("2026-12-07T03:00:09Z")), apiKeys);
        assertTrue(byokKeys.isEmpty(), "a null byok_key_id names no key");
    }

    @Test
    void anEventWithoutAnAccountOrATimeOrNotAnObjectIsUnreadable() {
        assertThrows(Exception.class, () -> fold("not json"));
        assertThrows(Exception.class, () -> fold("[1,2]"));
        assertThrows(Exception.class, () -> fold("{\"account_id\":\"nope\",\"occurred_at\":\"2026-12-07T03:00:00Z\"}"));
        assertThrows(Exception.class, () -> fold("{\"account_id\":\"" + account + "\",\"api_key_id\":\"" + apiKey + "\"}"));
        assertThrows(Exception.class, () -> fold("{\"account_id\":{\"id\":\"" + account + "\"},\"occurred_at\":\"2026-12-07T03:00:00Z\"}"));
        assertTrue(apiKeys.isEmpty() && byokKeys.isEmpty());
    }

    @Test
    void aKeyIdThatIsNotAUuidOrNotAStringIsLeftOut() throws Exception {
        fold("{\"occurred_at\":\"2026-12-07T03:00:00Z\",\"account_id\":\"" + account + "\",\"api_key_id\":\"abc\","
                + "\"byok_key_id\":{\"id\":\"" + byok + "\"}}");

        assertTrue(apiKeys.isEmpty() && byokKeys.isEmpty());
    }
}
