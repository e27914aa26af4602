package dev.hakmem.internal.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The owner's collect of remote frees, against a model, for every size class: a span's blocks
 * all taken out and marked live, a random subset freed remotely, then collected; exactly those
 * blocks must be back in the span (power-of-two classes up to 512 B go back a shadow word at a
 * time through {@link Span#giveWord}, the others one by one), its counts must match, and the
 * blocks not freed must stay live and unqueued. Several rounds per class, so blocks go out and
 * back more than once.
 */
class CollectTest {

    @Test
    void collectGivesBackExactlyTheRemotelyFreedBlocksOfEveryClass() {
        Heap owner = new Heap(-3000, true);
        SplittableRandom r = new SplittableRandom(7);
        int wordClasses = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Span s = SpanPool.acquire(owner, c);
            try {
                int blocks = (int) Math.min(s.capacity, 4096); // the first ones: enough words, bounded time
                long[] out = new long[blocks];
                assertEquals(blocks, s.take(out, 0, blocks), "class " + c + ": blocks taken from a fresh span");
                for (long a : out) {
                    Shadow.markLive(a);
                }
                wordClasses += s.wordShift >= 0 ? 1 : 0;
                BitSet outNow = new BitSet();
                outNow.set(0, blocks);
                for (int round = 0; round < 3; round++) {
                    BitSet freed = new BitSet();
                    for (int i = outNow.nextSetBit(0); i >= 0; i = outNow.nextSetBit(i + 1)) {
                        if (r.nextInt(3) != 0) {
                            assertEquals(RemoteFree.OK, RemoteFree.push(s, s.base + (long) i * s.blockSize),
                                    "class " + c + " block " + i);
                            freed.set(i);
                        }
                    }
                    int usedBefore = s.used;
                    assertTrue(s.claimPending() || freed.isEmpty(), "class " + c + ": pending flag raised");
                    int n = RemoteFree.collect(s);
                    assertEquals(freed.cardinality(), n, "class " + c + " round " + round + ": blocks collected");
                    assertEquals(usedBefore - n, s.used, "class " + c + ": used");
                    for (int i = 0; i < blocks; i++) {
                        long a = s.base + (long) i * s.blockSize;
                        boolean back = !outNow.get(i) || freed.get(i);
                        assertEquals(back, s.isAvailable(i), "class " + c + " (" + s.blockSize + " B) round " + round
                                + ": block " + i + " available");
                        assertEquals(!back, Shadow.isLiveAndNotQueued(a), "class " + c + ": block " + i + " live");
                    }
                    outNow.andNot(freed);
                    // take some back out again (the span hands them out in its own order)
                    int again = s.take(out, 0, freed.cardinality() / 2);
                    for (int k = 0; k < again; k++) {
                        int i = (int) s.indexOf(out[k]);
                        assertTrue(i < blocks && !outNow.get(i), "class " + c + ": block " + i + " taken twice");
                        outNow.set(i);
                        Shadow.markLive(out[k]);
                    }
                }
                // free the rest remotely and collect, so the span goes back clean
                for (int i = outNow.nextSetBit(0); i >= 0; i = outNow.nextSetBit(i + 1)) {
                    assertEquals(RemoteFree.OK, RemoteFree.push(s, s.base + (long) i * s.blockSize));
                }
                s.claimPending();
                RemoteFree.collect(s);
                assertEquals(0, s.used, "class " + c + ": every block back");
                assertTrue(s.consistent(), "class " + c + ": " + s);
            } finally {
                if (s.used == 0) {
                    SpanPool.release(s);
                }
            }
        }
        assertEquals(7, wordClasses, "power-of-two classes 8-512 B");
    }
}
