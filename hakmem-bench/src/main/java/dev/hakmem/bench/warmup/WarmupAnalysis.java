package dev.hakmem.bench.warmup;

import dev.hakmem.bench.report.Median;
import java.util.Arrays;
import java.util.List;

/**
 * What the warm-up figures mean, as plain functions of one JVM's operations per window.
 *
 * <ul>
 * <li><b>Steady state</b>: the median throughput of the windows in the last quarter of the run
 *     (for the default 2 s run: the windows starting at 1.5 s up to 2.0 s). The median, not the
 *     mean, so that a GC pause or a deoptimisation in one window does not move it.</li>
 * <li><b>Time to 90 %</b>: the end of the first window {@code w} such that the median of windows
 *     {@code w .. w+4} (50 ms at 10 ms windows) is at least 90 % of the steady state; i.e. from
 *     then on the JVM runs at 90 % of its final speed, and a single lucky window does not count.
 *     Measured from {@code t0} (the start of the measurement); adding the JVM's uptime at
 *     {@code t0} gives the time from JVM start.</li>
 * <li><b>First operation</b>: the end of the first window with any operation counted: the
 *     allocator's start-up (class loading, FFM linking, its own initialisation) and the first
 *     {@value WarmupMain#SLICE} operations in the interpreter, before any JIT compilation matters.</li>
 * <li><b>Warm-up cost</b>: {@code T - ops(T) / steady}, the time the run lost against one that ran
 *     at the steady-state rate from {@code t0}.</li>
 * </ul>
 */
public final class WarmupAnalysis {

    /** Windows whose median must reach the threshold. */
    public static final int SPAN = 5;
    /** The fraction of the steady state that counts as warmed up. */
    public static final double THRESHOLD = 0.9;

    private WarmupAnalysis() {}

    /** Index of the first window of the steady-state part: the last quarter of {@code windows}. */
    public static int steadyFrom(int windows) {
        return Math.min(windows - 1, (int) Math.ceil(windows * 0.75 - 1e-9));
    }

    /** Steady-state operations per window: the median of the last quarter's windows. */
    public static double steadyOpsPerWindow(long[] ops) {
        int from = steadyFrom(ops.length);
        double[] v = new double[ops.length - from];
        for (int i = from; i < ops.length; i++) {
            v[i - from] = ops[i];
        }
        return Median.of(v);
    }

    /**
     * The first window {@code w} whose run of {@link #SPAN} windows has a median of at least
     * {@code fraction} x {@code steady}, or -1 if none does.
     */
    public static int firstWindowAt(long[] ops, double steady, double fraction) {
        if (!(steady > 0)) {
            return -1;
        }
        int span = Math.min(SPAN, ops.length);
        double[] v = new double[span];
        for (int w = 0; w + span <= ops.length; w++) {
            for (int k = 0; k < span; k++) {
                v[k] = ops[w + k];
            }
            if (Median.of(v) >= fraction * steady) {
                return w;
            }
        }
        return -1;
    }

    /**
     * Milliseconds from {@code t0} to the end of the first window at 90 % of the steady state,
     * or NaN if it never got there.
     */
    public static double timeTo90Ms(long[] ops, int windowMs) {
        int w = firstWindowAt(ops, steadyOpsPerWindow(ops), THRESHOLD);
        return w < 0 ? Double.NaN : (w + 1) * (double) windowMs;
    }

    /** Milliseconds from {@code t0} to the end of the first window with any operations, or NaN if none. */
    public static double firstOpMs(long[] ops, int windowMs) {
        for (int w = 0; w < ops.length; w++) {
            if (ops[w] > 0) {
                return (w + 1) * (double) windowMs;
            }
        }
        return Double.NaN;
    }

    /** Steady-state throughput, operations per second. */
    public static double steadyOpsPerSec(long[] ops, int windowMs) {
        return steadyOpsPerWindow(ops) * 1000.0 / windowMs;
    }

    /** Milliseconds lost against running at the steady-state rate from {@code t0}. */
    public static double warmupCostMs(long[] ops, int windowMs) {
        double steady = steadyOpsPerWindow(ops);
        if (!(steady > 0)) {
            return Double.NaN;
        }
        long total = Arrays.stream(ops).sum();
        return ops.length * (double) windowMs - total / steady * windowMs;
    }

    /** The window-by-window median over several JVMs' runs (all of the same length). */
    public static long[] medianCurve(List<long[]> runs) {
        int n = runs.stream().mapToInt(r -> r.length).min().orElse(0);
        long[] out = new long[n];
        double[] v = new double[runs.size()];
        for (int w = 0; w < n; w++) {
            for (int r = 0; r < runs.size(); r++) {
                v[r] = runs.get(r)[w];
            }
            out[w] = Math.round(Median.of(v));
        }
        return out;
    }
}
