package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;

/**
 * Child JVM for {@link PoolLockTest}: a virtual thread whose refill needs a span from the pool
 * while the main thread holds the pool lock for {@value #HOLD_MILLIS} ms.
 *
 * <ul>
 * <li>{@code spins} (run with a spin time far above the hold): the virtual thread keeps spinning
 *     on its carrier, its carrier's heap BUSY, and never waits in the lock's queue; it gets its
 *     block once the lock is free;</li>
 * <li>{@code parks} (run with the default or no spin): it waits in the queue (unmounted) within
 *     the hold, and still gets its block afterwards.</li>
 * </ul>
 * Prints {@code OK} and the scenario, or throws.
 */
public final class PoolLockChild {
    private PoolLockChild() {}

    static final long HOLD_MILLIS = 300;

    public static void main(String[] args) throws Exception {
        if (!Carriers.AVAILABLE) {
            throw new AssertionError("carriers not available: " + Carriers.UNAVAILABLE_REASON);
        }
        boolean spins = args[0].equals("spins");
        // the carrier heaps exist and have spans of the small classes; the block below is of a
        // class no heap has a span of yet, so its refill must go to the pool
        Thread.ofVirtual().start(() -> Hakmem.free(Hakmem.malloc(16))).join();
        int fresh = SizeClasses.size(SizeClasses.TINY_COUNT + 3);
        long[] got = new long[1];
        boolean queued = false;
        boolean busySeen = false;
        Thread v;
        PoolLock.lock();
        try {
            v = Thread.ofVirtual().name("V").start(() -> got[0] = Hakmem.malloc(fresh));
            long end = System.nanoTime() + HOLD_MILLIS * 1_000_000L;
            while (System.nanoTime() - end < 0) {
                queued |= PoolLock.hasQueuedThread(v);
                for (Heap h : Heaps.all()) {
                    busySeen |= !h.shared && !h.quiescent();
                }
                Thread.sleep(1);
            }
            if (spins && v.getState() != Thread.State.RUNNABLE) {
                throw new AssertionError("the virtual thread should be spinning, mounted, but is " + v.getState());
            }
        } finally {
            PoolLock.unlock();
        }
        v.join();
        if (got[0] == 0 || Hakmem.usableSize(got[0]) < fresh) {
            throw new AssertionError("no block of " + fresh + " B: " + got[0]);
        }
        Hakmem.free(got[0]);
        if (!busySeen) {
            throw new AssertionError("the virtual thread's carrier heap was never BUSY: did its refill reach the pool?");
        }
        if (queued == spins) {
            throw new AssertionError(spins ? "the virtual thread parked in the lock's queue although its spin outlasts the hold"
                    : "the virtual thread never parked in the lock's queue during a hold of " + HOLD_MILLIS + " ms");
        }
        System.out.println("OK " + args[0] + " queued=" + queued + " spinNanos=" + PoolLock.SPIN_NANOS);
    }
}
