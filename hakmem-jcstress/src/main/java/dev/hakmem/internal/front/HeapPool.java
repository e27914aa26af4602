package dev.hakmem.internal.front;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Unheld {@link Heap}s for the claim tests (a heap is about 80 KB: jcstress makes thousands of
 * states, so they are recycled). A state takes one in its constructor and its arbiter, after every
 * actor is done, releases any claim left and puts it back; the queue orders the two.
 *
 * <p>The "heap state" the tests write while holding a heap are cells of its counter array
 * {@code ctr} that {@link Heap} itself never uses (k = 1, 6, 7 of class 0 in {@code ctr[c*8+k]}):
 * plain longs of the heap, like everything its holder touches.
 */
final class HeapPool {
    private HeapPool() {}

    /** Unused counter cells of class 0 (k = 1, 6, 7). */
    static final int A = 1;
    static final int B = 6;
    static final int C = 7;

    static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);

    private static final ConcurrentLinkedQueue<Heap> POOL = new ConcurrentLinkedQueue<>();

    static Heap get() {
        Heap h = POOL.poll();
        if (h == null) {
            h = new Heap(-1000, true);
        }
        h.ctr[A] = 0;
        h.ctr[B] = 0;
        h.ctr[C] = 0;
        return h;
    }

    /** Arbiter: drops a claim left by an actor and recycles the heap. */
    static void recycle(Heap h) {
        if (h.thread != null) {
            h.unclaim();
        }
        POOL.offer(h);
    }
}
