package dev.hakmem.internal.pool;

import dev.hakmem.internal.Config;
import dev.hakmem.internal.tier.HugeTier;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongUnaryOperator;

/**
 * Gives idle memory back to the OS without any call from the user. One daemon thread,
 * {@code hakmem-decay}, started on first need, sleeps until the earliest deadline at which
 * something (large spans parked in thread heaps, free resident slots, kept spans, cached
 * SuperSlabs, cached huge mappings, tails of reused huge mappings) will have been idle for
 * {@code hakmem.decayMs} (default 1000 ms), purges what is due, and parks without a timeout when
 * nothing is left to purge: an idle heap costs no CPU.
 */
public final class Decay {
    private Decay() {}

    /** Idle time after which free memory is returned; {@code hakmem.decayMs}, 0 disables decay. */
    public static final long DECAY_NANOS = Math.max(0, Config.integer("decayMs", 1000)) * 1_000_000L;

    /** The thread heaps' part (large spans they keep parked): given now, returns its next deadline or 0. */
    private static volatile LongUnaryOperator heapDecay;

    /** Installs the thread heaps' part of the decay (set once, by the heap registry). */
    public static void setHeapDecay(LongUnaryOperator f) {
        heapDecay = f;
    }

    /** Earliest pending deadline (nanoTime), or {@link Long#MAX_VALUE} for none. */
    private static volatile long deadline = Long.MAX_VALUE;
    private static volatile Thread thread;

    /** Asks for a purge at {@code due} (nanoTime) or earlier. Cheap; called on cold paths. */
    public static void schedule(long due) {
        if (DECAY_NANOS == 0) {
            return;
        }
        Thread t = thread;
        if (t == null) {
            t = start();
        }
        long pending = deadline;
        if (pending != Long.MAX_VALUE && due - pending >= 0) {
            // an earlier wake-up is pending: it rescans everything (a scan takes the lock the
            // caller's structure is guarded by, so it sees what the caller just added)
            return;
        }
        synchronized (Decay.class) {
            long d = deadline;
            if (d == Long.MAX_VALUE || due - d < 0) {
                deadline = due;
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * Asks for a decay pass now unless one is pending: for memory whose idle time the pass itself
     * starts counting (spans parked in heaps), so the caller reads no clock. Cheap when a pass is
     * pending, as it is while memory is idle.
     */
    public static void wake() {
        if (deadline == Long.MAX_VALUE && DECAY_NANOS != 0) {
            schedule(System.nanoTime());
        }
    }

    /** The earlier of two deadlines (nanoTime), 0 standing for none. */
    public static long earlier(long a, long b) {
        return a == 0 || (b != 0 && b - a < 0) ? b : a;
    }

    /** Takes the deadline if it has passed. */
    private static synchronized boolean due(long now) {
        long d = deadline;
        if (d != Long.MAX_VALUE && d - now <= 0) {
            deadline = Long.MAX_VALUE;
            return true;
        }
        return false;
    }

    private static synchronized Thread start() {
        if (thread == null) {
            Thread t = Thread.ofPlatform().daemon().name("hakmem-decay").unstarted(Decay::run);
            thread = t;
            t.start();
        }
        return thread;
    }

    private static void run() {
        while (true) {
            long d = deadline;
            long now = System.nanoTime();
            if (d == Long.MAX_VALUE) {
                LockSupport.park(Decay.class);
            } else if (d - now > 0) {
                LockSupport.parkNanos(Decay.class, d - now);
            } else if (due(now)) {
                try {
                    LongUnaryOperator heaps = heapDecay;
                    // heaps first: the spans they hand over join the pool's idle memory below
                    long parked = heaps == null ? 0 : heaps.applyAsLong(now);
                    long next = earlier(earlier(parked, SlabPool.decay(now)), HugeTier.decay(now, DECAY_NANOS));
                    if (next != 0) {
                        schedule(next);
                    }
                } catch (Throwable e) {
                    // never let the decay thread die; what was not purged is purged by trim()
                    System.err.println("hakmem-decay: " + e);
                }
            }
        }
    }
}
