package dev.hakmem.internal.huge;

/**
 * The addresses of the last {@value #SIZE} huge blocks freed, newest at {@code next - 1}: an
 * address that is no live huge block but is in here was a huge block, freed and not handed out
 * again, so freeing it again is a double free ({@link IllegalStateException}) rather than an
 * unknown address. Written on every free (one store under a lock no fast path takes), read on
 * error paths only.
 */
final class FreedRing {
    private FreedRing() {}

    static final int SIZE = 4096;

    /** Guarded by itself. */
    private static final long[] RING = new long[SIZE];
    private static int next;

    /** Remembers that the block at {@code a} is being freed. */
    static void add(long a) {
        synchronized (RING) {
            RING[next] = a;
            next = (next + 1) & (SIZE - 1);
        }
    }

    /** Whether {@code a} is among the last {@value #SIZE} addresses freed ({@code a != 0}). */
    static boolean contains(long a) {
        assert a != 0;
        synchronized (RING) {
            for (long f : RING) {
                if (f == a) {
                    return true;
                }
            }
            return false;
        }
    }
}
