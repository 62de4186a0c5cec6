package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.AccountState;
import io.keyway.contracts.AccountState.ApiKeySpend;
import io.keyway.contracts.ApiKeyResolution;
import io.keyway.gateway.service.ApiKeyResolver.Caller;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DESIGN.md §2 "before routing": balance not above zero, or the key's spend limit reached, is a 402. */
class CreditCheckTests {

    final AccountStates states = new AccountStates(new ObjectMapper());
    final CreditCheck check = new CreditCheck(states);

    static Caller caller(String limit, String reset) {
        return new Caller(new ApiKeyResolution("key-1", "acct", "k", false, false, null,
                limit == null ? null : new BigDecimal(limit), reset, false), "hash", "sk-kw-v1-abc...def");
    }

    void state(String balance, long sequence, ApiKeySpend... spends) {
        states.apply(new AccountState(1, "acct", new BigDecimal(balance), "2026-11", 0, BigDecimal.ZERO,
                BigDecimal.ZERO, null, List.of(spends), sequence, Instant.now()));
    }

    @Test
    void accountWithoutStateIsTreatedAsBalanceZero() {
        var e = assertThrows(GatewayError.class, () -> check.require(caller(null, null)));
        assertEquals(402, e.status());
        assertEquals(CreditCheck.ACCOUNT_CREDITS, e.metadata().get("limit_source").asText());
    }

    @Test
    void balanceOfExactlyZeroIs402AndAnyPositiveBalancePasses() {
        state("0", 1);
        assertThrows(GatewayError.class, () -> check.require(caller(null, null)));
        state("0.000001", 2);
        assertDoesNotThrow(() -> check.require(caller(null, null)));
    }

    @Test
    void olderStateBySequenceIsIgnored() {
        state("5", 7);
        state("0", 6);
        assertDoesNotThrow(() -> check.require(caller(null, null)));
    }

    @Test
    void keySpendReachingItsLimitIs402WithKeyLimitSource() {
        state("5", 1, new ApiKeySpend("key-1", new BigDecimal("1"), null, null, new BigDecimal("1.00")));
        var e = assertThrows(GatewayError.class, () -> check.require(caller("1", null)));
        assertEquals(CreditCheck.KEY_LIMIT, e.metadata().get("limit_source").asText());
        assertDoesNotThrow(() -> check.require(caller("1.01", null)));
    }

    @Test
    void spendOfAPeriodThatHasRolledOverDoesNotCount() {
        Instant lastMonth = Instant.now().minus(40, ChronoUnit.DAYS);
        state("5", 1, new ApiKeySpend("key-1", new BigDecimal("1"), "monthly", lastMonth, new BigDecimal("3")));
        assertDoesNotThrow(() -> check.require(caller("1", "monthly")));
    }

    @Test
    void aKeyWhoseLimitBillingCouldNotReadCountsItsWholeSpendAgainstTheKeysOwnLimit() {
        // billing publishes such a key with no limit and no period (key-service unreachable): the gateway takes the
        // limit from the key's resolution, so the whole spend counts, whatever the key's period
        state("5", 1, new ApiKeySpend("key-1", null, null, null, new BigDecimal("2.5")));
        var e = assertThrows(GatewayError.class, () -> check.require(caller("2", "daily")));
        assertEquals(CreditCheck.KEY_LIMIT, e.metadata().get("limit_source").asText());
        assertDoesNotThrow(() -> check.require(caller("3", "daily")));
    }
}
