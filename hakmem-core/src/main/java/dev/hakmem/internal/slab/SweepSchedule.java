package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.DecayClock;
import dev.hakmem.internal.os.MemoryBudget;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * When a heap gives back the free pages of its spans on its own, between the decay thread's
 * requests: one heap's record of what went back into its spans since its last sweep. Holder only.
 *
 * <pre>
 *   flush / collect: blocks back into spans   freed(c, bytes)    per class, and their sum
 *   refill: blocks taken out of spans         taken(c, bytes)    the class's count goes down, never below 0
 *   after a flush or collect                  due()              sum &gt;= threshold = max(growthSweepBytes,
 *                                                                  mapped / 8), and not held back by the gap
 *   before a refill takes a new span          dueBeforeGrowth()  sum &gt;= growthSweepBytes, at most once per gap
 *                                                                  below the threshold of due()
 *   Heap.sweep: the pages go back             reset(), gave(b)
 * </pre>
 *
 * Per class, because a refill of one class cannot take the pages another class freed: with one
 * sum, a wholesale free of mid blocks followed by large blocks refilling the holes of earlier
 * large frees left the sum near 0 while the freed mid pages stayed resident. A churn that takes
 * back what it frees (blocks of 64 KiB - 2 MiB freed and allocated at random; a producer
 * collecting its consumers' frees) keeps each count low, where a plain sum of the frees reached
 * the threshold every few dozen operations and gave back pages taken again a moment later.
 */
final class SweepSchedule {
    /** {@code hakmem.growthSweepBytes} (default 1 MiB, 0: never): the least drop that makes a sweep. */
    static final long GROWTH_SWEEP_BYTES = Math.max(0, Config.size("growthSweepBytes", 1L << 20));

    /**
     * Least time between two sweeps of a heap on its own after one that gave back little: a
     * fortieth of the decay time (25 ms by default), at least 10 ms. Long enough that a churn of
     * large blocks at random sizes sweeps a few dozen times a second, not before most new spans;
     * short enough that a program whose phases last a few hundred milliseconds sweeps several
     * times in each (an eighth, 125 ms, let frag-phases' phases of about 250 ms on a fast machine
     * peak with the last phase's freed pages still resident: docs/results/memory, stop 52).
     */
    static final long GAP = Math.max(10_000_000L, DecayClock.DECAY_NANOS / 40);

    /** {@link #due()} calls that return at once after the gap held a sweep back (see {@link #checksToSkip}). */
    private static final int CHECKS_SKIPPED = 64;

    private static final LongAdder SWEEPS = new LongAdder();

    /**
     * Per class, bytes of blocks that went back into the class's spans (not the magazine) since
     * the last sweep, less the bytes refills of that class took out of its spans since, never
     * below 0: how far what the class's spans hand out has dropped since the last sweep.
     */
    private final long[] freedByClass = new long[SizeClasses.COUNT];
    /** The sum of {@link #freedByClass}, kept beside it so that the check after every flush is one compare. */
    private long freed;
    /**
     * Like {@link #freed}, but counted since the last sweep that gave back every free page
     * ({@link #gaveBackAll}): a periodic sweep gives back only pages free at two sweeps, so a
     * heap that went quiet after one still holds what this counts. Read by the decay thread.
     */
    private long sinceGiveBack;
    /** {@link #sinceGiveBack}, read by the decay thread ({@link #sinceGiveBackOpaque}). */
    private static final VarHandle SINCE_GIVE_BACK;

    static {
        try {
            SINCE_GIVE_BACK = MethodHandles.lookup().findVarHandle(SweepSchedule.class, "sinceGiveBack", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The decay thread nudges a running heap to its slow path only when this many bytes went back
     * into its spans since its last sweep ({@code hakmem.nudgeBytes}, default 1 MiB; see
     * {@link Heap#nudge}): a loop that churns in its magazines has nothing there to give back, and
     * a sweep would only take pages it uses again.
     */
    static final long NUDGE_BYTES = Math.max(0, Config.size("nudgeBytes", 1L << 20));
    /** When the heap last swept on its own (nanoTime), 0 if never. */
    private long lastSweep;
    /** The threshold that sweep was due at. */
    private long lastThreshold;
    /** Whether that sweep gave back at least a quarter of its threshold. */
    private boolean lastGaveMuch;
    /** Bytes refills took out of the heap's spans since its last sweep (any sweep). */
    private long takenSinceSweep;
    /**
     * Calls of {@link #due()} that return at once, after the gap held a sweep back: the clock costs
     * about 20 ns, and under a churn of large blocks (one flush every few operations) the threshold
     * stays reached for the whole gap; reading it on every flush cost that churn 10 %.
     */
    private int checksToSkip;

    /** Java-heap bytes of one instance and its array (for the metadata estimate). */
    static long footprint() {
        return 56 + 16 + 8L * SizeClasses.COUNT;
    }

    /** Counts {@code bytes} of class {@code c} given back into its spans. */
    void freed(int c, long bytes) {
        freedByClass[c] += bytes;
        freed += bytes;
        sinceGiveBack += bytes;
    }

    /** Counts {@code bytes} of class {@code c} a refill took out of its spans. */
    void taken(int c, long bytes) {
        takenSinceSweep += bytes;
        long f = freedByClass[c];
        if (f != 0) {
            long t = Math.min(f, bytes);
            freedByClass[c] = f - t;
            freed -= t;
            // sinceGiveBack >= freed >= t: both grow together, and whatever zeroes sinceGiveBack
            // (gaveBackAll) is followed by reset(), which zeroes freed and every class's count
            assert sinceGiveBack >= t : "since give-back " + sinceGiveBack + " < taken " + t;
            sinceGiveBack -= t;
        }
    }

    /**
     * Decay thread: {@link #sinceGiveBack} as the holder last wrote it (an opaque read of the holder's plain
     * writes: a figure some operations old, enough to decide on a nudge).
     */
    long sinceGiveBackOpaque() {
        return (long) SINCE_GIVE_BACK.getOpaque(this);
    }

    /** A sweep gave back every free page of the heap's spans. */
    void gaveBackAll() {
        sinceGiveBack = 0;
    }

    /** A sweep of every free page (on the heap's own or the decay thread's request) starts the count again. */
    void reset() {
        freed = 0;
        takenSinceSweep = 0;
        Arrays.fill(freedByClass, 0);
    }

    /**
     * How much must have gone back into a heap's spans before it sweeps: {@link #GROWTH_SWEEP_BYTES},
     * or an eighth of what hakmem has mapped if that is more. A fixed 1 MiB made a heap that
     * collects remote frees while it grows (producers in a producer/consumer churn) sweep before
     * nearly every new span, giving back pages it took again a moment later: a third of the
     * throughput went to madvise, page faults and TLB shootdowns. An eighth still catches a
     * wholesale free, the case the sweep is for.
     */
    private static long threshold() {
        return Math.max(GROWTH_SWEEP_BYTES, MemoryBudget.mapped() >>> 3);
    }

    /**
     * Whether the heap sweeps now: at least {@link #threshold()} went back into its spans since the
     * last sweep and not into their refills. Asked after a flush or a collect gave blocks back (a
     * wholesale free goes back while it happens, not a decay time later: a program that frees a
     * phase's blocks and goes on to other sizes at once would otherwise grow first) and before a
     * refill takes a new span. Cold: reads the clock only once the threshold is reached. True
     * counts the sweep; the caller sweeps and reports what it gave ({@link #gave}).
     *
     * <p>Two sweeps are at least {@link #GAP} apart: a churn of large blocks at random sizes
     * (64 KiB - 2 MiB) swings what the heap's spans hold by more than the threshold every few
     * hundred operations while the pages freed are taken again a moment later (about 550 madvise
     * calls per million operations, a sixth of the run, before the gap). But during a wholesale
     * free the next may follow at once: when the last sweep gave back a quarter of its threshold
     * or more and refills have taken less than a quarter of it out of the heap's spans since. A
     * churn of one large size swings as far, and its sweeps give back as much, but it takes its
     * blocks back in between (until stop 56 the first condition alone let it sweep every few
     * hundred operations: the bench driver large-churn at 200,000 B, 64 blocks live at most, 5.0
     * us per operation against 3.3 now, and 285 thousand page faults against 32 thousand).
     */
    boolean due() {
        return enoughFreed() && due(threshold(), false);
    }

    /**
     * {@link #due()} right before a refill takes a new span from the pool, with the threshold at
     * {@link #GROWTH_SWEEP_BYTES} alone: the heap is about to grow while pages of its spans lie
     * free. The refilled class has none of them (its refill took its spans' free blocks first), so
     * they are other classes' and this class cannot use them; left for the decay thread's passes
     * (a decay time or two), memory freed by one phase of a program stays resident beside the
     * next phase's, and how much of it depends on how fast that phase runs. A churn that frees
     * and takes the same classes (a producer collecting its consumers' frees) takes new spans
     * with nothing much freed elsewhere; below the {@link #threshold()} of {@link #due()} these
     * sweeps come at most once per {@link #GAP} (a churn of large blocks at random sizes would
     * otherwise sweep on most of its new spans, each sweep giving back pages taken again soon).
     */
    boolean dueBeforeGrowth() {
        if (!enoughFreed()) {
            return false;
        }
        long threshold = threshold();
        return freed >= threshold ? due(threshold, false) : due(GROWTH_SWEEP_BYTES, true);
    }

    /**
     * The check before either threshold, on every flush: one field and a constant, so the shared
     * count of mapped bytes ({@link #threshold()}) is read only once 1 MiB came back.
     */
    private boolean enoughFreed() {
        return GROWTH_SWEEP_BYTES != 0 && freed >= GROWTH_SWEEP_BYTES;
    }

    /** {@link #due()} at {@code threshold}; {@code spaced}: at most once per {@link #GAP}, however much the last one gave. */
    private boolean due(long threshold, boolean spaced) {
        if (freed < threshold) {
            return false;
        }
        if (checksToSkip > 0) {
            checksToSkip--;
            return false;
        }
        long now = System.nanoTime();
        boolean wholesale = lastGaveMuch && takenSinceSweep < lastThreshold >>> 2;
        if ((spaced || !wholesale) && lastSweep != 0 && now - lastSweep < GAP) {
            checksToSkip = CHECKS_SKIPPED;
            return false;
        }
        lastSweep = now;
        lastThreshold = threshold;
        SWEEPS.increment();
        return true;
    }

    /** The sweep {@link #due()} allowed gave back {@code bytes}. */
    void gave(long bytes) {
        lastGaveMuch = bytes >= lastThreshold >>> 2;
    }

    /** Sweeps of heaps on their own so far, all heaps (for tests and diagnostics). */
    static long sweeps() {
        return SWEEPS.sum();
    }
}
