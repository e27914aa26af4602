package dev.hakmem.internal.os;

import dev.hakmem.internal.config.Config;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * When idle memory is due to go back to the OS: the decay time and the earliest pending
 * deadline. Every part of the allocator that holds free memory (spans parked in thread heaps,
 * the span pool, the huge-mapping cache) calls {@link #schedule} with the moment its oldest idle
 * memory will have waited {@link #DECAY_NANOS}; the one decay thread
 * ({@code dev.hakmem.internal.DecayThread}) waits in {@link #awaitDue()} until the earliest of
 * them, asks every source to give back what is due, and schedules the next deadline they report.
 *
 * <pre>
 * deadline:  NONE ---schedule(d)---&gt; d ---schedule(e &lt; d)---&gt; e ---awaitDue() at e---&gt; NONE
 *            (an earlier deadline replaces a later one; a later one is dropped, because the pass
 *             at the earlier one rescans every source and reports what is still pending)
 * </pre>
 *
 * Lock-free: {@link #schedule} is a compare-and-set on {@code deadline} and an unpark, so a
 * caller that holds a lock, or a virtual thread that holds a carrier's heap, never blocks here.
 * Deadlines are {@code System.nanoTime()} values compared by subtraction; {@link #NONE} (0) means
 * "no deadline" everywhere, and a computed deadline that happens to be 0 is moved to 1.
 */
public final class DecayClock {
    private DecayClock() {}

    /** Idle time after which free memory is returned; {@code hakmem.decayMs} (default 1000), 0 disables decay. */
    public static final long DECAY_NANOS = Math.max(0, Config.integer("decayMs", 1000)) * 1_000_000L;

    /** "No deadline". */
    public static final long NONE = 0;

    /** Earliest pending deadline, or {@link #NONE}. Written only by compare-and-set. */
    private static volatile long deadline = NONE;
    /** The thread waiting in {@link #awaitDue()}, once it has started. */
    private static volatile Thread waiter;

    private static final VarHandle DEADLINE;

    static {
        try {
            DEADLINE = MethodHandles.lookup().findStaticVarHandle(DecayClock.class, "deadline", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Whether memory decays at all ({@code hakmem.decayMs} is not 0). */
    public static boolean enabled() {
        return DECAY_NANOS != 0;
    }

    /** Asks for a decay pass at {@code due} (nanoTime) or earlier. Cheap and lock-free; cold paths only. */
    public static void schedule(long due) {
        if (DECAY_NANOS == 0) {
            return;
        }
        long d = due == NONE ? 1 : due;
        while (true) {
            long pending = (long) DEADLINE.getVolatile();
            if (pending != NONE && d - pending >= 0) {
                return; // an earlier pass is pending, and it rescans everything
            }
            if (DEADLINE.compareAndSet(pending, d)) {
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
                return;
            }
        }
    }

    /**
     * Asks for a pass now unless one is pending: for memory whose idle time the pass itself starts
     * counting (spans parked in thread heaps), so the caller reads no clock.
     */
    public static void wake() {
        if (DECAY_NANOS != 0 && (long) DEADLINE.getVolatile() == NONE) {
            schedule(System.nanoTime());
        }
    }

    /**
     * Asks for a pass a decay time from now unless one is pending: for memory whose idle time the
     * pass itself starts counting when it first sees it, freed often (cached huge mappings). Reads
     * the clock only when no pass is pending, so such memory waits one to two decay times.
     */
    public static void scheduleIfNone() {
        if (DECAY_NANOS != 0 && (long) DEADLINE.getVolatile() == NONE) {
            schedule(System.nanoTime() + DECAY_NANOS);
        }
    }

    /** The earlier of two deadlines, {@link #NONE} standing for none. */
    public static long earlier(long a, long b) {
        return a == NONE || (b != NONE && b - a < 0) ? b : a;
    }

    /** The deadline pending now, or {@link #NONE} (for tests and diagnostics). */
    public static long pending() {
        return (long) DEADLINE.getVolatile();
    }

    /**
     * For the decay thread only: waits (parked, without a timeout while no deadline is pending)
     * until the pending deadline has passed, takes it and returns the time now.
     */
    public static long awaitDue() {
        waiter = Thread.currentThread();
        while (true) {
            long d = (long) DEADLINE.getVolatile();
            long now = System.nanoTime();
            if (d == NONE) {
                LockSupport.park(DecayClock.class);
            } else if (d - now > 0) {
                LockSupport.parkNanos(DecayClock.class, d - now);
            } else if (DEADLINE.compareAndSet(d, NONE)) {
                return now;
            }
        }
    }
}
