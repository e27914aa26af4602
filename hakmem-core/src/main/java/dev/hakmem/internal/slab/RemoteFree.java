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
 * 1 a = LIVE[w] (opaque; pushLive: the          1 span.claimPending(): if set, set to 0 (getAndSet)
 *   free's own plain read, with REMOTE clear)
 *   bit clear -&gt; NOT_LIVE                        2 span.collects++ (now odd; opaque)
 * 2 d0 = StaleMarks.count() (acquire)           3 for each word w with REMOTE[w] != 0 (volatile):
 *   old = REMOTE[w].getAndOr(m)                      q = REMOTE[w]; live = q &amp; LIVE[w]
 *   bit already set -&gt; ALREADY_QUEUED                q &amp; ~live != 0 (stale marks): StaleMarks.record
 * 3 if old == 0: span.raisePending()                 LIVE[w] &amp;= ~live        (release)
 *     and if it raised it: owner.raiseHint()         old = REMOTE[w].getAndAnd(~q)
 * 4 LIVE[w] bit clear now (volatile read)? then:     give each block of live back
 *   c = span.collects once even (acquire)            again with q = old &amp; ~q while that is != 0
 *   REMOTE bit clear -&gt; a collect took the mark  4 span.collects++ (even again; release)
 *     (OK) or dropped it as stale: NOT_LIVE if
 *     StaleMarks.dropped(d0, w, m)
 *   LIVE bit set again -&gt; OK (out again)
 *   span.collects != c -&gt; step 4 again
 *   else a stale mark on a free block: take it
 *   back, REMOTE[w].getAndAnd(~m); if it was
 *   still there, or a collect dropped it since
 *   (StaleMarks.dropped) -&gt; NOT_LIVE
 * </pre>
 * <p>Flags: every set bit is seen by a collect that follows a pending flag observed as 1: the
 * first freer into an empty word after a collect raises the flags, later freers into the same
 * word ride on that, and a collect leaves a word only when its getAndAnd emptied it (bits that
 * arrived between its read and its getAndAnd are taken in the same collect), so the next freer
 * raises the flags again. The owner finds spans to collect through its heap's hint
 * ({@link Heap#takeHint()}) or, on a refill, the span's own flag.
 *
 * <p>Double frees: the collect clears a block's LIVE bit before its REMOTE bit, so a block being
 * collected reads as queued (a second freer gets ALREADY_QUEUED) until it reads as free (NOT_LIVE).
 * A second freer that read LIVE before the collect and marks after it finds LIVE clear in step 4.
 * Either its mark was good and a collect took it (a collect clears LIVE only for blocks it took,
 * so LIVE clear with the mark still there means a collect is running: step 4 waits for it, and
 * the collect count tells whether one started during the reads), after which the block may even
 * be out again (LIVE set, perhaps marked by another thread: not this freer's mark, not to be
 * touched); or it marked a free block (LIVE clear, mark there, no collect running): it takes the
 * mark back and reports NOT_LIVE. A stale mark that a collect dropped before the freer's step 4
 * (the flags it raised called a second collect) leaves REMOTE clear exactly as a taken mark does:
 * the collect logs the drop in {@link StaleMarks} first, and the freer looks for its bit there
 * (jcstress {@code LiveDoubleFreeVsTwoCollectsTest}). So two racing frees of one block never both
 * succeed when the block was queued by a remote free and collected meanwhile. A remote free racing with the
 * owner's own free of the block is caught when step 4 sees the owner's (plain) write; otherwise
 * the stale mark is dropped by the next collect (LIVE clear). The caller turns NOT_LIVE and
 * ALREADY_QUEUED into an {@link IllegalStateException}.
 */
final class RemoteFree {
    private RemoteFree() {}

    /** Outcome of {@link #push}: 0 = queued. */
    static final int OK = 0;
    static final int NOT_LIVE = 1;
    static final int ALREADY_QUEUED = 2;

    /**
     * Outcome of {@link #pushLive}: queued, after step 4 waited for a collect (the freer may have
     * been unmounted meanwhile, and a virtual thread may go on on another carrier).
     */
    static final int OK_AFTER_WAIT = -1;

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
        int r = mark(s, a, w, m);
        return r == OK_AFTER_WAIT ? OK : r;
    }

    /**
     * {@link #push} for the free's fast path (see {@link Front#free}): the caller read the block's
     * LIVE bit set and its REMOTE bit clear at an address those bits prove a block start (checks on),
     * in a span of another thread's heap, and did not look the span up; this looks it up only for
     * step 3's flags and step 4's wait. Step 1 is the caller's plain reads: the block came to the
     * freer from the thread that allocated it, so its LIVE bit is visible, and step 4 decides anyway.
     *
     * @param w the block's shadow word ({@link Shadow#word}{@code (a)})
     * @return {@link #OK} or {@link #OK_AFTER_WAIT} (queued), or why the block cannot be freed
     */
    static int pushLive(long a, long w) {
        return mark(null, a, w, Shadow.bit(a));
    }

    /** Steps 2 to 4 for bit {@code m} of word {@code w}, block {@code a}; {@code s} its span, or null to look it up when needed. */
    private static int mark(Span s, long a, long w, long m) {
        int d0 = Checks.ON ? StaleMarks.count() : 0; // before the mark: see StaleMarks
        long old = Shadow.getAndOr(w + 8, m);
        if ((old & m) != 0) {
            return ALREADY_QUEUED;
        }
        if (old == 0) {
            // raised even for a mark taken back below: a freer that marked the same word
            // meanwhile saw old != 0 and relies on this one (a spurious flag costs one empty collect)
            raiseFlags(s != null ? s : SpanMap.of(a));
        }
        if (Checks.ON && (Shadow.getVolatile(w) & m) == 0) {
            return settle(s != null ? s : SpanMap.of(a), w, m, d0);
        }
        return OK;
    }

    /**
     * Step 4 after LIVE read clear: {@link #NOT_LIVE} for a stale mark taken back, else
     * {@link #OK_AFTER_WAIT}. With no span mapped at the block any more ({@code s} null: the span
     * was released, so the block was free when it was marked), the mark is taken back at once.
     */
    private static int settle(Span s, long w, long m, int d0) {
        boolean stale = s != null ? tookBackStaleMark(s, w, m, d0) : takeBack(w, m, d0);
        return stale ? NOT_LIVE : OK_AFTER_WAIT;
    }

    /**
     * Step 3, out of line (the first mark into an empty word): the span's pending flag, and if that
     * was down, the owner's hint. {@code s} null (pushLive found no span mapped at the block: it was
     * released, so the block was free and step 4 takes the mark back): nothing to raise.
     */
    private static void raiseFlags(Span s) {
        if (s != null && s.raisePending()) {
            Heap o = s.owner;
            if (o != null) {
                o.raiseHint();
            }
        }
    }

    /**
     * Step 4 of the protocol, the block found not LIVE right after it was marked: tells a mark a
     * collect is taking (or took) from one put on a free block (a double free), and takes the
     * latter back.
     *
     * @param d0 {@link StaleMarks#count()} before the mark
     * @return whether the mark was stale and is gone now
     */
    private static boolean tookBackStaleMark(Span s, long w, long m, int d0) {
        while (true) {
            int c = s.awaitCollect();
            // REMOTE before LIVE: a mark read here with LIVE clear after it is stale unless a
            // collect cleared LIVE in between, and then the collect count moved; the other way
            // round the block could go out and be freed again (a good mark) between the reads
            if ((Shadow.getVolatile(w + 8) & m) == 0) {
                // a collect took the mark (this free counted) or dropped it as stale (a double free)
                return StaleMarks.dropped(d0, w, m);
            }
            if ((Shadow.getVolatile(w) & m) != 0) {
                return false; // the block is out again: the mark was taken, or is another free's
            }
            if (s.collects() == c) {
                return takeBack(w, m, d0); // no collect between the reads: the mark is stale
            }
        }
    }

    /**
     * Takes back bit {@code m} of REMOTE word {@code w + 8}, a mark known stale (put on a free
     * block); whether it was stale and is gone now: still there for the {@code getAndAnd}, or gone
     * already because a collect dropped it since {@code d0} (logged in {@link StaleMarks}). Gone
     * and not logged: a collect took it off a block that went out again.
     */
    private static boolean takeBack(long w, long m, int d0) {
        return (Shadow.getAndAnd(w + 8, ~m) & m) != 0 || StaleMarks.dropped(d0, w, m);
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
        s.beginCollect();
        for (long off = 0; off < span; off += 512) {
            long w = Shadow.word(s.base + off);
            // volatile, not opaque: ordered after the claim of the pending flag, so a push whose
            // freer saw the flag still raised is seen here (see the protocol above)
            long q = Shadow.getVolatile(w + 8);
            while (q != 0) {
                long live = q;
                if (Checks.ON) {
                    long liveWord = Shadow.get(w);
                    live = q & liveWord;
                    if (live != q) {
                        StaleMarks.record(w, q & ~live); // stale marks (double frees), dropped below
                    }
                    Shadow.setRelease(w, liveWord & ~live); // LIVE before REMOTE: see the protocol
                }
                long old = Shadow.getAndAnd(w + 8, ~q);
                if (s.wordShift >= 0 && s.leases == null) {
                    n += s.giveWord(off, live); // a power-of-two size: the word's blocks in one step
                } else {
                    while (live != 0) {
                        int b = Long.numberOfTrailingZeros(live);
                        live &= live - 1;
                        n += s.giveBack(s.base + off + ((long) b << 3)); // a lent block goes back to its lease
                    }
                }
                q = old & ~q; // marked between the read and the getAndAnd: still in the word
            }
        }
        s.endCollect();
        assert s.consistent() : "collect broke " + s;
        return n;
    }
}
