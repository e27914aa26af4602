package dev.hakmem.internal.slab;


/** Set-up and checks shared by the span hand-over tests: owners, a span's first block, freshness. */
final class SpanStates {
    private SpanStates() {}

    /** A heap owned by a platform thread that is never started (spans record their owner's thread). */
    static Heap owner() {
        Heap h = new Heap(-3000, false);
        h.bind(new Thread(() -> { }));
        return h;
    }

    /** Carves the first block of {@code span} and marks it live, as {@code malloc} hands it out. */
    static long firstBlock(Span span) {
        long[] got = new long[1];
        span.take(got, 0, 1);
        Shadow.markLive(got[0]);
        return got[0];
    }

    /**
     * Owner A frees {@code block} of {@code span} locally (LIVE cleared, back into the span) and
     * leaves a stale queued mark and pending flag on a second carved block that is not live, as a
     * missed double free racing with a collect leaves them behind (marks are only ever set on
     * carved blocks: a push needs the block's LIVE bit); then the span is empty.
     */
    static void emptyWithStaleMark(Span span, long block) {
        long[] got = new long[1];
        span.take(got, 0, 1);
        long other = got[0];
        Shadow.getAndOr(Shadow.word(other) + 8, Shadow.bit(other));
        span.give(other);
        span.raisePending();
        long w = Shadow.word(block);
        Shadow.set(w, Shadow.get(w) & ~Shadow.bit(block));
        span.give(block);
    }

    /** {@code s}, just acquired by {@code b}, carries nothing of a previous life. */
    static boolean fresh(Span s, Heap b) {
        return s.owner == b && s.ownerThread == b.platformThread() && s.used == 0 && s.freeCount == 0 && s.carved == 0
                && !s.isPending() && s.ownerMag == b.mag && s.prev == null && s.next == null && s.list == 0
                && SpanMap.of(s.base) == s && shadowClear(s);
    }

    /** Every LIVE and REMOTE word of the span's range is zero. */
    static boolean shadowClear(Span s) {
        long end = s.base + ((long) s.slots << 16);
        for (long x = s.base; x < end; x += 512) {
            long w = Shadow.word(x);
            if (Shadow.getOpaque(w) != 0 || Shadow.getOpaque(w + 8) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The arbiter's check of B's span after the race: still clean, no flag or hint raised. */
    static boolean stillClean(Span s, Heap b, int used) {
        return shadowClear(s) && !s.isPending() && !b.isHintRaised() && s.used == used;
    }

    /** Gives B's span back for the next state. */
    static void recycle(Span s) {
        SpanPool.release(s);
    }
}
