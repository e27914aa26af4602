package dev.hakmem.internal.huge;

/**
 * The addresses of the last {@value #SIZE} huge blocks freed, newest at {@code next - 1}: an
 * address that is no live huge block but is in here was a huge block, freed and not handed out
 * again, so freeing it again is a double free ({@link IllegalStateException}) rather than an
 * unknown address. Written on every free (one store), read on error paths only; guarded by
 * {@link HugeTier#LOCK}, under which the block leaves {@link HugeBlocks} in the same step.
 */
final class FreedRing {
    private FreedRing() {}

    static final int SIZE = 4096;

    private static final long[] RING = new long[SIZE];
    private static int next;

    /** Remembers that the block at {@code a} is being freed. */
    static void add(long a) {
        assert Thread.holdsLock(HugeTier.LOCK);
        RING[next] = a;
        next = (next + 1) & (SIZE - 1);
    }

    /** Whether {@code a} is among the last {@value #SIZE} addresses freed ({@code a != 0}). */
    static boolean contains(long a) {
        assert a != 0 && Thread.holdsLock(HugeTier.LOCK);
        for (long f : RING) {
            if (f == a) {
                return true;
            }
        }
        return false;
    }
}
