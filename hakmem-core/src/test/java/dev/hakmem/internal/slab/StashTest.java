package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A class that loops on more blocks than its magazine's room gets a {@link Stash} beside the
 * magazine, which holds the rest of the loop: its turns then take nothing from the spans and give
 * nothing back. Each case runs on a new platform thread, whose heap nothing else uses, and checks
 * every byte of every block it holds.
 */
class StashTest {
    private static final int SIZE = 64;
    private static final int C = SizeClasses.classOf(SIZE);
    private static final FilledBlocks B = new FilledBlocks(SIZE);

    @Test
    void theDefaultStashHoldsThreeRooms() {
        assertEquals(3, Stash.ROOMS);
    }

    @Test
    void aLoopLargerThanTheRoomSettlesInTheMagazineAndTheStash() throws Exception {
        // glibc-simple's shape on 1,600 blocks of a class whose room is 1,024: allocate them, free
        // them in order. Without a stash every turn refilled from the spans and flushed back to
        // them twice (Bursts.BEYOND)
        String r = FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            int room = Magazines.room(C);
            int n = room * 25 / 16;
            List<Long> spanMovesPerTurn = new ArrayList<>();
            for (int turn = 0; turn < 48; turn++) {
                long before = spanMoves(h);
                long[] a = B.allocate(n, turn);
                B.freeChecked(a, turn);
                spanMovesPerTurn.add(spanMoves(h) - before);
            }
            assertEquals(room, FilledBlocks.capacity(h, C));
            assertTrue(Magazines.count(h.mag, C) + h.stashed(C) >= n, "the whole loop is cached");
            assertTrue(h.stashed(C) > 0, "some of it in the stash");
            assertEquals(16 + 8L * Stash.ROOMS * room, h.stashBytes(), "the stash's array, one class");
            assertTrue(Heaps.heapMetadataBytes() >= Heap.footprint() + h.stashBytes(), "counted in the metadata");
            List<Long> last = spanMovesPerTurn.subList(32, 48);
            assertEquals(Collections.nCopies(16, 0L), last, n + " blocks, room " + room
                    + ", blocks taken from and given back to the spans per turn: " + spanMovesPerTurn);
            return "span moves per turn " + spanMovesPerTurn;
        });
        System.out.println("aLoopLargerThanTheRoom: " + r);
    }

    @Test
    void theStashedBlocksAreDistinctAndEachIsHandedOutOnce() throws Exception {
        FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            int n = Magazines.room(C) * 2;
            loop(n, 8);
            int cached = Magazines.count(h.mag, C) + h.stashed(C);
            assertTrue(h.stashed(C) > 0, "stashed: " + h.stashed(C));
            long[] a = B.allocate(cached + 100, 50); // everything cached, then from the spans again
            FilledBlocks.distinct(a, "");
            assertEquals(0, h.stashed(C));
            B.freeChecked(a, 50);
            return "";
        });
    }

    @Test
    void aSecondFreeOfAStashedBlockIsRefusedAndSaysWhereTheBlockIs() throws Exception {
        FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            int n = Magazines.room(C) * 2;
            long[] a = loop(n, 8);
            long x = -1;
            for (long y : a) {
                if (h.holdsStashed(C, y)) {
                    x = y;
                    break;
                }
            }
            assertTrue(x != -1, "a block of the last turn in the stash");
            long stashed = h.stashed(C);
            long bad = x;
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Hakmem.free(bad));
            assertTrue(e.getMessage().contains(Long.toHexString(x)), e.getMessage());
            assertTrue(e.getMessage().contains("free-block cache"), e.getMessage());
            assertEquals(stashed, h.stashed(C), "the refused free changed nothing");
            long[] b = B.allocate(n, 9); // and the allocator goes on
            B.freeChecked(b, 9);
            return "";
        });
    }

    @Test
    void theSweepAfterAnIdlePeriodAndTrimGiveTheStashBackToTheSpans() throws Exception {
        FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            int n = Magazines.room(C) * 2;
            loop(n, 8);
            assertTrue(h.stashed(C) > 0);
            long allocations = allocations(h);
            FilledBlocks.sweep(h); // the first sweep after the swings: it saw them, keeps everything
            assertTrue(h.stashed(C) > 0);
            FilledBlocks.sweep(h); // no swing since: the magazine shrinks, the stash goes back
            assertEquals(0, h.stashed(C));
            assertEquals(SizeClasses.cacheCapacity(C), FilledBlocks.capacity(h, C));
            assertEquals(allocations, allocations(h), "the counters' balance (Counters.addTo) with the stash given back");
            loop(n, 8);
            assertTrue(h.stashed(C) > 0, "stashing again in the next loop");
            Hakmem.trim();
            assertEquals(0, h.stashed(C), "trim empties the stash");
            assertEquals(0, h.stashBytes(), "and drops its array");
            assertEquals(0, Magazines.count(h.mag, C));
            assertEquals(0, Heaps.cachedBytes() - otherCachedBytes(h), "nothing cached by this heap");
            return "";
        });
    }

    @Test
    void loopsOfRandomSizesFreedInRandomOrdersKeepEveryByteAndTheStashBounded() throws Exception {
        String r = FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            int room = Magazines.room(C);
            SplittableRandom rnd = new SplittableRandom(16);
            int maxStashed = 0;
            for (int turn = 0; turn < 60; turn++) {
                int n = room / 2 + rnd.nextInt(room * 5);
                long[] a = B.allocate(n, 100 + turn);
                Set<Long> distinct = FilledBlocks.distinct(a, " in turn " + turn);
                for (int i = n - 1; i > 0; i--) { // a random order
                    int j = rnd.nextInt(i + 1);
                    long t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                }
                for (long x : a) {
                    check(x, distinct, 100 + turn);
                }
                for (long x : a) {
                    Hakmem.free(x);
                }
                maxStashed = Math.max(maxStashed, h.stashed(C));
                assertTrue(h.stashed(C) <= Stash.ROOMS * room, "stashed " + h.stashed(C));
            }
            assertTrue(maxStashed > 0, "the loops made a stash");
            Hakmem.trim();
            assertEquals(0, h.stashed(C));
            return "the most stashed after a turn: " + maxStashed;
        });
        System.out.println("loopsOfRandomSizes: " + r);
    }

    @Test
    void aBurstOfFreesWithoutALoopMakesNoStash() throws Exception {
        FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            long[] a = B.allocate(8192, 1);
            B.freeChecked(a, 1);
            assertEquals(SizeClasses.burstCapacity(C), FilledBlocks.capacity(h, C));
            assertEquals(0, h.stashed(C));
            return "";
        });
    }

    // ------------------------------------------------------------------ helpers

    /** {@code turns} turns of a loop on {@code n} blocks, each allocated, filled, checked and freed in order; the last turn's blocks. */
    private static long[] loop(int n, int turns) {
        long[] a = null;
        for (int turn = 0; turn < turns; turn++) {
            a = B.allocate(n, turn);
            B.freeChecked(a, turn);
        }
        return a;
    }

    /** Heap {@code h}'s allocations of class {@code C} as the statistics count them (the counters' balance, {@link Counters#addTo}). */
    private static long allocations(Heap h) {
        Counters.Totals t = new Counters.Totals();
        h.addCounters(t);
        return t.allocations(C);
    }

    /** Blocks moved between the spans and the heap so far (taken and flushed). */
    private static long spanMoves(Heap h) {
        return h.counters.get(C, Counters.TAKEN) + h.counters.get(C, Counters.FLUSHED);
    }

    /** Bytes cached by heaps other than {@code h}. */
    private static long otherCachedBytes(Heap h) {
        long bytes = 0;
        for (Heap o : Heaps.all()) {
            if (o != h) {
                bytes += o.cachedBytes();
            }
        }
        return bytes;
    }

    /** Checks block {@code x} of a turn whose blocks, allocated with {@link #allocateFilled}, are {@code turnBlocks}, now shuffled. */
    private static void check(long x, Set<Long> turnBlocks, int seed) {
        // the key is the block's index at allocation, which the shuffle lost: find it by the first word
        long key = FilledBlocks.keyOf(x) - seed * 1_000_003L;
        assertTrue(turnBlocks.contains(x) && key >= 0 && key < turnBlocks.size(), "block 0x" + Long.toHexString(x) + " key " + key);
        B.check(x, seed * 1_000_003L + key);
    }
}
