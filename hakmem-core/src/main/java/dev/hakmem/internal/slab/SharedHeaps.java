package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;

import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Heaps for threads that own none: a small, fixed set of striped heaps (twice the number of cores
 * by default, {@code hakmem.sharedHeaps}, rounded up to a power of two). An operation claims a
 * stripe with one compare-and-set on its holder ({@link Heap#tryClaim}), starting at a stripe
 * picked from the thread id and moving on while stripes are held, and lets go when done. Memory
 * for them therefore grows with cores, not with threads.
 */
final class SharedHeaps {
    private SharedHeaps() {}

    static final int STRIPES = Integer.highestOneBit(
            Math.max(2, Config.integer("sharedHeaps", 2 * Runtime.getRuntime().availableProcessors())) * 2 - 1);
    private static final Heap[] STRIPE = new Heap[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) {
            STRIPE[i] = new Heap(-2 - i, true);
        }
    }

    /**
     * Claims a shared heap for {@code t}; pair with {@link Heap#unclaim()}. Tries every stripe in
     * turn; once all were held a few rounds running, it parks between rounds (1 us, doubling up to
     * 1 ms). Parking, not yielding: a holder may itself be parked (its refill waits for the pool's
     * lock), and virtual threads that only yield would keep the carriers busy while the virtual
     * thread the lock was handed to waits for one.
     */
    static Heap claim(Thread t) {
        int i = (int) (t.threadId() * 0x9E3779B9L >>> 16) & (STRIPES - 1);
        for (int round = 0; ; round++) {
            for (int k = 0; k < STRIPES; k++) {
                Heap h = STRIPE[i];
                if (h.tryClaim(t)) {
                    return h;
                }
                i = (i + 1) & (STRIPES - 1);
            }
            if (round < 4) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(1000L << Math.min(round - 4, 10));
            }
        }
    }

    /** Every shared heap. */
    static List<Heap> all() {
        return List.of(STRIPE);
    }
}
