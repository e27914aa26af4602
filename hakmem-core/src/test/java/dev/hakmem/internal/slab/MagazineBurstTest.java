package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A magazine of the smallest classes grows in a burst of frees (a long run of frees with no
 * allocation between its flushes) or a swing (a loop on a few more blocks than it holds) and goes
 * back to its configured capacity when the burst is over (the decay's sweep) or the heap is
 * flushed whole (trim). Each case runs on a new platform thread, whose heap nothing else uses, and checks every
 * byte of every block it holds.
 */
class MagazineBurstTest {
    private static final int SIZE = 64;
    private static final int C = SizeClasses.classOf(SIZE);
    private static final FilledBlocks B = new FilledBlocks(SIZE);

    @Test
    void theDefaultsLetTheClassesOf8To256BytesGrowTo1024BlocksOr64KiB() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            int s = SizeClasses.size(c);
            int expected = s <= 256 ? Math.min(1024, (64 << 10) / s) : SizeClasses.cacheCapacity(c);
            assertEquals(expected, SizeClasses.burstCapacity(c), "class " + c + " of " + SizeClasses.size(c) + " B");
            assertEquals(SizeClasses.burstCapacity(c), Magazines.room(c));
        }
    }

    @Test
    void aBurstOfFreesGrowsTheMagazineAndKeepsTheBlocksInIt() throws Exception {
        String r = FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            int n = 8192;
            long[] a = B.allocate(n, 1);
            assertEquals(SizeClasses.cacheCapacity(C), FilledBlocks.capacity(h, C), "allocations alone do not grow the magazine");
            B.freeChecked(a, 1);
            assertEquals(SizeClasses.burstCapacity(C), FilledBlocks.capacity(h, C), "a burst of frees grew it");
            int cached = Magazines.count(h.mag, C);
            assertTrue(cached > SizeClasses.cacheCapacity(C), "the magazine holds more than its configured capacity: " + cached);
            long refillsBefore = Hakmem.stats().sizeClasses().get(C).refills();
            long[] b = B.allocate(n, 2);
            long refills = Hakmem.stats().sizeClasses().get(C).refills() - refillsBefore;
            // batches of 512 once grown (the first refills of the run still at 64)
            assertTrue(refills <= n / 512 + 4, refills + " refills for " + n + " allocations");
            FilledBlocks.distinct(b, "");
            B.freeChecked(b, 2);
            return "cached=" + cached + " refills=" + refills;
        });
        System.out.println("aBurstOfFrees: " + r);
    }

    @Test
    void aMixOfAllocationsAndFreesKeepsTheConfiguredCapacity() throws Exception {
        FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            SplittableRandom rnd = new SplittableRandom(7);
            long[] slots = new long[600];
            for (int i = 0; i < 300_000; i++) {
                int s = rnd.nextInt(slots.length);
                if (slots[s] != 0) {
                    B.check(slots[s], s);
                    Hakmem.free(slots[s]);
                    slots[s] = 0;
                } else {
                    slots[s] = Hakmem.malloc(SIZE);
                    B.fill(slots[s], s);
                }
                assertEquals(SizeClasses.cacheCapacity(C), FilledBlocks.capacity(h, C), "grew at step " + i);
            }
            for (int s = 0; s < slots.length; s++) {
                if (slots[s] != 0) {
                    B.check(slots[s], s);
                    Hakmem.free(slots[s]);
                }
            }
            return "";
        });
    }

    @Test
    void aLoopOnAFewMoreBlocksThanTheMagazineHoldsGrowsItUntilTheLoopStaysInIt() throws Exception {
        String r = FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            int n = SizeClasses.cacheCapacity(C) + SizeClasses.cacheCapacity(C) / 2; // 192 blocks: 1.5 magazines
            List<Integer> capacities = new ArrayList<>();
            long refillsBefore = 0;
            for (int turn = 0; turn < 12; turn++) {
                if (turn == 8) {
                    refillsBefore = Hakmem.stats().sizeClasses().get(C).refills();
                }
                long[] a = B.allocate(n, 10 + turn);
                B.freeChecked(a, 10 + turn);
                capacities.add(FilledBlocks.capacity(h, C));
            }
            long refills = Hakmem.stats().sizeClasses().get(C).refills() - refillsBefore;
            // turn 0 fills the magazine and flushes it; turn 1 refills and flushes again: a swing
            assertEquals(2 * SizeClasses.cacheCapacity(C), FilledBlocks.capacity(h, C), "capacity after each turn: " + capacities);
            assertEquals(0, refills, "refills in the last 4 turns, capacities " + capacities);
            return "capacities " + capacities;
        });
        System.out.println("aLoop: " + r);
    }

    @Test
    void aLoopOnThreeQuartersOfTheRoomSettlesInTheMagazine() throws Exception {
        // glibc-simple's shape on 800 blocks of a class whose room is 1,024: allocate them, free
        // the first half in order and the second half in reverse. With the room reached, a swing's
        // flush of half the capacity could give back each turn what the turn's refill took, for
        // ever (Bursts.onFlush), as it did from a magazine that starts the loop holding 600 blocks;
        // giving back a sixteenth, the magazine soon holds the whole loop
        String r = FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            int room = Magazines.room(C);
            int n = room * 3 / 4 + 32;
            B.freeChecked(B.allocate(8192, 99), 99); // a burst: the magazine grows to its room
            assertEquals(room, FilledBlocks.capacity(h, C));
            long[] held = B.allocate(Magazines.count(h.mag, C) - 600, 98);
            assertEquals(600, Magazines.count(h.mag, C));
            List<Long> refillsPerTurn = new ArrayList<>();
            for (int turn = 0; turn < 48; turn++) {
                long before = Hakmem.stats().sizeClasses().get(C).refills();
                long[] a = B.allocate(n, turn);
                for (int k = 0; k < n; k++) {
                    int i = k < n / 2 ? k : n - 1 - (k - n / 2); // the first half in order, then the rest from the end
                    B.check(a[i], turn * 1_000_003L + i);
                    Hakmem.free(a[i]);
                }
                refillsPerTurn.add(Hakmem.stats().sizeClasses().get(C).refills() - before);
            }
            B.freeChecked(held, 98);
            List<Long> last = refillsPerTurn.subList(32, 48);
            assertEquals(Collections.nCopies(16, 0L), last, n + " blocks, room " + room + ", refills per turn: " + refillsPerTurn);
            return "refills per turn " + refillsPerTurn;
        });
        System.out.println("aLoopOnThreeQuarters: " + r);
    }

    @Test
    void aRunOfAFewHundredFreesDoesNotGrowTheMagazine() throws Exception {
        FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            // the magazine fills (128), then two flushes of 64 with only frees between: below the
            // streak of a burst, which the third flush in a row would make
            int n = SizeClasses.cacheCapacity(C) + 2 * SizeClasses.batch(C);
            long[] a = B.allocate(n, 3);
            Hakmem.trim(); // the magazine empty: the frees below fill it from 0
            B.freeChecked(a, 3);
            assertEquals(SizeClasses.cacheCapacity(C), FilledBlocks.capacity(h, C));
            long[] b = B.allocate(SizeClasses.batch(C) + 1, 8); // one more flush after a pop: no streak
            B.freeChecked(b, 8);
            assertEquals(SizeClasses.cacheCapacity(C), FilledBlocks.capacity(h, C));
            return "";
        });
    }

    @Test
    void theSweepShrinksAMagazineWhoseBurstIsOverAndTrimEmptiesIt() throws Exception {
        FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            int dflt = SizeClasses.cacheCapacity(C);
            long[] a = B.allocate(4096, 4);
            B.freeChecked(a, 4);
            assertEquals(SizeClasses.burstCapacity(C), FilledBlocks.capacity(h, C));
            assertTrue(Magazines.count(h.mag, C) > dflt);
            FilledBlocks.sweep(h); // the first sweep after the burst: it saw the burst, keeps the capacity
            assertEquals(SizeClasses.burstCapacity(C), FilledBlocks.capacity(h, C));
            FilledBlocks.sweep(h); // no burst since: back to the configured capacity, half of it kept
            assertEquals(dflt, FilledBlocks.capacity(h, C));
            assertEquals(dflt / 2, Magazines.count(h.mag, C));
            long[] b = B.allocate(4096, 5);
            B.freeChecked(b, 5);
            assertEquals(SizeClasses.burstCapacity(C), FilledBlocks.capacity(h, C), "grew again in the next burst");
            Hakmem.trim();
            assertEquals(dflt, FilledBlocks.capacity(h, C), "trim empties the magazine at the configured capacity");
            assertEquals(0, Magazines.count(h.mag, C));
            return "";
        });
    }

    @Test
    void aDoubleFreeOfABlockInAGrownMagazineIsCaught() throws Exception {
        FilledBlocks.onNewThread(() -> {
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            long[] a = B.allocate(4096, 6);
            B.freeChecked(a, 6);
            assertEquals(SizeClasses.burstCapacity(C), FilledBlocks.capacity(h, C));
            long x = a[a.length - 1]; // in the magazine now, far above the configured capacity
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Hakmem.free(x));
            assertTrue(e.getMessage().contains(Long.toHexString(x)), e.getMessage());
            long[] b = B.allocate(4096, 7); // and the allocator goes on
            B.freeChecked(b, 7);
            return "";
        });
    }
}
