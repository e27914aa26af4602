package dev.hakmem.internal.remote;

import dev.hakmem.internal.slab.Slab;
import dev.hakmem.internal.slab.SlabOwner;
import dev.hakmem.internal.slab.SuperSlab;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Cross-thread frees. A thread that frees a block of a span it does not own marks the block in
 * the SuperSlab's REMOTE bitmap with one atomic OR; the owner collects marked blocks in
 * batches on its slow path. No lock, no allocation, no write to the block itself.
 *
 * <h2>Protocol</h2>
 * <pre>
 * remote freer (any thread)                     owner (collect, on its slow path)
 * 1 a = LIVE[w] (opaque)                        1 if slab.remotePending: set it to 0 (getAndSet)
 *   bit clear -&gt; IllegalStateException          2 for each word w of the span with REMOTE[w] != 0:
 * 2 old = REMOTE[w].getAndOr(m)                      q = REMOTE[w].getAndSet(0)
 *   bit already set -&gt; IllegalStateException         live = q &amp; LIVE[w]     (others: stale)
 * 3 if old == 0 and slab.remotePending == 0:         LIVE[w] &amp;= ~live; give each block back
 *     slab.remotePending = 1
 *     if owner.remoteHint == 0: owner.remoteHint = 1
 * </pre>
 * All flag accesses are volatile, so in their single total order every set bit is seen by a
 * collect that follows a flag observed as 1: the first freer into an empty word after a collect
 * raises the flags, later freers into the same word ride on that, and a collect that already
 * passed a word leaves it empty so the next freer raises the flags again.
 * Double frees are caught in both steps; a double free racing with the owner's collect of the
 * same block is caught on a best-effort basis only (the owner drops marks on blocks not live).
 */
public final class RemoteFree {
    private RemoteFree() {}

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Outcome of {@link #push}: 0 = queued. */
    public static final int OK = 0;
    public static final int NOT_LIVE = 1;
    public static final int ALREADY_QUEUED = 2;

    /**
     * Queues block {@code a} of span {@code s} (a validated block start) for its owner.
     *
     * @return {@link #OK}, or why the block cannot be freed (the caller throws)
     */
    public static int push(SuperSlab ss, Slab s, long a) {
        int w = SuperSlab.word(a);
        long m = SuperSlab.bit(a);
        long[] bits = ss.bits;
        if (((long) LONGS.getOpaque(bits, w) & m) == 0) {
            return NOT_LIVE;
        }
        long old = (long) LONGS.getAndBitwiseOr(bits, w + 1, m);
        if ((old & m) != 0) {
            return ALREADY_QUEUED;
        }
        if (old == 0 && s.remotePending == 0) {
            s.remotePending = 1;
            SlabOwner o = s.owner;
            if (o != null && o.remoteHint == 0) {
                o.remoteHint = 1;
            }
        }
        return OK;
    }

    /** Whether block {@code a} is queued as a remote free and not yet collected. */
    public static boolean isQueued(SuperSlab ss, long a) {
        return ((long) LONGS.getOpaque(ss.bits, SuperSlab.word(a) + 1) & SuperSlab.bit(a)) != 0;
    }

    /**
     * Owner only: takes every remote free queued on span {@code s} and gives the blocks back to
     * the span. Call after {@link Slab#claimPending()} returned true.
     *
     * @return blocks collected
     */
    public static int collect(Slab s) {
        SuperSlab ss = s.ss;
        long[] bits = ss.bits;
        int n = 0;
        for (int w = 2 * s.firstWord, end = 2 * (s.firstWord + s.words); w < end; w += 2) {
            if ((long) LONGS.getOpaque(bits, w + 1) == 0) {
                continue;
            }
            long queued = (long) LONGS.getAndSet(bits, w + 1, 0L);
            long live = queued & bits[w];
            bits[w] &= ~live;
            while (live != 0) {
                int b = Long.numberOfTrailingZeros(live);
                live &= live - 1;
                s.give(ss.base + ((((long) w >>> 1) << 6) + b << 3));
                n++;
            }
        }
        return n;
    }

    /** Clears both bitmaps over a span's word pairs (the pool, when formatting a span). */
    public static void clear(SuperSlab ss, int firstWord, int words) {
        for (int w = 2 * firstWord, end = 2 * (firstWord + words); w < end; w += 2) {
            ss.bits[w] = 0;
            LONGS.setVolatile(ss.bits, w + 1, 0L);
        }
    }
}
