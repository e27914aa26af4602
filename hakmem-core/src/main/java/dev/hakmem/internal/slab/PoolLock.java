package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.Os;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock of the shared {@link SpanPool} (and of {@link Orphans}, {@link SpanCache} and
 * {@link SuperSlabCache}): a {@link ReentrantLock} that a thread first tries for a while,
 * spinning, before it waits in the lock's queue.
 *
 * <p>Why spin: a heap asks the pool for a span, or gives one back, inside its slow path, while its
 * owner word says BUSY ({@link Heap#enterSlow}). A virtual thread that waited in the queue would be
 * unmounted with its carrier's heap still BUSY; until it is scheduled again (after whatever the
 * carrier runs meanwhile, often milliseconds) every other virtual thread on that carrier misses
 * the carrier's heap: its allocations claim a shared heap, its frees go out as remote frees counted
 * in the shared counters. {@code xmalloc 2 4 64 vt} made 38-67 million such frees in 4 s (of about
 * 100 million) with the plain lock. The pool's critical sections are short (list operations, a
 * span's formatting or clearing, at worst an {@code mmap} or {@code madvise}) and never park, so a
 * holder is running and lets go within microseconds: spinning for {@link #SPIN_NANOS} gets the lock
 * nearly always without leaving the carrier. The spin is measured on the clock, so a safepoint or
 * a GC pause while it spins counts too: 200 µs rather than 50 (xmalloc 2 pairs vt ran 56 Mops/s
 * with 200 or 500 µs against 51 with 50 µs, 15 runs each; the other threaded cases the same).
 *
 * <p>Past that the holder is most likely a thread the OS has descheduled (two producers on two
 * cores share them with the JIT, the GC and the decay thread). A platform thread then waits in the
 * queue. A virtual thread would leave its carrier there, and its carrier's heap BUSY: with the
 * spin alone {@code xmalloc 2 4 64 vt} still made 5.4 million of 195 million frees on a carrier
 * whose heap a producer parked here had left BUSY. So a virtual thread keeps trying for
 * {@link #YIELD_NANOS} more, calling {@code sched_yield()} between tries: a native call, so it
 * stays mounted and no other virtual thread can run on its carrier (and find the heap BUSY), while
 * the OS may run the descheduled holder on its CPU. Only past that (a test holding the lock on
 * purpose, a very long purge) does it wait in the queue.
 *
 * <pre>
 * lock():  tryLock()? done
 *          spin (onSpinWait), tryLock() again; the clock read every 64 spins
 *          SPIN_NANOS passed, a virtual thread: sched_yield(), tryLock() again, for YIELD_NANOS
 *          then LOCK.lock() (queue, park)
 * </pre>
 */
final class PoolLock {
    private PoolLock() {}

    /**
     * How long a thread spins for the pool lock before a virtual thread yields ({@link #YIELD_NANOS})
     * and a platform thread parks: {@code hakmem.poolSpinNanos}, default 200 µs; 0: no spin.
     */
    static final long SPIN_NANOS = Math.max(0, Config.integer("poolSpinNanos", 200_000));

    /**
     * How long a virtual thread then keeps trying, yielding its carrier's CPU to the OS between
     * tries without leaving the carrier, before it parks: {@code hakmem.poolYieldNanos}, default 10 ms.
     */
    static final long YIELD_NANOS = Math.max(0, Config.integer("poolYieldNanos", 10_000_000));

    private static final ReentrantLock LOCK = new ReentrantLock();

    /** Takes the pool lock (reentrant), spinning first. */
    static void lock() {
        if (!LOCK.tryLock()) {
            lockContended();
        }
    }

    private static void lockContended() {
        if (SPIN_NANOS > 0) {
            long start = System.nanoTime();
            int spins = 0;
            do {
                Thread.onSpinWait();
                if (!LOCK.isLocked() && LOCK.tryLock()) {
                    return;
                }
            } while ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS);
        }
        if (YIELD_NANOS > 0 && Thread.currentThread().isVirtual()) {
            long start = System.nanoTime();
            do {
                Os.schedYield();
                if (!LOCK.isLocked() && LOCK.tryLock()) {
                    return;
                }
            } while (System.nanoTime() - start < YIELD_NANOS);
        }
        LOCK.lock();
    }

    static void unlock() {
        LOCK.unlock();
    }

    static boolean isHeldByCurrentThread() {
        return LOCK.isHeldByCurrentThread();
    }

    /** Whether {@code t} waits in the lock's queue (tests). */
    static boolean hasQueuedThread(Thread t) {
        return LOCK.hasQueuedThread(t);
    }
}
