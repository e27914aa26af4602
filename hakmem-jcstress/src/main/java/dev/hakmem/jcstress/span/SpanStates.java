package dev.hakmem.jcstress.span;

import dev.hakmem.internal.pool.SlabPool;
import dev.hakmem.internal.slab.Shadow;
import dev.hakmem.internal.slab.Slab;
import dev.hakmem.internal.slab.SlabMap;
import dev.hakmem.internal.slab.SlabOwner;

/** Set-up and checks shared by the span hand-over tests: owners, a span's first block, freshness. */
final class SpanStates {
    private SpanStates() {}

    /** A heap stand-in owned by a platform thread that is never started (spans record their owner's thread). */
    static final class Owner extends SlabOwner {
        Owner() {
            platformThread = new Thread(() -> { });
        }
    }

    /** Carves the first block of {@code span} and marks it live, as {@code malloc} hands it out. */
    static long firstBlock(Slab span) {
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
    static void emptyWithStaleMark(Slab span, long block) {
        long[] got = new long[1];
        span.take(got, 0, 1);
        long other = got[0];
        Shadow.getAndOr(Shadow.word(other) + 8, Shadow.bit(other));
        span.give(other);
        span.remotePending = 1;
        long w = Shadow.word(block);
        Shadow.set(w, Shadow.get(w) & ~Shadow.bit(block));
        span.give(block);
    }

    /** {@code s}, just acquired by {@code b}, carries nothing of a previous life. */
    static boolean fresh(Slab s, SlabOwner b) {
        return s.owner == b && s.ownerThread == b.platformThread && s.used == 0 && s.freeCount == 0 && s.carved == 0
                && s.remotePending == 0 && s.hotMag == null && s.prev == null && s.next == null && s.list == 0
                && SlabMap.of(s.base) == s && shadowClear(s);
    }

    /** Every LIVE and REMOTE word of the span's range is zero. */
    static boolean shadowClear(Slab s) {
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
    static boolean stillClean(Slab s, SlabOwner b, int used) {
        return shadowClear(s) && s.remotePending == 0 && b.remoteHint == 0 && s.used == used;
    }

    /** Gives B's span back for the next state. */
    static void recycle(Slab s) {
        SlabPool.release(s);
    }
}
