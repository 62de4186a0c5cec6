package io.keyway.billing.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keyway.billing.config.BillingConfig.AllowanceKind;
import io.keyway.billing.service.FeeSchedule.FeeOverride;
import io.keyway.billing.service.FeeSchedule.MonthToDate;
import io.keyway.billing.service.FeeSchedule.Outcome;
import io.keyway.billing.service.FeeSchedule.Terms;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** DESIGN.md §4's fee rules, one by one, on exact decimals. */
class FeeScheduleTests {

    private static final Terms DEFAULTS = new Terms(AllowanceKind.REQUESTS, 1_000_000, new BigDecimal("25000"),
            new BigDecimal("0.05"));
    private final FeeSchedule fees = new FeeSchedule(DEFAULTS);

    private static BigDecimal d(String value) {
        return new BigDecimal(value);
    }

    @Test
    void nonByokRequestIsChargedItsListCostAndNotCounted() {
        Outcome o = fees.apply(DEFAULTS, true, false, d("0.000123456789"), MonthToDate.EMPTY);
        assertEquals(d("0.000123456789"), o.charge());
        assertFalse(o.counted());
    }

    @Test
    void failedRequestIsNeitherChargedNorCounted() {
        MonthToDate before = new MonthToDate(5_000_000, d("1"));
        Outcome byok = fees.apply(DEFAULTS, false, true, d("3"), before);
        Outcome pooled = fees.apply(DEFAULTS, false, false, d("3"), before);
        assertEquals(0, byok.charge().signum());
        assertEquals(0, pooled.charge().signum());
        assertFalse(byok.counted());
        assertEquals(before, byok.after());
    }

    @Test
    void millionthByokRequestIsFreeAndTheNextPaysFivePercentOfListCost() {
        Outcome last = fees.apply(DEFAULTS, true, true, d("2.00"), new MonthToDate(999_999, d("0")));
        Outcome next = fees.apply(DEFAULTS, true, true, d("2.00"), last.after());
        assertTrue(last.free());
        assertEquals(0, last.charge().signum());
        assertEquals(1_000_000, last.after().requests());
        assertEquals(0, d("0.10").compareTo(next.charge()));
        assertEquals(1_000_001, next.after().requests());
    }

    @Test
    void feeIsExactAndRoundedHalfUpToTwelveDecimals() {
        Outcome o = fees.apply(DEFAULTS, true, true, d("0.000123456789"), new MonthToDate(2_000_000, d("0")));
        // 0.05 x 0.000123456789 = 0.00000617283945 -> 12 places, half up
        assertEquals(d("0.000006172839"), o.charge());
    }

    @Test
    void listCostAllowanceChargesTheRateOnlyOnThePartBeyondIt() {
        Terms terms = new Terms(AllowanceKind.LIST_COST, 0, d("25000"), d("0.05"));
        Outcome inside = fees.apply(terms, true, true, d("100"), new MonthToDate(10, d("24800")));
        Outcome crossing = fees.apply(terms, true, true, d("300"), inside.after());
        Outcome beyond = fees.apply(terms, true, true, d("10"), crossing.after());
        assertEquals(0, inside.charge().signum());
        assertEquals(0, d("10").compareTo(crossing.charge()), "5% of the 200 beyond 25,000");
        assertEquals(0, d("0.5").compareTo(beyond.charge()));
        assertEquals(0, d("25210").compareTo(beyond.after().listCost()));
    }

    @Test
    void accountOverrideReplacesOnlyTheFieldsItSets() {
        Terms t = fees.termsFor(new FeeOverride(null, 10L, null, null));
        assertEquals(new Terms(AllowanceKind.REQUESTS, 10, d("25000"), d("0.05")), t);
        Terms rate = fees.termsFor(new FeeOverride(AllowanceKind.LIST_COST, null, null, d("0.02")));
        assertEquals(new Terms(AllowanceKind.LIST_COST, 1_000_000, d("25000"), d("0.02")), rate);
        assertEquals(DEFAULTS, fees.termsFor(null));
    }

    @Test
    void freeRequestsLeftNeverGoesBelowZero() {
        assertEquals(1_000_000, fees.freeRequestsLeft(DEFAULTS, MonthToDate.EMPTY));
        assertEquals(0, fees.freeRequestsLeft(DEFAULTS, new MonthToDate(1_500_000, d("0"))));
    }
}
