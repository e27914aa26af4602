package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import dev.hakmem.internal.os.Os;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every tier's class boundaries, aligned allocation, realloc across every class pair, pool stages. */
class TiersTest {
    private static final MemorySegment ALL = Os.ALL;
    private static final long MIB = 1 << 20;

    static void fill(long a, long n, int seed) {
        MemorySegment s = ALL.asSlice(a, n);
        long words = n >>> 3;
        for (long i = 0; i < words; i++) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, i << 3, (i + seed) * 0x9E3779B97F4A7C15L);
        }
        for (long i = words << 3; i < n; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, tailByte(i, seed));
        }
    }

    /** Byte i of the pattern: the matching byte of its word's value (little-endian), whatever the block length. */
    private static byte tailByte(long i, int seed) {
        return (byte) (((i >>> 3) + seed) * 0x9E3779B97F4A7C15L >>> ((i & 7) * 8));
    }

    static void check(long a, long n, int seed, String what) {
        MemorySegment s = ALL.asSlice(a, n);
        long words = n >>> 3;
        for (long i = 0; i < words; i++) {
            if (s.get(ValueLayout.JAVA_LONG_UNALIGNED, i << 3) != (i + seed) * 0x9E3779B97F4A7C15L) {
                throw new AssertionError(what + ": word " + i + " of " + n + " bytes changed");
            }
        }
        for (long i = words << 3; i < n; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != tailByte(i, seed)) {
                throw new AssertionError(what + ": byte " + i + " of " + n + " bytes changed");
            }
        }
    }

    /** The usable size hakmem must give a request of {@code size} bytes. */
    static long expectedUsable(long size) {
        if (size <= SizeClasses.MAX_SIZE) {
            return SizeClasses.size(SizeClasses.classOfAny(size));
        }
        return (size + 4095) & -4096L;
    }

    @Test
    void everyClassBoundaryOfEveryTier() {
        Set<Long> sizes = new java.util.TreeSet<>();
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long s = SizeClasses.size(c);
            sizes.add(s - 1);
            sizes.add(s);
            sizes.add(s + 1);
        }
        sizes.add(0L);
        for (long s : new long[] {3 * MIB, 4 * MIB - 1, 4 * MIB, 4 * MIB + 1, 16 * MIB + 5}) {
            sizes.add(s);
        }
        long[] live = new long[sizes.size()];
        int i = 0;
        for (long size : sizes) {
            long a = Hakmem.malloc(size);
            assertEquals(expectedUsable(size), Hakmem.usableSize(a), "usable size of " + size);
            assertEquals(0, a % (size <= 8 ? 8 : 16), "alignment of " + size);
            fill(a, size, i);
            live[i++] = a;
        }
        i = 0;
        for (long size : sizes) {
            check(live[i], size, i, "block of " + size);
            Hakmem.free(live[i]);
            i++;
        }
    }

    @Test
    void alignedAllocationForEveryPowerOfTwoAcrossSizes() {
        for (int shift = 0; shift <= 22; shift++) {
            long align = 1L << shift;
            for (long size : new long[] {0, 1, 7, 8, 15, 16, 100, align - 1, align, align + 1, 3 * align, 5000, 100_000,
                    700_000, 3 * MIB}) {
                if (size < 0) {
                    continue;
                }
                long a = Hakmem.alignedAlloc(align, size);
                assertEquals(0, a % align, "alignedAlloc(" + align + ", " + size + ")");
                long usable = Hakmem.usableSize(a);
                assertTrue(usable >= size);
                if (align <= 16 && size >= 16) {
                    assertEquals(expectedUsable(size), usable, "small alignments cost nothing: " + align + ", " + size);
                }
                if (align <= MIB && size <= SizeClasses.MAX_SIZE - align) {
                    assertTrue(Hakmem.usableSize(a) <= SizeClasses.MAX_SIZE, "served by a size class: " + align + ", " + size);
                }
                fill(a, Math.min(size, 1 << 16), shift);
                check(a, Math.min(size, 1 << 16), shift, "aligned block");
                Hakmem.free(a);
            }
        }
    }

    @Test
    void reallocThroughEveryClassPairKeepsContent() {
        long[] sizes = new long[SizeClasses.COUNT + 2];
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            sizes[c] = SizeClasses.size(c) - (c % 3);
        }
        sizes[SizeClasses.COUNT] = 3 * MIB + 5;
        sizes[SizeClasses.COUNT + 1] = 9 * MIB;
        for (long from : sizes) {
            for (long to : sizes) {
                long a = Hakmem.malloc(from);
                int seed = (int) (from * 31 + to);
                fill(a, from, seed);
                long b = Hakmem.realloc(a, to);
                check(b, Math.min(from, to), seed, "realloc " + from + " -> " + to);
                assertTrue(Hakmem.usableSize(b) >= to);
                if (from <= SizeClasses.MAX_SIZE && to <= SizeClasses.MAX_SIZE
                        && SizeClasses.classOfAny(from) == SizeClasses.classOfAny(to)) {
                    assertEquals(a, b, "same class stays in place: " + from + " -> " + to);
                }
                Hakmem.free(b);
            }
        }
    }

    @Test
    void reallocGrowsHugeBlocksWithoutLosingContent() {
        long a = Hakmem.malloc(3 * MIB);
        fill(a, 3 * MIB, 5);
        for (long n = 4 * MIB; n <= 64 * MIB; n *= 2) {
            a = Hakmem.realloc(a, n);
            check(a, 3 * MIB, 5, "grown to " + n);
        }
        a = Hakmem.realloc(a, 3 * MIB + 1);
        check(a, 3 * MIB, 5, "shrunk");
        Hakmem.free(a);
    }

    /** Spans freed empty are reused by other classes (stage 0.5) before new memory is mapped. */
    @Test
    void emptySlabsAreReusedAcrossClasses() {
        int n = 4000;
        long[] big = new long[n];
        for (int i = 0; i < n; i++) {
            big[i] = Hakmem.malloc(900);  // class 896 < 900 <= 1024
        }
        Set<Long> slots = new HashSet<>();
        for (long a : big) {
            slots.add(a >>> 16);
        }
        for (long a : big) {
            Hakmem.free(a);
        }
        Stats before = Hakmem.stats();
        long[] other = new long[n * 4];
        int reused = 0;
        for (int i = 0; i < other.length; i++) {
            other[i] = Hakmem.malloc(200);
            if (slots.contains(other[i] >>> 16)) {
                reused++;
            }
        }
        Stats after = Hakmem.stats();
        assertTrue(after.stages().emptySlab() > before.stages().emptySlab(), "stage 0.5 counted: " + before.stages()
                + " -> " + after.stages());
        assertTrue(reused > 0, "slabs of the 1 KiB class were reused for the 224 B class");
        for (long a : other) {
            Hakmem.free(a);
        }
    }

    /** The SuperSlab cache: a workload that repeatedly empties and refills needs no new mmaps after the first round. */
    @Test
    void superSlabCacheCutsMmaps() {
        int n = 20_000;  // ~20 MiB of 1 KiB blocks: 10 SuperSlabs
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = Hakmem.malloc(1000);
        }
        for (long x : a) {
            Hakmem.free(x);
        }
        long mmaps = Hakmem.stats().mmapCalls();
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < n; i++) {
                a[i] = Hakmem.malloc(1000 - round);
            }
            for (long x : a) {
                Hakmem.free(x);
            }
        }
        long extra = Hakmem.stats().mmapCalls() - mmaps;
        assertTrue(extra <= 12, "10 rounds of 20 MiB needed " + extra + " more mmaps (cache should serve them)");
    }

    /**
     * Large blocks churned in and out: the pool keeps their empty spans formatted, so the same
     * classes come back without new SuperSlabs, OS calls or shadow clearing; trim() dissolves the
     * kept spans and gives their memory back.
     */
    @Test
    void emptyLargeSpansAreKeptForReuseAndTrimmed() {
        long[] sizes = {40_000, 100_000, 300_000, 1 * MIB, 2 * MIB};
        long[] a = new long[sizes.length];
        Hakmem.trim(); // spans earlier tests left parked in this thread's heap count against its bound
        for (int i = 0; i < a.length; i++) {  // first round: spans formatted
            a[i] = Hakmem.malloc(sizes[i]);
        }
        for (long x : a) {
            Hakmem.free(x);
        }
        Stats before = Hakmem.stats();
        for (int round = 0; round < 1000; round++) {
            for (int i = 0; i < a.length; i++) {
                a[i] = Hakmem.malloc(sizes[i]);
                fill(a[i], 64, round);
            }
            for (int i = 0; i < a.length; i++) {
                check(a[i], 64, round, "large block " + sizes[i]);
                Hakmem.free(a[i]);
            }
        }
        Stats after = Hakmem.stats();
        assertEquals(before.mmapCalls(), after.mmapCalls(), "churn of large blocks mapped memory");
        assertEquals(before.munmapCalls(), after.munmapCalls(), "churn of large blocks unmapped memory");
        assertEquals(before.stages().newSuperSlab(), after.stages().newSuperSlab());
        assertEquals(before.stages().cachedSuperSlab(), after.stages().cachedSuperSlab(),
                "parked and kept spans should serve the churn, not the SuperSlab cache");
        // 5 sizes x 1000 rounds: the emptied spans wait parked in this thread's heap (well within
        // hakmem.parkedSpanBytes) and serve the next round without a trip to the pool
        long poolTrips = total(after.stages()) - total(before.stages());
        assertTrue(poolTrips < 50, "5000 large allocations took " + poolTrips + " spans from the pool: "
                + before.stages() + " -> " + after.stages());
        Hakmem.trim();
        Stats trimmed = Hakmem.stats();
        assertTrue(trimmed.mappedBytes() < after.mappedBytes(), "trim gave kept spans back: "
                + after.mappedBytes() + " -> " + trimmed.mappedBytes());
    }

    private static long total(Stats.Stages s) {
        return s.emptySlab() + s.partialSlab() + s.unusedSlot() + s.cachedSuperSlab() + s.newSuperSlab();
    }

    /**
     * A large block freed by its owner waits in the owner's magazine like a small one: freeing and
     * allocating one of every large class again and again refills each class's magazine once, and
     * a freed block is still caught by a second free.
     */
    @Test
    void largeBlocksComeBackFromTheMagazine() {
        Hakmem.trim();
        Stats before = Hakmem.stats();
        for (int round = 0; round < 1000; round++) {
            for (int c = SizeClasses.SMALL_COUNT; c < SizeClasses.COUNT; c++) {
                long a = Hakmem.malloc(SizeClasses.size(c));
                fill(a, 64, round);
                check(a, 64, round, "class " + c);
                Hakmem.free(a);
                if (round == 999 && c == SizeClasses.COUNT - 1) {
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Hakmem.free(a));
                    assertTrue(e.getMessage().contains(Long.toHexString(a)), e.getMessage());
                }
            }
        }
        Stats after = Hakmem.stats();
        for (int c = SizeClasses.SMALL_COUNT; c < SizeClasses.COUNT; c++) {
            long refills = after.sizeClasses().get(c).refills() - before.sizeClasses().get(c).refills();
            assertTrue(refills <= 2, "class " + c + " (" + SizeClasses.size(c) + " B): " + refills
                    + " refills for 1000 malloc/free pairs");
        }
    }

    /**
     * A thread that keeps allocating does not keep its freed large blocks: the sweep the decay
     * thread asks for (run on the thread's next slow path) gives the large classes' magazines back.
     */
    @Test
    void largeBlocksLeaveTheMagazineOfAHeapInUse() throws InterruptedException {
        Hakmem.trim();
        int c = SizeClasses.classOfAny(MIB);
        Hakmem.free(Hakmem.malloc(MIB));
        Heap h = Heaps.ofPlatformThread(Thread.currentThread());
        assertEquals(1, Magazines.count(h.mag, c), "the freed block waits in the magazine");
        long deadline = System.nanoTime() + 3 * dev.hakmem.internal.os.DecayClock.DECAY_NANOS + 500_000_000L;
        long[] small = new long[4096];
        while (Magazines.count(h.mag, c) != 0 && System.nanoTime() - deadline < 0) {
            for (int i = 0; i < small.length; i++) { // refills and flushes: slow paths
                small[i] = Hakmem.malloc(48);
            }
            for (long x : small) {
                Hakmem.free(x);
            }
        }
        assertEquals(0, Magazines.count(h.mag, c), "the magazine of " + MIB + " B blocks after the decay time");
    }

    /**
     * A block freed by another thread and still queued when its owner trims: the trim collects it
     * before it decides which spans are empty, so the span it emptied goes back to the pool (and
     * its SuperSlab can go back to the OS) instead of staying the owner's current span.
     */
    @Test
    void trimReleasesTheCurrentSpanThatRemoteFreesEmptied() throws Exception {
        Hakmem.trim();
        long[] block = new long[1];
        Span[] after = new Span[1];
        Throwable[] failure = new Throwable[1];
        Thread owner = new Thread(() -> {
            try {
                block[0] = Hakmem.malloc(MIB); // the only block of this thread's 1 MiB class: its current span
                fill(block[0], 64, 7);
                Thread freer = new Thread(() -> Hakmem.free(block[0]));
                freer.start();
                freer.join(); // the free is queued on the owner's span (a remote free)
                Hakmem.trim();
                after[0] = SpanMap.of(block[0]);
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        owner.start();
        owner.join();
        assertEquals(null, failure[0]);
        assertTrue(after[0] == null || after[0].owner == null,
                "the span the remote free emptied is still held after trim: " + after[0]);
    }

    /**
     * A churn of large blocks at random sizes (64 slots of 64 KiB - 2 MiB, each freed and
     * allocated again, first bytes written) sweeps its spans on growth at most twice per
     * {@link SweepSchedule#GAP}: once at the threshold of an eighth of the mapped bytes (what its
     * spans hold swings by more than that every few hundred operations, and sweeping each time
     * gave back pages it took again a moment later: about one sweep per 2,000 operations before
     * the gap), once below it before a new span ({@link SweepSchedule#dueBeforeGrowth}). The count
     * is printed.
     */
    @Test
    void largeChurnSweepsAtMostTwicePerGap() {
        Hakmem.trim();
        SplittableRandom r = new SplittableRandom(42);
        long[] slots = new long[64];
        long sweeps = SweepSchedule.sweeps();
        long start = System.nanoTime();
        for (int i = 0; i < 200_000; i++) {
            int k = r.nextInt(slots.length);
            if (slots[k] != 0) {
                Hakmem.free(slots[k]);
            }
            long size = 65_536 + r.nextLong(2 * MIB - 65_536 + 1);
            slots[k] = Hakmem.malloc(size);
            Os.ALL.set(ValueLayout.JAVA_BYTE, slots[k], (byte) i);
        }
        long elapsed = System.nanoTime() - start;
        long done = SweepSchedule.sweeps() - sweeps;
        for (long a : slots) {
            Hakmem.free(a);
        }
        System.out.println("largeChurnSweepsAtMostTwicePerGap: " + done + " growth sweeps in " + elapsed / 1_000_000 + " ms");
        assertTrue(done <= 2 * (elapsed / SweepSchedule.GAP + 1), done + " growth sweeps in " + elapsed / 1_000_000 + " ms");
    }

    /**
     * A freed large block (cached in the thread's magazine, its span then parked) goes back to
     * the pool after the decay time, without a call: the next block of its class then needs a
     * span from the pool again.
     */
    @Test
    void parkedLargeSpansGoToThePoolAfterTheDecayTime() throws InterruptedException {
        Hakmem.trim();
        long a = Hakmem.malloc(300_000);
        Hakmem.free(a);
        long trips = total(Hakmem.stats().stages());
        Hakmem.free(Hakmem.malloc(300_000)); // the parked span again
        assertEquals(trips, total(Hakmem.stats().stages()), "served by the cached block");
        Thread.sleep(2 * dev.hakmem.internal.os.DecayClock.DECAY_NANOS / 1_000_000 + 500);
        Hakmem.free(Hakmem.malloc(300_000));
        assertEquals(trips + 1, total(Hakmem.stats().stages()), "the parked span went to the pool meanwhile");
    }

    /**
     * A large span maps only the slabs its blocks start in; an address inside a large block, in a
     * slab no block starts in, is still recognised as the interior of that block, and a freed
     * one as memory holding no live block.
     */
    @Test
    void interiorOfLargeBlocksInEverySlab() {
        long a = Hakmem.malloc(2 * MIB);
        long b = Hakmem.malloc(1300 * 1024);
        for (long off = 8; off < 2 * MIB; off += 64 * 1024 - 8) {
            long p = a + off;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Hakmem.free(p));
            assertTrue(e.getMessage().contains("interior"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Hakmem.usableSize(p));
        }
        for (long off = 4096; off < 1300 * 1024; off += 64 * 1024) {
            long p = b + off;
            assertThrows(IllegalArgumentException.class, () -> Hakmem.free(p));
        }
        Hakmem.free(b);
        assertThrows(IllegalStateException.class, () -> Hakmem.free(b));
        Hakmem.free(a);
        assertThrows(IllegalStateException.class, () -> Hakmem.free(a));
    }

    @Test
    void stageCountersAddUpToCommittedSuperSlabs() {
        Stats s = Hakmem.stats();
        assertTrue(s.stages().newSuperSlab() >= s.superSlabs() - s.stages().cachedSuperSlab() - 64,
                "every committed SuperSlab came from stage 4 (or was recycled): " + s);
        assertTrue(s.stages().total() > 0);
    }
}
