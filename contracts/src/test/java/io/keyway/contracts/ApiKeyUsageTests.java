package io.keyway.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a reader shows the figures of an {@link ApiKeyUsage}: period rollover and what is left of a spend limit. */
class ApiKeyUsageTests {

    /** all time 100/200, month 10/20, week 3/6, day 1/2 (charged / BYOK list cost). */
    static final ApiKeyUsage FIGURES = new ApiKeyUsage("key-1", d("100"), d("1"), d("3"), d("10"),
            d("200"), d("2"), d("6"), d("20"));

    static BigDecimal d(String s) {
        return new BigDecimal(s);
    }

    /** The eight figures in wire order, for compact assertions. */
    static List<String> figures(ApiKeyUsage u) {
        return List.of(u.usage(), u.usageDaily(), u.usageWeekly(), u.usageMonthly(), u.byokUsage(), u.byokUsageDaily(),
                u.byokUsageWeekly(), u.byokUsageMonthly()).stream().map(BigDecimal::toPlainString).toList();
    }

    @Test
    void figuresComputedTodayReadAsTheyAre() {
        LocalDate wednesday = LocalDate.parse("2026-12-09");
        assertEquals(figures(FIGURES), figures(FIGURES.asOf(wednesday, wednesday)));
    }

    @Test
    void theNextDayOfTheSameWeekAndMonthOnlyTheDailyFiguresReadZero() {
        LocalDate wednesday = LocalDate.parse("2026-12-09");
        assertEquals(List.of("100", "0", "3", "10", "200", "0", "6", "20"),
                figures(FIGURES.asOf(wednesday, wednesday.plusDays(1))));
    }

    @Test
    void onMondayTheWeeklyFiguresOfTheWeekBeforeReadZeroWeeksStartingOnMonday() {
        LocalDate sunday = LocalDate.parse("2026-12-13");
        assertEquals(List.of("100", "0", "0", "10", "200", "0", "0", "20"),
                figures(FIGURES.asOf(sunday, sunday.plusDays(1))));
        LocalDate monday = LocalDate.parse("2026-12-07");
        assertEquals(List.of("100", "0", "3", "10", "200", "0", "6", "20"),
                figures(FIGURES.asOf(monday, LocalDate.parse("2026-12-13"))), "Monday to Sunday is one week");
    }

    @Test
    void onTheFirstOfAMonthTheMonthlyFiguresOfTheMonthBeforeReadZeroButTheWeekGoesOn() {
        LocalDate monday = LocalDate.parse("2026-11-30");
        assertEquals(List.of("100", "0", "3", "0", "200", "0", "6", "0"),
                figures(FIGURES.asOf(monday, LocalDate.parse("2026-12-01"))), "the week of 30 Nov goes on in December");
    }

    @Test
    void allTimeFiguresNeverReadZeroAndFiguresFromALaterDayThanTheReadersStayAsTheyAre() {
        assertEquals(List.of("100", "0", "0", "0", "200", "0", "0", "0"),
                figures(FIGURES.asOf(LocalDate.parse("2025-01-01"), LocalDate.parse("2026-12-09"))));
        assertEquals(figures(FIGURES), figures(FIGURES.asOf(LocalDate.parse("2026-12-10"), LocalDate.parse("2026-12-09"))),
                "the writer's clock past midnight before the reader's");
    }

    @Test
    void limitRemainingIsTheLimitLessTheChargesOfTheLimitPeriod() {
        assertEquals(d("49"), FIGURES.limitRemaining(d("50"), "daily", false));
        assertEquals(d("47"), FIGURES.limitRemaining(d("50"), "weekly", false));
        assertEquals(d("40"), FIGURES.limitRemaining(d("50"), "monthly", false));
        assertEquals(d("400"), FIGURES.limitRemaining(d("500"), null, false), "no reset: all time");
    }

    @Test
    void limitRemainingCountsTheByokListCostOnlyWhenTheKeyIncludesByokInItsLimit() {
        assertEquals(d("47"), FIGURES.limitRemaining(d("50"), "daily", true));
        assertEquals(d("41"), FIGURES.limitRemaining(d("50"), "weekly", true));
        assertEquals(d("20"), FIGURES.limitRemaining(d("50"), "monthly", true));
        assertEquals(d("200"), FIGURES.limitRemaining(d("500"), null, true));
    }

    @Test
    void limitRemainingIsNeverNegativeAndNullWithoutALimit() {
        assertEquals(BigDecimal.ZERO, FIGURES.limitRemaining(d("5"), "monthly", false));
        assertEquals(BigDecimal.ZERO, FIGURES.limitRemaining(d("0"), "daily", false));
        assertNull(FIGURES.limitRemaining(null, "daily", true));
    }

    @Test
    void aKeyWithoutRecordedSpendHasZerosAndItsWholeLimitLeft() {
        ApiKeyUsage none = ApiKeyUsage.none("key-2");
        assertEquals(List.of("0", "0", "0", "0", "0", "0", "0", "0"), figures(none));
        assertEquals(d("7.5"), none.limitRemaining(d("7.5"), "weekly", true));
    }
}
