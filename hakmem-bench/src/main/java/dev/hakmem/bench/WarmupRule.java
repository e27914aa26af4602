package dev.hakmem.bench;

/**
 * When a JVM's warm-up runs may end, for {@link DriverMain}: after at least {@code minRuns} runs
 * and {@code minNanos} of warm-up, and once the last two runs agree, their throughputs within
 * {@link #SETTLED} of the faster one, and the last is within {@link #SETTLED} of the best warm-up
 * run so far; at most {@link #MAX_EXTRA} runs from the one that meets the first two rules, and
 * none that would start {@link #MAX_EXTRA_NANOS} after the warm-up began.
 *
 * <p>Why the last rule: with 64 busy platform threads on 2 cores (the {@code requests} driver) the
 * JIT's compiler threads get a sliver of the CPU, and a method deoptimised at the start of a run
 * stays interpreted for most of it: single runs at 4-18 Mops/s among runs at 100-150, in the
 * first measured run of a JVM more often than not, for every allocator alike (threads suite at
 * 4bff444: 3 of hakmem's 9 runs, 1-2 of each peer's). A run that agrees with the one before it
 * is past such a transient; a driver that is steady from the start pays one run at most. The
 * best run so far guards against two runs that agree inside a transient: glibc-simple's JVMs
 * recompile about a second in, and the runs right then ran at 105-127 Mops/s against 180-185
 * before and after (a fresh-clone {@code ./hakmem bench}, one JVM per cell).
 *
 * <p>Why the time bound on the extra runs ({@link #MAX_EXTRA_NANOS}): a run's wall time includes
 * what the driver does untimed. xmalloc on jdk-arena closes the 409,600 shared arenas left in its
 * stack after each one-second run, about 25 s of thread handshakes on the 2-vCPU machine, and its
 * runs (47-65 us per operation) never agree within 20 %: eight extra runs took its JVM past the
 * launcher's 300 s limit, and the README's {@code ./hakmem bench} failed (stop 58).
 */
final class WarmupRule {

    /** How close two runs' throughputs must be: 20 % of the faster one. */
    static final double SETTLED = 0.20;
    /** Runs at most from the one that meets the minimum runs and time, waiting for two runs to agree. */
    static final int MAX_EXTRA = 8;
    /**
     * No extra run starts once the warm-up has lasted this long (20 s): the JIT is warm by then, and
     * runs that still disagree are the driver's or the host's spread, not a transient.
     */
    static final long MAX_EXTRA_NANOS = 20_000_000_000L;

    private final int minRuns;
    private final long startNanos;
    private final long endNanos;
    private int runs;
    private int extra;
    private double previous = Double.NaN;
    private double last = Double.NaN;
    private double best;

    /**
     * @param minRuns  warm-up runs at least; 0: no warm-up at all
     * @param minNanos warm-up time at least (when {@code minRuns > 0})
     * @param start    {@link System#nanoTime()} at the start of the warm-up
     */
    WarmupRule(int minRuns, long minNanos, long start) {
        this.minRuns = minRuns;
        this.startNanos = start;
        this.endNanos = start + minNanos;
    }

    /** Records a warm-up run's throughput. */
    void record(double opsPerSec, long now) {
        runs++;
        if (runs >= minRuns && now - endNanos >= 0) {
            extra++;
        }
        previous = last;
        last = opsPerSec;
        best = Math.max(best, opsPerSec);
    }

    /** Whether another warm-up run is due at {@code now}. */
    boolean needsMore(long now) {
        if (minRuns == 0) {
            return false;
        }
        if (runs < minRuns || now - endNanos < 0) {
            return true;
        }
        return !settled() && extra < MAX_EXTRA && now - startNanos < MAX_EXTRA_NANOS;
    }

    /** Whether the last two runs agree, and the last one with the best so far. */
    boolean settled() {
        double hi = Math.max(previous, last);
        return runs >= 2 && Math.abs(previous - last) <= SETTLED * hi && best - last <= SETTLED * best;
    }
}
