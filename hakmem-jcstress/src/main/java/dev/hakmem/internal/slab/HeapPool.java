package dev.hakmem.internal.slab;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Unheld {@link Heap}s for the claim tests (a heap is about 80 KB: jcstress makes thousands of
 * states, so they are recycled). A state takes one in its constructor and its arbiter, after every
 * actor is done, releases any claim left and puts it back; the queue orders the two.
 */
final class HeapPool {
    private HeapPool() {}

    private static final ConcurrentLinkedQueue<Heap> POOL = new ConcurrentLinkedQueue<>();

    static Heap get() {
        Heap h = POOL.poll();
        return h != null ? h : new Heap(-1000, true);
    }

    /** Arbiter: recycles the heap; every actor must have let go of it. */
    static void recycle(Heap h) {
        if (h.holder() != null) {
            throw new IllegalStateException("a claim was left behind on " + h);
        }
        POOL.offer(h);
    }
}
