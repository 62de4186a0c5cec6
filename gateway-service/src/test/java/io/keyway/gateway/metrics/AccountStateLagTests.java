package io.keyway.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.AccountState;
import io.keyway.gateway.service.AccountStates;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The account-state gauges: the lag of the latest state applied, and the age of the newest. */
class AccountStateLagTests {

    final AccountStates states = new AccountStates(new ObjectMapper());

    void applied(String account, long sequence, Instant updatedAt) {
        states.apply(new AccountState(1, account, BigDecimal.ONE, "2026-11", 0, BigDecimal.ZERO, BigDecimal.ZERO, null,
                List.of(), sequence, updatedAt));
    }

    static void assertAbout(double expected, double actual, String what) {
        assertTrue(actual >= expected - 0.5 && actual <= expected + 2, what + ": " + actual);
    }

    @Test
    void beforeAnyStateBothAreUnknownNotZero() {
        assertTrue(Double.isNaN(states.lag().lagSeconds()));
        assertTrue(Double.isNaN(states.lag().ageSeconds()));
    }

    @Test
    void lagIsHowLateTheLatestStateWasAppliedAndAgeIsHowOldTheNewestStateIs() {
        applied("a", 1, Instant.now().minusSeconds(5));
        assertAbout(5, states.lag().lagSeconds(), "lag");
        assertAbout(5, states.lag().ageSeconds(), "age");
        applied("b", 1, Instant.now().minusSeconds(60)); // an old state arrives late (a replay)
        assertAbout(60, states.lag().lagSeconds(), "the lag is the latest state's");
        assertAbout(5, states.lag().ageSeconds(), "the age stays the newest state's");
    }

    @Test
    void aStateWithoutUpdatedAtFromAnOlderBillingChangesNeither() {
        applied("a", 1, Instant.now().minusSeconds(5));
        applied("a", 2, null);
        assertAbout(5, states.lag().lagSeconds(), "lag");
        assertEquals(2, states.get("a").orElseThrow().sequence(), "the state itself is applied");
    }
}
