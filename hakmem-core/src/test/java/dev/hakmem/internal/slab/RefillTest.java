package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How often a thread cache refills, from the allocator's own counters (no timing): with a working
 * set spread over many spans, most frees go straight back to spans that are not current, so the
 * current span has few free blocks when the magazine runs dry; a refill must still bring a
 * whole batch rather than the two or three blocks the current span has left.
 */
class RefillTest {

    @Test
    void refillsBringWholeBatchesWhenTheWorkingSetSpansManySpans() throws Exception {
        int lo = SizeClasses.classOf(640);
        int hi = SizeClasses.classOf(1024);
        AtomicReference<long[]> result = new AtomicReference<>();
        // a fresh thread: a heap of its own, whose counters nothing else moves
        Thread t = new Thread(() -> {
            Stats before = Hakmem.stats();
            SplittableRandom r = new SplittableRandom(42);
            long[] slots = new long[8192];
            for (int i = 0; i < 400_000; i++) {
                int s = r.nextInt(slots.length);
                if (slots[s] != 0) {
                    Hakmem.free(slots[s]);
                    slots[s] = 0;
                } else {
                    slots[s] = Hakmem.malloc(577 + r.nextInt(448));
                }
            }
            for (long a : slots) {
                Hakmem.free(a);
            }
            Stats after = Hakmem.stats();
            long allocations = 0;
            long refills = 0;
            for (int c = lo; c <= hi; c++) {
                allocations += after.sizeClasses().get(c).allocations() - before.sizeClasses().get(c).allocations();
                refills += after.sizeClasses().get(c).refills() - before.sizeClasses().get(c).refills();
            }
            result.set(new long[] {allocations, refills});
        });
        t.start();
        t.join();
        long allocations = result.get()[0];
        long refills = result.get()[1];
        System.out.println("refillsBringWholeBatches: " + allocations + " allocations, " + refills + " refills");
        assertTrue(allocations > 150_000, "the loop allocated: " + allocations);
        // batches of 64 (32 before) give ~1 refill per 64 allocations; the current span alone gave ~1 per 3.5
        assertTrue(refills * 12 < allocations, refills + " refills for " + allocations + " allocations");
    }

    /**
     * A flush gives a magazine's blocks back run by run (one span lookup per run of blocks of one
     * span): blocks of three spans freed two by two in turn (A A B B C C A A ...) make every run
     * two blocks long and every flush cross span boundaries. Each block must reach its own span:
     * the spans' counts are checked by the {@code assert}s of every settle and of the final
     * flush, and the heap must end up holding nothing.
     */
    @Test
    void aFlushGivesEachRunOfBlocksBackToItsOwnSpan() throws Exception {
        int c = SizeClasses.classOf(64);
        int perSpan = SizeClasses.SLAB_SIZE / 64;
        AtomicReference<String> result = new AtomicReference<>();
        Thread t = new Thread(() -> {
            long[] a = new long[3 * perSpan];
            for (int i = 0; i < a.length; i++) {
                a[i] = Hakmem.malloc(64);
            }
            Stats before = Hakmem.stats();
            for (int k = 0; k < perSpan; k += 2) {
                for (int s = 0; s < 3; s++) {
                    Hakmem.free(a[s * perSpan + k]);
                    Hakmem.free(a[s * perSpan + k + 1]);
                }
            }
            Stats mid = Hakmem.stats();
            Hakmem.trim();
            Heap h = Heaps.fast(Thread.currentThread());
            result.set((mid.sizeClasses().get(c).allocations() - before.sizeClasses().get(c).allocations()) + " "
                    + (mid.sizeClasses().get(c).frees() - before.sizeClasses().get(c).frees()) + " "
                    + (h != null && !h.holdsMemory()));
        });
        t.start();
        t.join();
        assertEquals("0 " + 3 * perSpan + " true", result.get(),
                "allocations, frees between the two snapshots, and whether the heap holds nothing after trim()");
    }

    @Test
    void interleaveTakesBlockJOfEveryPartInTurn() {
        // the drawing of RefillOrder.interleave, at an offset inside a larger array
        long[] m = {-1, 0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32, -1};
        RefillOrder.interleave(m, 1, 12, new long[12]);
        assertArrayEquals(new long[] {-1, 0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32, -1}, m);
        for (int n = 0; n <= 256; n += 4) {
            long[] a = ascending(n);
            RefillOrder.interleave(a, 0, n, new long[n]);
            assertPartsInTurn(a, 4, 4, "4 parts of " + n);
        }
    }

    @Test
    void alternateHalvesSwapsTheOddBlocksOfTheFirstHalfWithTheEvenOnesOfTheSecond() {
        // the drawing of RefillOrder.alternateHalves, at an offset inside a larger array
        long[] m = {-1, 0, 1, 2, 3, 10, 11, 12, 13, -1};
        RefillOrder.alternateHalves(m, 1, 8);
        assertArrayEquals(new long[] {-1, 0, 10, 2, 12, 1, 11, 3, 13, -1}, m);
        for (int n = 0; n <= 256; n += 4) {
            long[] a = ascending(n);
            RefillOrder.alternateHalves(a, 0, n);
            assertPartsInTurn(a, 2, 2, "2 halves of " + n);
            // four parts halved: any two consecutive blocks in two of them (not four in four)
            assertPartsInTurn(a, 4, 2, "4 parts of " + n + " in halves");
        }
    }

    @Test
    void refillOrderInterleavesEightRefillsThenAlternatesHalvesUntilAFlushAndStartsAgainWithANewOwner() {
        // the rule of RefillOrder on one instance: 64 B blocks, chunks of 32 (4 parts of 8 blocks, 512 B each)
        RefillOrder order = new RefillOrder();
        int c = SizeClasses.classOf(64);
        assertEquals(32, RefillOrder.batch(c, 16, 128), "a batch below one chunk is raised to one");
        assertEquals(64, RefillOrder.batch(c, 64, 128), "a larger batch stays");
        assertEquals(20, RefillOrder.batch(c, 16, 20), "but not beyond the magazine's capacity");
        for (int refill = 1; refill <= 10; refill++) {
            assertTrue(order.reorders(c), "refill " + refill);
            long[] m = ascending(2 * 32 + 3); // two whole chunks and a remainder of 3
            order.arrange(c, m, 0, m.length);
            for (int chunk = 0; chunk < 2; chunk++) {
                long[] part = new long[32];
                for (int i = 0; i < 32; i++) {
                    part[i] = m[chunk * 32 + i] - chunk * 32;
                }
                String what = "refill " + refill + ", chunk " + chunk;
                if (refill <= 8) {
                    assertPartsInTurn(part, 4, 4, what + " in four parts");
                } else {
                    assertPartsInTurn(part, 2, 2, what + " in two halves");
                }
            }
            assertArrayEquals(new long[] {64, 65, 66}, Arrays.copyOfRange(m, 64, 67), "the remainder keeps address order");
        }
        order.overflowed(c);
        assertFalse(order.reorders(c), "after a flush: address order");
        order.reset();
        assertTrue(order.reorders(c), "a new owner: reordered again");
        long[] m = ascending(32);
        order.arrange(c, m, 0, 32);
        assertPartsInTurn(m, 4, 4, "a new owner's first refill in four parts");
        int big = SizeClasses.classOf(512);
        assertFalse(order.reorders(big), "blocks of 512 B and more have shadow words of their own");
        order.overflowed(big); // nothing to record
        assertFalse(order.reorders(big));
    }

    /** 0, 1, .. n - 1. */
    private static long[] ascending(int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    /** {@code a} is a permutation of 0 .. n - 1 in which any {@code window} consecutive values lie in as many of {@code parts} equal parts. */
    private static void assertPartsInTurn(long[] a, int parts, int window, String what) {
        int n = a.length;
        long[] sorted = a.clone();
        Arrays.sort(sorted);
        assertArrayEquals(ascending(n), sorted, what + ": a permutation");
        int part = n / parts;
        for (int i = 0; i + window <= n; i++) {
            Set<Long> in = new HashSet<>();
            for (int k = i; k < i + window; k++) {
                in.add(a[k] / part);
            }
            assertEquals(window, in.size(), what + ": blocks " + i + " to " + (i + window - 1) + " in " + Arrays.toString(a));
        }
    }

    @Test
    void aClassThatOnlyRefillsGoesOnInTwoPartsAfterItsFirstEightRefills() throws Exception {
        // a producer (its blocks freed by others, or not yet): the first refills of its class in
        // four parts, the ones after them, up to the first flush, in two halves at a quarter of
        // the cost (RefillOrder.alternateHalves). 3,000 blocks of 64 bytes allocated in a row (refills of
        // at most 128 blocks: the first 256 from four-part refills, the last 1,000 from later ones)
        AtomicReference<String> result = new AtomicReference<>();
        FreshThread.run(() -> {
            long[] a = mallocAll(3000, 64);
            long[] first = Arrays.copyOfRange(a, 0, 256);
            long[] last = Arrays.copyOfRange(a, 2000, 3000);
            result.set("first 256: " + inALiveWordOfTheOnesBefore(first, 3).size() + " in the word of one of the 3 before;"
                    + " last 1000: " + inALiveWordOfTheOnesBefore(last, 1).size() + " in the word of the one before, "
                    + (inALiveWordOfTheOnesBefore(last, 3).size() > 400 ? "over 400" : "at most 400") + " in that of one of the 3 before");
            freeAll(a);
        });
        assertEquals("first 256: 0 in the word of one of the 3 before; last 1000: 0 in the word of the one before, "
                + "over 400 in that of one of the 3 before", result.get());
    }

    @Test
    void consecutiveSmallAllocationsOfAFreshHeapUpdateDifferentShadowWords() throws Exception {
        // a thread whose heap's caches start empty: its first blocks of a small class come from
        // refills in chunks of two or four parts of 512 bytes or more (RefillOrder.interleave); each
        // allocation's LIVE word differs from those of the one, two or three before it (four parts:
        // 16-256 bytes; two parts: 8 bytes, whose chunk of four would not fit the magazine). Sizes
        // of a power of two, whose chunks start on a word: with others the last block of a chunk
        // and the first of the next, neighbours, may share one
        for (int size : new int[] {8, 16, 32, 64, 128, 256}) {
            int ways = size == 8 ? 2 : 4;
            AtomicReference<String> result = new AtomicReference<>();
            FreshThread.run(() -> {
                long[] a = mallocAll(64, size);
                Set<Long> distinct = new HashSet<>();
                for (long x : a) {
                    distinct.add(x);
                }
                List<Integer> sameWord = inALiveWordOfTheOnesBefore(a, ways - 1);
                freeAll(a);
                result.set(distinct.size() + " distinct; same word as one of the " + (ways - 1) + " before at: " + sameWord.toString().replace(",", ""));
            });
            assertEquals("64 distinct; same word as one of the " + (ways - 1) + " before at: []", result.get(), size + "-byte blocks");
        }
    }

    @Test
    void afterItsFirstFlushAClassIsRefilledInAddressOrder() throws Exception {
        // a class whose magazine has overflowed streams its blocks through the spans, where
        // address order is what a flush gives back in runs (Span.giveRun): its refills stop
        // interleaving. 3,000 blocks freed in a row flush the magazine; of the next 3,000
        // allocations those beyond what the magazine held come from refills, whose 64 blocks are
        // consecutive addresses (in interleaved chunks only the last block of one chunk and the
        // first of the next are one block apart: runs of at most 2)
        for (int size : new int[] {16, 64, 256}) {
            AtomicReference<String> result = new AtomicReference<>();
            FreshThread.run(() -> {
                long[] a = mallocAll(3000, size);
                int interleavedRun = longestRunOfNeighbours(a, size);
                freeAll(a);
                a = mallocAll(3000, size);
                int orderedRun = longestRunOfNeighbours(a, size);
                freeAll(a);
                result.set("before the first flush " + (interleavedRun <= 2 ? "at most 2" : interleavedRun) + " in a row, after it " + Math.min(orderedRun, 64));
            });
            assertEquals("before the first flush at most 2 in a row, after it 64", result.get(), size + "-byte blocks");
        }
    }

    /** {@code n} blocks of {@code size} bytes, allocated in turn. */
    private static long[] mallocAll(int n, int size) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = Hakmem.malloc(size);
        }
        return a;
    }

    private static void freeAll(long[] a) {
        for (long x : a) {
            Hakmem.free(x);
        }
    }

    /** The indices {@code i} whose block has the LIVE word of one of the {@code before} blocks before it. */
    private static List<Integer> inALiveWordOfTheOnesBefore(long[] a, int before) {
        List<Integer> same = new ArrayList<>();
        for (int i = 1; i < a.length; i++) {
            for (int k = Math.max(0, i - before); k < i; k++) {
                if (Shadow.word(a[i]) == Shadow.word(a[k])) {
                    same.add(i);
                    break;
                }
            }
        }
        return same;
    }

    /** The longest run of allocations in {@code a} whose addresses follow one another by one block, up or down. */
    private static int longestRunOfNeighbours(long[] a, int size) {
        int best = 1;
        int run = 1;
        for (int i = 1; i < a.length; i++) {
            run = Math.abs(a[i] - a[i - 1]) == size ? run + 1 : 1;
            best = Math.max(best, run);
        }
        return best;
    }

    @Test
    void aThreadThatAdoptsADeadThreadsHeapStartsWithAFreshHeapsRefillOrder() throws Exception {
        // thread A overflows the 16-byte class's magazine (its refills then keep address order)
        // and dies; thread B, made right after, adopts A's heap (the first dead heap), and its
        // refills of that class interleave again (Heap.bind clears the flags for a new owner)
        int adopted = 0;
        for (int attempt = 0; attempt < 5 && adopted < 2; attempt++) {
            AtomicReference<Heap> heapOfA = new AtomicReference<>();
            FreshThread.run(() -> {
                heapOfA.set(Heaps.ofPlatformThread(Thread.currentThread()));
                freeAll(mallocAll(3000, 16));
            });
            AtomicReference<String> result = new AtomicReference<>();
            FreshThread.run(() -> {
                if (Heaps.ofPlatformThread(Thread.currentThread()) != heapOfA.get()) {
                    return; // another heap (one that died in between, or a new one): try again
                }
                long[] a = mallocAll(64, 16);
                int sameWord = inALiveWordOfTheOnesBefore(a, 1).size();
                freeAll(a);
                result.set("64 allocations on the adopted heap, " + sameWord + " in the LIVE word of the one before");
            });
            if (result.get() != null) {
                adopted++;
                assertEquals("64 allocations on the adopted heap, 0 in the LIVE word of the one before", result.get());
            }
        }
        assertTrue(adopted > 0, "no attempt had the second thread adopt the first one's heap");
    }
}

