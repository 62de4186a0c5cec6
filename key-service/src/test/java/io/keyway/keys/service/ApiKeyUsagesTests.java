package io.keyway.keys.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keyway.contracts.AccountApiKeyUsage;
import io.keyway.contracts.ApiKeyUsage;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The in-memory view of billing's per-API-key usage: latest per account, zeros for keys without spend, rollover. */
class ApiKeyUsagesTests {

    final ApiKeyUsages usages = new ApiKeyUsages(new ObjectMapper().registerModule(new JavaTimeModule()));
    final UUID account = UUID.randomUUID();
    final UUID key = UUID.randomUUID();
    final LocalDate wednesday = LocalDate.parse("2026-12-09");

    AccountApiKeyUsage message(long sequence, LocalDate day, String amount) {
        BigDecimal d = new BigDecimal(amount);
        return new AccountApiKeyUsage(1, account.toString(), day,
                List.of(new ApiKeyUsage(key.toString(), d, d, d, d, d, d, d, d)), sequence, Instant.now());
    }

    @Test
    void aKeyOfAnAccountWithoutAMessageOrNotNamedInItHasZeros() {
        assertEquals(ApiKeyUsage.none(key.toString()), usages.of(account, key, wednesday));
        usages.apply(message(1, wednesday, "2"));
        UUID other = UUID.randomUUID();
        assertEquals(ApiKeyUsage.none(other.toString()), usages.of(account, other, wednesday));
    }

    @Test
    void theHighestSequenceWinsWhateverTheOrderOfArrival() {
        usages.apply(message(5, wednesday, "5"));
        usages.apply(message(4, wednesday, "4"));
        assertEquals(new BigDecimal("5"), usages.of(account, key, wednesday).usage());
        usages.apply(message(6, wednesday, "6"));
        assertEquals(new BigDecimal("6"), usages.of(account, key, wednesday).usage());
    }

    @Test
    void figuresReadOnALaterDayLoseTheEndedPeriodsOnly() {
        usages.apply(message(1, wednesday, "2"));
        ApiKeyUsage thursday = usages.of(account, key, wednesday.plusDays(1));
        assertEquals(List.of("2", "0", "2", "2"), List.of(thursday.usage(), thursday.usageDaily(),
                thursday.usageWeekly(), thursday.usageMonthly()).stream().map(BigDecimal::toPlainString).toList());
    }

    @Test
    void unreadableRecordsAndEntriesLackingAFigureAreIgnored() {
        usages.apply(message(1, wednesday, "2"));
        usages.consume("not json");
        usages.consume(null);
        usages.consume("{\"schema_version\":1,\"account_id\":\"" + account + "\",\"day\":\"2026-12-09\",\"api_keys\":"
                + "[{\"api_key_id\":\"" + key + "\",\"usage\":\"9\"}],\"sequence\":2,\"updated_at\":\"2026-12-09T10:00:00Z\"}");
        assertEquals(new BigDecimal("2"), usages.of(account, key, wednesday).usage());
    }
}
