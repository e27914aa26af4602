package dev.hakmem.internal.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The log of stale REMOTE marks that collects drop ({@link StaleMarks}): a collect that meets a
 * mark on a block that is not LIVE logs it before dropping it, and the log answers for exactly the
 * word and bits dropped since a count read before the mark. The race it exists for (a second
 * collect dropping a double free's mark before the freer looks again) is jcstress
 * {@code LiveDoubleFreeVsTwoCollectsTest}.
 */
class StaleMarksTest {

    @Test
    void aCollectLogsTheStaleMarkItDropsAndNothingElse() {
        Heap owner = new Heap(-3100, true);
        Span s = SpanPool.acquire(owner, 0);
        try {
            long[] out = new long[2];
            assertEquals(2, s.take(out, 0, 2));
            long a = Math.min(out[0], out[1]), b = Math.max(out[0], out[1]);
            long w = Shadow.word(a), m = Shadow.bit(a);
            Shadow.markLive(a);
            Shadow.markLive(b);
            // a good remote free of a, collected: nothing is logged
            int before = StaleMarks.count();
            assertEquals(RemoteFree.OK, RemoteFree.push(s, a));
            assertTrue(s.claimPending());
            assertEquals(1, RemoteFree.collect(s));
            assertFalse(StaleMarks.dropped(before, w, m), "a collected good mark is not a dropped one");

            // a double free's mark on the now free block a (as a freer that read LIVE before the
            // collect leaves it), then a collect: the mark is dropped and logged
            int d0 = StaleMarks.count();
            assertEquals(0, Shadow.getAndOr(w + 8, m) & m, "a's REMOTE bit was clear");
            s.claimPending(); // no freer raised the flags here: the collect scans every word anyway
            assertEquals(0, RemoteFree.collect(s), "a stale mark is not collected");
            assertEquals(0, Shadow.getVolatile(w + 8) & m, "the stale mark was dropped");
            assertTrue(StaleMarks.count() - d0 >= 1, "the drop was counted");
            assertTrue(StaleMarks.dropped(d0, w, m), "the freer finds its dropped mark");
            assertFalse(StaleMarks.dropped(d0, w, Shadow.bit(b)), "another block of the word was not dropped");
            assertFalse(StaleMarks.dropped(d0, w + 16, m), "the same bit of another word was not dropped");
            assertFalse(StaleMarks.dropped(StaleMarks.count(), w, m), "nothing dropped after a later count");
            assertTrue(Shadow.isLiveAndNotQueued(b), "b untouched");
            // b back too, so the span goes back clean
            assertEquals(RemoteFree.OK, RemoteFree.push(s, b));
            s.claimPending();
            assertEquals(1, RemoteFree.collect(s));
            assertEquals(0, s.used);
            assertTrue(s.consistent(), s.toString());
        } finally {
            if (s.used == 0) {
                SpanPool.release(s);
            }
        }
    }

    @Test
    void releasingASpanDropsAndLogsTheStaleMarksOnItsShadow() {
        Heap owner = new Heap(-3101, true);
        Span s = SpanPool.acquire(owner, 0);
        long[] out = new long[1];
        assertEquals(1, s.take(out, 0, 1));
        long a = out[0], w = Shadow.word(a), m = Shadow.bit(a);
        Shadow.markLive(a);
        assertEquals(RemoteFree.OK, RemoteFree.push(s, a));
        assertTrue(s.claimPending());
        assertEquals(1, RemoteFree.collect(s));
        assertEquals(0, s.used, "the span is empty");
        // a double free's mark on the free block, its freer not back yet for its step 4
        int d0 = StaleMarks.count();
        assertEquals(0, Shadow.getAndOr(w + 8, m) & m);
        s.clearPending();
        SpanPool.release(s);
        assertEquals(0, Shadow.getVolatile(w + 8), "the release cleared the REMOTE word");
        assertTrue(StaleMarks.dropped(d0, w, m), "the freer finds its mark dropped, not taken");
        assertFalse(StaleMarks.dropped(d0, w, Long.rotateLeft(m, 1)), "only the mark there was is logged");
    }

    @Test
    void aLogOverwrittenSinceTheCountCannotTellAndTakesTheFreeAsCounted() {
        long w = 0x7000_0000_0000L, m = 1L << 5; // words of no span: the log never dereferences them
        int d0 = StaleMarks.count();
        StaleMarks.record(w, m);
        assertTrue(StaleMarks.dropped(d0, w, m));
        for (int i = 0; i < 64; i++) {
            StaleMarks.record(w + 16L * (i + 1), m);
        }
        assertFalse(StaleMarks.dropped(d0, w, m), "more than 64 drops since the count: cannot tell, no false report");
        int d1 = StaleMarks.count() - 1;
        assertTrue(StaleMarks.dropped(d1, w + 16L * 64, m), "the latest drop is still found");
    }
}
