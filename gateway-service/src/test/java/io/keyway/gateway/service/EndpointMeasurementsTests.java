package io.keyway.gateway.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EndpointMeasurementsTests {

    /** A clock the test moves by hand. */
    static final class TestClock extends Clock {
        long millis = Instant.parse("2026-12-06T12:00:00Z").toEpochMilli();

        void minutes(long m) {
            millis += m * 60_000;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    final TestClock clock = new TestClock();
    final EndpointMeasurements m = new EndpointMeasurements(clock);

    @Test
    void endpointWithoutAttemptsAnswersNullForEveryStatistic() {
        assertEquals(new EndpointMeasurements.Stats(null, null, null, null, null), m.stats("a/model", "p"));
    }

    @Test
    void uptimeIsSuccessesOverSuccessesAndFailuresAsAPercentage() {
        m.succeeded("a/model", "p", 100);
        m.succeeded("a/model", "p", 100);
        m.succeeded("a/model", "p", 100);
        m.failed("a/model", "p");
        var s = m.stats("a/model", "p");
        assertEquals(75.0, s.uptimeLast5m());
        assertEquals(75.0, s.uptimeLast30m());
        assertEquals(75.0, s.uptimeLast1d());
    }

    @Test
    void failureOlderThanFiveMinutesLeavesTheFiveMinuteWindowButNotTheDay() {
        m.failed("a/model", "p");
        clock.minutes(6);
        m.succeeded("a/model", "p", 100);
        var s = m.stats("a/model", "p");
        assertEquals(100.0, s.uptimeLast5m());
        assertEquals(50.0, s.uptimeLast30m());
        assertEquals(50.0, s.uptimeLast1d());
    }

    @Test
    void attemptsOlderThanADayAreForgottenAndTheWindowIsNullAgain() {
        m.failed("a/model", "p");
        clock.minutes(24 * 60);
        assertNull(m.stats("a/model", "p").uptimeLast1d());
        m.succeeded("a/model", "p", 100); // reuses the same minute slot: the old failure must not count
        assertEquals(100.0, m.stats("a/model", "p").uptimeLast1d());
    }

    @Test
    void latencyPercentilesAreWithinTwoAndAHalfPercentOfTheExactOnes() {
        for (int ms = 1; ms <= 1000; ms++) {
            m.succeeded("a/model", "p", ms);
        }
        var latency = m.stats("a/model", "p").latencyLast30m();
        assertNotNull(latency);
        assertWithin(500, latency.p50());
        assertWithin(750, latency.p75());
        assertWithin(900, latency.p90());
        assertWithin(990, latency.p99());
    }

    @Test
    void percentilesCoverThirtyMinutesThenAnswerNull() {
        m.succeeded("a/model", "p", 200);
        m.generated("a/model", "p", 50, 1000);
        clock.minutes(29);
        assertNotNull(m.stats("a/model", "p").latencyLast30m());
        assertNotNull(m.stats("a/model", "p").throughputLast30m());
        clock.minutes(1);
        var s = m.stats("a/model", "p");
        assertNull(s.latencyLast30m());
        assertNull(s.throughputLast30m());
        assertEquals(100.0, s.uptimeLast1d(), "the day still counts the attempt");
    }

    @Test
    void throughputIsCompletionTokensPerSecondAfterTheAnswerBegan() {
        m.generated("a/model", "p", 50, 1000);
        m.generated("a/model", "p", 200, 2000);
        var t = m.stats("a/model", "p").throughputLast30m();
        assertWithin(50, t.p50());
        assertWithin(100, t.p99());
    }

    @Test
    void answerWithoutCompletionTokensIsNoThroughputSample() {
        m.generated("a/model", "p", 0, 1000);
        assertNull(m.stats("a/model", "p").throughputLast30m());
    }

    @Test
    void eachModelAtEachProviderIsMeasuredApart() {
        m.failed("a/model", "p");
        m.succeeded("a/model", "q", 100);
        m.succeeded("b/model", "p", 100);
        assertEquals(0.0, m.stats("a/model", "p").uptimeLast1d());
        assertEquals(100.0, m.stats("a/model", "q").uptimeLast1d());
        assertEquals(100.0, m.stats("b/model", "p").uptimeLast1d());
        assertNull(m.stats("a/model", "p").latencyLast30m(), "a failure has no latency");
    }

    @Test
    void histogramsOfTwoReplicasAddUpToTheHistogramOfAllTheirSamples() {
        var a = new EndpointMeasurements.LogHistogram();
        var b = new EndpointMeasurements.LogHistogram();
        var all = new EndpointMeasurements.LogHistogram();
        for (int i = 1; i <= 300; i++) {
            (i % 3 == 0 ? a : b).record(i * 7.0);
            all.record(i * 7.0);
        }
        a.add(b);
        assertEquals(all.percentiles(), a.percentiles());
    }

    private static void assertWithin(double exact, double measured) {
        assertEquals(exact, measured, exact * 0.025, "within 2.5% of " + exact);
    }
}
