package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Checks;

/**
 * Cross-thread frees. A thread that frees a block of a span it does not own marks the block in
 * the {@link Shadow}'s REMOTE bitmap with one atomic OR; the owner collects marked blocks in
 * batches on its slow path. No lock, no allocation, no write to the block itself.
 *
 * <h2>Protocol</h2>
 * <pre>
 * remote freer (any thread)                     owner (collect, on its slow path)
 * 1 a = LIVE[w] (opaque)                        1 span.claimPending(): if set, set to 0 (getAndSet)
 *   bit clear -&gt; NOT_LIVE                        2 for each word w of the span with REMOTE[w] != 0
 * 2 old = REMOTE[w].getAndOr(m)                      (a volatile read): q = REMOTE[w].getAndSet(0)
 *   bit already set -&gt; ALREADY_QUEUED                 live = q &amp; LIVE[w]     (others: stale)
 * 3 if old == 0: span.raisePending()                 LIVE[w] &amp;= ~live; give each block back
 *     and if it raised it: owner.raiseHint()
 * </pre>
 * All flag accesses are volatile, so in their single total order every set bit is seen by a
 * collect that follows a flag observed as 1: the first freer into an empty word after a collect
 * raises the flags, later freers into the same word ride on that, and a collect that already
 * passed a word leaves it empty so the next freer raises the flags again. The owner finds spans
 * to collect through its heap's hint ({@link Heap#takeHint()}) or, on a refill, the span's own flag.
 * The caller turns NOT_LIVE and ALREADY_QUEUED into an {@link IllegalStateException}. Double frees
 * are caught in both steps; a double free racing with the owner's collect of the same block is
 * caught on a best-effort basis only (the owner drops marks on blocks not live).
 */
final class RemoteFree {
    private RemoteFree() {}

    /** Outcome of {@link #push}: 0 = queued. */
    static final int OK = 0;
    static final int NOT_LIVE = 1;
    static final int ALREADY_QUEUED = 2;

    /**
     * Queues block {@code a} of span {@code s} (a validated block start) for its owner.
     *
     * @return {@link #OK}, or why the block cannot be freed (the caller throws)
     */
    static int push(Span s, long a) {
        long w = Shadow.word(a);
        long m = Shadow.bit(a);
        if (Checks.ON && (Shadow.getOpaque(w) & m) == 0) {
            return NOT_LIVE;
        }
        long old = Shadow.getAndOr(w + 8, m);
        if ((old & m) != 0) {
            return ALREADY_QUEUED;
        }
        if (old == 0 && s.raisePending()) {
            Heap o = s.owner;
            if (o != null) {
                o.raiseHint();
            }
        }
        return OK;
    }

    /**
     * Owner only: takes every remote free queued on span {@code s} and gives the blocks back to
     * the span. Call after {@link Span#claimPending()} returned true.
     *
     * @return blocks collected
     */
    static int collect(Span s) {
        int n = 0;
        long span = s.bytes();
        for (long off = 0; off < span; off += 512) {
            long w = Shadow.word(s.base + off);
            // volatile, not opaque: ordered after the claim of the pending flag, so a push whose
            // freer saw the flag still raised is seen here (see the protocol above)
            if (Shadow.getVolatile(w + 8) == 0) {
                continue;
            }
            long queued = Shadow.getAndSetZero(w + 8);
            long live = queued;
            if (Checks.ON) {
                long liveWord = Shadow.get(w);
                live = queued & liveWord;
                Shadow.set(w, liveWord & ~live);
            }
            while (live != 0) {
                int b = Long.numberOfTrailingZeros(live);
                live &= live - 1;
                s.give(s.base + off + ((long) b << 3));
                n++;
            }
        }
        assert s.consistent() : "collect broke " + s;
        return n;
    }
}
