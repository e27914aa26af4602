package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Child JVM for {@link PoolLockTest}, run with one carrier
 * ({@code -Djdk.virtualThreadScheduler.parallelism=1}): a virtual thread V whose refill needs a
 * span from the pool while the main thread holds the pool lock for {@value #HOLD_MILLIS} ms; a
 * second virtual thread W is started {@value #OTHER_AFTER_MILLIS} ms into the hold and can only
 * run meanwhile if V has left the carrier.
 *
 * <ul>
 * <li>{@code spins} (run with a spin time far above the hold): V keeps spinning on its carrier,
 *     its carrier's heap BUSY, and never waits in the lock's queue; W does not run during the
 *     hold; V gets its block once the lock is free;</li>
 * <li>{@code yields} (no spin, a yield time far above the hold): the same, V yielding the CPU to
 *     the OS between tries ({@code sched_yield}) without leaving the carrier;</li>
 * <li>{@code parks} (run with the default or no spin and yield times): V waits in the queue
 *     (unmounted) within the hold, W runs on the carrier meanwhile, and V still gets its block
 *     afterwards.</li>
 * </ul>
 * Prints {@code OK}, the scenario and what it saw, or throws.
 */
public final class PoolLockChild {
    private PoolLockChild() {}

    static final long HOLD_MILLIS = 300;
    static final long OTHER_AFTER_MILLIS = 100;

    public static void main(String[] args) throws Exception {
        ChildChecks.requireCarriers();
        if (!"1".equals(System.getProperty("jdk.virtualThreadScheduler.parallelism"))) {
            throw new AssertionError("run with -Djdk.virtualThreadScheduler.parallelism=1");
        }
        boolean spins = !args[0].equals("parks"); // spins or yields: V stays on its carrier
        // the carrier heaps exist and have spans of the small classes; the block below is of a
        // class no heap has a span of yet, so its refill must go to the pool
        Thread.ofVirtual().start(() -> Hakmem.free(Hakmem.malloc(16))).join();
        int fresh = SizeClasses.size(SizeClasses.TINY_COUNT + 3);
        long[] got = new long[1];
        boolean queued = false;
        boolean busySeen = false;
        AtomicBoolean otherRan = new AtomicBoolean();
        boolean otherRanInHold;
        Thread v;
        Thread w = null;
        PoolLock.lock();
        try {
            v = Thread.ofVirtual().name("V").start(() -> got[0] = Hakmem.malloc(fresh));
            long t0 = System.nanoTime();
            long end = t0 + HOLD_MILLIS * 1_000_000L;
            while (System.nanoTime() - end < 0) {
                if (w == null && System.nanoTime() - t0 > OTHER_AFTER_MILLIS * 1_000_000L) {
                    w = Thread.ofVirtual().name("W").start(() -> otherRan.set(true));
                }
                queued |= PoolLock.hasQueuedThread(v);
                for (Heap h : Heaps.all()) {
                    busySeen |= !h.shared && !h.quiescent();
                }
                Thread.sleep(1);
            }
            if (spins && v.getState() != Thread.State.RUNNABLE) {
                throw new AssertionError("the virtual thread should be spinning, mounted, but is " + v.getState());
            }
            otherRanInHold = otherRan.get();
        } finally {
            PoolLock.unlock();
        }
        v.join();
        w.join();
        if (got[0] == 0 || Hakmem.usableSize(got[0]) < fresh) {
            throw new AssertionError("no block of " + fresh + " B: " + got[0]);
        }
        Hakmem.free(got[0]);
        if (!busySeen) {
            throw new AssertionError("the virtual thread's carrier heap was never BUSY: did its refill reach the pool?");
        }
        if (queued == spins) {
            throw new AssertionError(spins ? "the virtual thread parked in the lock's queue although its spin (or yield) time outlasts the hold"
                    : "the virtual thread never parked in the lock's queue during a hold of " + HOLD_MILLIS + " ms");
        }
        if (otherRanInHold == spins) {
            throw new AssertionError(spins ? "another virtual thread ran on the only carrier: the waiting one left it"
                    : "no other virtual thread ran on the only carrier while the waiting one was parked");
        }
        System.out.println("OK " + args[0] + " queued=" + queued + " otherRan=" + otherRanInHold
                + " spinNanos=" + PoolLock.SPIN_NANOS + " yieldNanos=" + PoolLock.YIELD_NANOS);
    }
}
