package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyway.contracts.AccountState;
import io.keyway.contracts.AccountState.ByokTerms;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md §4 as the gateway reports it in {@code usage.cost}: on the account's own terms from billing's account state
 * (overrides and a list-cost allowance included), so the response says what billing will charge.
 */
class UsageCostTests {

    static final ByokTerms CONFIGURED = new ByokTerms(ByokTerms.REQUESTS, 1_000_000, BigDecimal.ZERO,
            new BigDecimal("0.05"));
    static final String THIS_MONTH = YearMonth.now(ZoneOffset.UTC).toString();

    final AccountStates states = new AccountStates(new ObjectMapper());
    final UsageCost cost = new UsageCost(states, CONFIGURED);
    long sequence;

    void state(String month, long byokRequests, String byokListCost, ByokTerms terms) {
        states.apply(new AccountState(1, "acct", new BigDecimal("100"), month, byokRequests, BigDecimal.ZERO,
                new BigDecimal(byokListCost), terms, List.of(), ++sequence, Instant.now()));
    }

    static BigDecimal usd(String amount) {
        return new BigDecimal(amount);
    }

    static void assertAmount(String expected, BigDecimal actual) {
        assertAmount(expected, actual, "amount");
    }

    static void assertAmount(String expected, BigDecimal actual, String why) {
        assertEquals(0, new BigDecimal(expected).compareTo(actual), () -> why + ": expected " + expected + ", got "
                + actual);
    }

    @Test
    void pooledRequestCostsItsListCost() {
        state(THIS_MONTH, 5_000_000, "0", CONFIGURED);
        assertAmount("1.25", cost.charged("acct", false, usd("1.25")));
    }

    @Test
    void byokRequestWithinTheMonthsRequestAllowanceCostsNothingAndTheOneAfterItCostsTheRateTimesListCost() {
        state(THIS_MONTH, 999_999, "0", CONFIGURED);
        assertAmount("0", cost.charged("acct", true, usd("2")));
        state(THIS_MONTH, 1_000_000, "0", CONFIGURED);
        assertAmount("0.1", cost.charged("acct", true, usd("2")));
    }

    @Test
    void byokCostFollowsTheAccountsNegotiatedTermsFromItsStateNotTheGatewaysConfiguration() {
        state(THIS_MONTH, 10, "0", new ByokTerms(ByokTerms.REQUESTS, 0, BigDecimal.ZERO, usd("0.02")));
        assertAmount("0.03", cost.charged("acct", true, usd("1.50")));
        state(THIS_MONTH, 10, "0", new ByokTerms(ByokTerms.REQUESTS, 2_000_000, BigDecimal.ZERO, usd("0.02")));
        assertAmount("0", cost.charged("acct", true, usd("1.50")));
    }

    @Test
    void byokListCostAllowanceChargesTheRateOnlyOnTheListCostBeyondIt() {
        ByokTerms amount = new ByokTerms(ByokTerms.LIST_COST, 0, usd("25000"), usd("0.05"));
        state(THIS_MONTH, 3, "24999", amount);
        assertAmount("0", cost.charged("acct", true, usd("1")), "the last dollar of the allowance");
        assertAmount("0.1", cost.charged("acct", true, usd("3")), "5% of the 2 beyond the allowance");
        state(THIS_MONTH, 4, "25000", amount);
        assertAmount("0.05", cost.charged("acct", true, usd("1")));
    }

    @Test
    void byokCountersOfAnEarlierMonthDoNotCountAgainstThisMonthsAllowance() {
        String lastMonth = YearMonth.now(ZoneOffset.UTC).minusMonths(1).toString();
        state(lastMonth, 5_000_000, "90000", CONFIGURED);
        assertAmount("0", cost.charged("acct", true, usd("2")));
        state(lastMonth, 5_000_000, "90000", new ByokTerms(ByokTerms.LIST_COST, 0, usd("25000"), usd("0.05")));
        assertAmount("0", cost.charged("acct", true, usd("2")));
    }

    @Test
    void stateWithoutTermsFromAnOlderBillingFallsBackToTheGatewaysConfiguredAllowanceAndRate() {
        state(THIS_MONTH, 1_000_000, "0", null);
        assertAmount("0.1", cost.charged("acct", true, usd("2")));
        assertAmount("0", cost.charged("other-account", true, usd("2")), "no state at all: within the allowance");
    }

    @Test
    void byokFeeIsRoundedHalfUpToTwelveDecimalPlacesAsBillingRoundsIt() {
        state(THIS_MONTH, 1_000_000, "0", CONFIGURED);
        assertAmount("0.000000000001", cost.charged("acct", true, usd("0.00000000001")));
    }
}
