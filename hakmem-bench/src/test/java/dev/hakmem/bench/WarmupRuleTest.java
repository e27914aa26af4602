package dev.hakmem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link WarmupRule}: minimum runs, minimum time, then two runs that agree, bounded. */
class WarmupRuleTest {

    private static final long MS = 1_000_000L;

    /** Feeds {@code rates}, one run per {@code runMs}, while the rule asks for more; returns how many ran. */
    private static int warmups(int minRuns, long minMs, long runMs, double... rates) {
        long now = 0;
        WarmupRule rule = new WarmupRule(minRuns, minMs * MS, now);
        int n = 0;
        while (rule.needsMore(now)) {
            now += runMs * MS;
            rule.record(rates[Math.min(n, rates.length - 1)], now);
            n++;
        }
        return n;
    }

    @Test
    void noWarmupWhenNoRunsAreAskedFor() {
        assertEquals(0, warmups(0, 1000, 1000, 100));
    }

    @Test
    void aSteadyLongRunNeedsOneMoreRunToAgreeWith() {
        assertEquals(2, warmups(1, 1000, 1000, 100, 110));
    }

    @Test
    void shortRunsWarmUpForTheMinimumTimeAndStopOnceTwoAgree() {
        // 10 runs fill the 1000 ms; the last two of them agree already
        assertEquals(10, warmups(1, 1000, 100, 10, 50, 90, 100, 100, 100, 100, 100, 100, 100, 100));
        // they still disagree at 1000 ms: on until they agree
        assertEquals(12, warmups(1, 1000, 100, 10, 20, 30, 40, 50, 60, 70, 80, 90, 30, 100, 101));
    }

    @Test
    void aColdRunKeepsTheWarmupGoingUntilTwoRunsAgree() {
        // the requests driver's pattern: slow first run, a deoptimised (interpreted) one, then steady
        assertEquals(4, warmups(1, 1000, 1000, 42, 6, 134, 150));
    }

    @Test
    void twoRunsThatAgreeInsideADipAreNotTheEnd() {
        // glibc-simple's pattern: steady, then a recompilation about a second in, then steady again
        assertEquals(7, warmups(1, 1000, 250, 180, 182, 185, 105, 113, 178, 181));
    }

    @Test
    void runsThatNeverAgreeStopAfterTheBound() {
        double[] alternating = new double[40];
        for (int i = 0; i < alternating.length; i++) {
            alternating[i] = i % 2 == 0 ? 10 : 100;
        }
        assertEquals(WarmupRule.MAX_EXTRA, warmups(1, 1000, 1000, alternating));
    }

    @Test
    void runsThatNeverAgreeStopOnceTheWarmupLastedItsBound() {
        // xmalloc on jdk-arena: each run's untimed clean-up makes it 26 s long, and runs never agree
        double[] alternating = {10, 100, 10, 100, 10, 100, 10, 100, 10, 100};
        assertEquals(1, warmups(1, 1000, 26_000, alternating), "a first run past 20 s is the whole warm-up");
        // runs of 7 s: the extra ones that start before 20 s have passed, then no more
        assertEquals(3, warmups(1, 1000, 7_000, alternating));
    }

    @Test
    void settledComparesWithTheFasterRun() {
        WarmupRule r = new WarmupRule(1, 0, 0);
        r.record(100, 1);
        assertFalse(r.settled(), "one run agrees with nothing");
        r.record(80, 2);
        assertTrue(r.settled(), "80 is within 20 % of 100");
        r.record(63, 3);
        assertFalse(r.settled(), "63 is not within 20 % of 80");
        r.record(70, 4);
        assertFalse(r.settled(), "70 agrees with 63 but is not within 20 % of the best, 100");
        r.record(85, 5);
        assertTrue(r.settled(), "85 is within 20 % of 70 and of 100");
    }
}
