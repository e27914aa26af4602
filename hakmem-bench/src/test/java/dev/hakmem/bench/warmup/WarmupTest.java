package dev.hakmem.bench.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The warm-up driver's loop (tiny, in this JVM) and the figures computed from its windows. */
class WarmupTest {

    @Test
    @Timeout(30)
    void measureCountsWholeSlicesPerWindow() {
        // no timing asserted: on a busy machine the first 100 ms may well all go to start-up
        for (String allocator : new String[] {"null", "hakmem", "glibc"}) {
            long[] ops = WarmupMain.measure(allocator, System.nanoTime(), 0.1, 10);
            assertEquals(10, ops.length, allocator);
            assertTrue(Arrays.stream(ops).allMatch(n -> n >= 0 && n % WarmupMain.SLICE == 0), Arrays.toString(ops));
        }
    }

    @Test
    void steadyStateIsTheMedianOfTheLastQuarter() {
        long[] ops = new long[200];
        for (int i = 0; i < ops.length; i++) {
            ops[i] = i < 100 ? i : 1000;
        }
        ops[180] = 0; // a pause does not move the median
        assertEquals(150, WarmupAnalysis.steadyFrom(200));
        assertEquals(1000, WarmupAnalysis.steadyOpsPerWindow(ops));
        assertEquals(1000 * 100.0, WarmupAnalysis.steadyOpsPerSec(ops, 10));
        // windows 0..99 ramp to 99 < 900; from 100 on at 1000: first w with median(w..w+4) >= 900 is 98
        // (98, 99, 1000, 1000, 1000 -> median 1000)
        assertEquals(98, WarmupAnalysis.firstWindowAt(ops, 1000, 0.9));
        assertEquals(990.0, WarmupAnalysis.timeTo90Ms(ops, 10));
    }

    @Test
    void aSingleFastWindowDoesNotCount() {
        long[] ops = new long[40];
        Arrays.fill(ops, 100);
        ops[3] = 5000;
        for (int i = 20; i < 40; i++) {
            ops[i] = 1000;
        }
        assertEquals(18, WarmupAnalysis.firstWindowAt(ops, 1000, 0.9));
        assertEquals(190.0, WarmupAnalysis.timeTo90Ms(ops, 10));
    }

    @Test
    void neverWarmAndWarmFromTheStart() {
        long[] flat = new long[20];
        Arrays.fill(flat, 500);
        assertEquals(10.0, WarmupAnalysis.timeTo90Ms(flat, 10));
        assertEquals(10.0, WarmupAnalysis.firstOpMs(flat, 10));
        assertTrue(Double.isNaN(WarmupAnalysis.firstOpMs(new long[20], 10)));
        assertEquals(0.0, WarmupAnalysis.warmupCostMs(flat, 10), 1e-9);
        assertTrue(Double.isNaN(WarmupAnalysis.timeTo90Ms(new long[20], 10)));
        long[] half = new long[20];
        for (int i = 10; i < 20; i++) {
            half[i] = 500;
        }
        assertEquals(100.0, WarmupAnalysis.warmupCostMs(half, 10), 1e-9);
        assertEquals(110.0, WarmupAnalysis.firstOpMs(half, 10));
    }

    @Test
    void medianCurveIsPerWindow() {
        long[] c = WarmupAnalysis.medianCurve(List.of(new long[] {1, 10, 5}, new long[] {3, 20, 5}, new long[] {2, 30, 6, 9}));
        assertEquals(List.of(2L, 20L, 5L), Arrays.stream(c).boxed().toList());
    }
}
