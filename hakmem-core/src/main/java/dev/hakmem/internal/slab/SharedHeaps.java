package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;

import java.util.List;

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

    /** Claims a shared heap for {@code t}; pair with {@link Heap#unclaim()}. */
    static Heap claim(Thread t) {
        int i = (int) (t.threadId() * 0x9E3779B9L >>> 16) & (STRIPES - 1);
        for (int spins = 0; ; spins++) {
            Heap h = STRIPE[i];
            if (h.tryClaim(t)) {
                return h;
            }
            i = (i + 1) & (STRIPES - 1);
            if ((spins & (STRIPES - 1)) == STRIPES - 1) {
                Thread.yield();
            }
        }
    }

    /** Every shared heap. */
    static List<Heap> all() {
        return List.of(STRIPE);
    }
}
