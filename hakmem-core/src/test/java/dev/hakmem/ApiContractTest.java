package dev.hakmem;

import static dev.hakmem.testing.BlockPattern.MAX_BLOCK;
import static dev.hakmem.testing.BlockPattern.PATTERN;
import static dev.hakmem.testing.BlockPattern.fill;
import static dev.hakmem.testing.BlockPattern.off;
import static dev.hakmem.testing.BlockPattern.seg;
import static dev.hakmem.testing.BlockPattern.verify;
import static dev.hakmem.testing.BlockPattern.verifyZero;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * The documented contract of the public facade {@link Hakmem}: sizes, usable sizes, alignment,
 * zeroing, {@code realloc} preservation, {@code alignedAlloc}, the {@code MemorySegment} API and
 * the {@link Stats} snapshot.
 *
 * <p>Every block that is handed out is written (a pattern over its requested bytes) and read back,
 * and blocks that are live at the same time are checked not to overlap (using
 * {@link Hakmem#usableSize}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("restricted") // raw native addresses are what this test is about
class ApiContractTest {

    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    static final long KiB = 1024, MiB = 1024 * KiB;

    static void assertMinAlignment(long address, long requested, String what) {
        assertNotEquals(0L, address, what + ": null address");
        long align = requested >= 16 ? 16 : 8;
        assertEquals(0L, address % align, what + ": address 0x" + Long.toHexString(address)
                + " of a " + requested + "-byte request is not " + align + "-byte aligned");
    }

    /** Checks that the blocks [address, address + usableSize) are pairwise disjoint. */
    static void assertDisjoint(long[] addresses, String what) {
        long[] a = addresses.clone();
        Arrays.sort(a);
        for (int i = 1; i < a.length; i++) {
            assertNotEquals(a[i - 1], a[i], what + ": address 0x" + Long.toHexString(a[i]) + " handed out twice");
            long end = a[i - 1] + Math.max(1, Hakmem.usableSize(a[i - 1]));
            if (end > a[i]) {
                fail(what + ": block 0x" + Long.toHexString(a[i - 1]) + " (usable "
                        + Hakmem.usableSize(a[i - 1]) + ") overlaps block 0x" + Long.toHexString(a[i]));
            }
        }
    }

    // ------------------------------------------------------------------ malloc(0)

    @Test
    void mallocZeroGivesUniqueFreeableAddresses() {
        int n = 10_000;
        long[] a = new long[n];
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            a[i] = Hakmem.malloc(0);
            assertMinAlignment(a[i], 0, "malloc(0) #" + i);
            assertTrue(seen.add(a[i]), "malloc(0) #" + i + " returned 0x" + Long.toHexString(a[i]) + " twice");
            assertTrue(Hakmem.usableSize(a[i]) >= 0);
        }
        // Interleaved with tiny non-empty blocks, still all distinct and disjoint.
        long[] b = new long[2000];
        for (int i = 0; i < b.length; i++) {
            b[i] = (i & 1) == 0 ? Hakmem.malloc(0) : Hakmem.malloc(1 + i % 24);
            assertTrue(seen.add(b[i]), "address 0x" + Long.toHexString(b[i]) + " handed out twice");
            if ((i & 1) == 1) fill(b[i], 1 + i % 24, off(i));
        }
        for (int i = 1; i < b.length; i += 2) verify(b[i], 1 + i % 24, off(i), "tiny block next to malloc(0)");
        long[] all = new long[n + b.length];
        System.arraycopy(a, 0, all, 0, n);
        System.arraycopy(b, 0, all, n, b.length);
        assertDisjoint(all, "malloc(0)");
        for (long x : a) Hakmem.free(x);
        for (long x : b) Hakmem.free(x);
        // And they can be handed out again.
        long again = Hakmem.malloc(0);
        Hakmem.free(again);
    }

    // ------------------------------------------------------------------ usable size and alignment

    static long[] sweepSizes() {
        List<Long> s = new ArrayList<>();
        for (long i = 0; i <= 2048; i++) s.add(i);
        for (long i = 2049; i <= 70_000; i += 97) s.add(i);
        for (long p = 4096; p <= 65536; p <<= 1) {
            s.add(p - 1);
            s.add(p);
            s.add(p + 1);
        }
        return s.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void usableSizeCoversRequestAndBlocksAreAlignedAndDisjoint() {
        long[] sizes = sweepSizes();
        long[] a = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            a[i] = Hakmem.malloc(sizes[i]);
            assertMinAlignment(a[i], sizes[i], "malloc(" + sizes[i] + ")");
            long u = Hakmem.usableSize(a[i]);
            assertTrue(u >= sizes[i], "usableSize " + u + " < requested " + sizes[i]);
            fill(a[i], sizes[i], off(i));
        }
        assertDisjoint(a, "size sweep");
        for (int i = 0; i < sizes.length; i++) verify(a[i], sizes[i], off(i), "size sweep malloc(" + sizes[i] + ")");
        // usableSize is stable for a live block.
        for (int i = 0; i < sizes.length; i++) {
            assertTrue(Hakmem.usableSize(a[i]) >= sizes[i]);
        }
        for (long x : a) Hakmem.free(x);
    }

    @Test
    void largeSizesWork() {
        long[] sizes = {1 * MiB, 2 * MiB - 1, 2 * MiB, 2 * MiB + 1, 3 * MiB, 64 * MiB, 100 * MiB + 12345};
        long[] a = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            a[i] = Hakmem.malloc(sizes[i]);
            assertMinAlignment(a[i], sizes[i], "malloc(" + sizes[i] + ")");
            assertTrue(Hakmem.usableSize(a[i]) >= sizes[i]);
            if (sizes[i] <= MAX_BLOCK) {
                fill(a[i], sizes[i], off(i));
            } else {
                seg(a[i], sizes[i]).fill((byte) i);
            }
        }
        assertDisjoint(a, "large sizes");
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] <= MAX_BLOCK) {
                verify(a[i], sizes[i], off(i), "malloc(" + sizes[i] + ")");
            } else {
                MemorySegment s = seg(a[i], sizes[i]);
                assertEquals((byte) i, s.get(ValueLayout.JAVA_BYTE, 0));
                assertEquals((byte) i, s.get(ValueLayout.JAVA_BYTE, sizes[i] / 2));
                assertEquals((byte) i, s.get(ValueLayout.JAVA_BYTE, sizes[i] - 1));
            }
        }
        for (long x : a) Hakmem.free(x);
        // Hundreds of MiB.
        long big = 300 * MiB;
        long b = Hakmem.malloc(big);
        assertMinAlignment(b, big, "malloc(300 MiB)");
        assertTrue(Hakmem.usableSize(b) >= big);
        MemorySegment s = seg(b, big);
        for (long o = 0; o < big; o += 4096) s.set(ValueLayout.JAVA_BYTE, o, (byte) (o >>> 12));
        s.set(ValueLayout.JAVA_BYTE, big - 1, (byte) 0x5A);
        for (long o = 0; o < big; o += 4096) assertEquals((byte) (o >>> 12), s.get(ValueLayout.JAVA_BYTE, o));
        assertEquals((byte) 0x5A, s.get(ValueLayout.JAVA_BYTE, big - 1));
        Hakmem.free(b);
    }

    /** Every usable byte (not only the requested ones) belongs to the block: writing it disturbs no neighbour. */
    @Test
    void allUsableBytesAreWritable() {
        long[] sizes = {0, 1, 7, 8, 9, 15, 16, 17, 24, 33, 100, 500, 1000, 1024, 1025, 3000, 8191, 20000, 40000,
                65537, 200_000, 1 * MiB + 3, 5 * MiB + 7};
        int rounds = 20;
        long[] a = new long[sizes.length * rounds];
        long[] u = new long[a.length];
        long[] aligns = {1, 16, 64, 256, 4096, 65536, 2 * MiB};
        for (int i = 0; i < a.length; i++) {
            long size = sizes[i % sizes.length];
            int kind = (i / sizes.length) % 4;
            // malloc, alignedAlloc, calloc and realloc results alike
            a[i] = switch (kind) {
                case 0 -> Hakmem.malloc(size);
                case 1 -> Hakmem.alignedAlloc(aligns[(i / sizes.length / 4 + i) % aligns.length], size);
                case 2 -> Hakmem.calloc(1, size);
                default -> Hakmem.realloc(Hakmem.malloc(size / 2 + 1), size);
            };
            u[i] = Hakmem.usableSize(a[i]);
            assertTrue(u[i] >= size);
            fill(a[i], u[i], off(i));
        }
        assertDisjoint(a, "usable bytes");
        for (int i = 0; i < a.length; i++) {
            verify(a[i], u[i], off(i), "usable bytes of a " + sizes[i % sizes.length] + "-byte block (kind "
                    + (i / sizes.length) % 4 + ": 0 malloc, 1 alignedAlloc, 2 calloc, 3 realloc)");
        }
        for (long x : a) Hakmem.free(x);
    }

    // ------------------------------------------------------------------ calloc

    @Test
    void callocZeroes() {
        long[][] shapes = {{0, 0}, {0, 10}, {10, 0}, {1, 1}, {1, 8}, {3, 5}, {16, 16}, {1, 1000}, {100, 10}, {1024, 1},
                {1, 1025}, {7, 1111}, {4096, 4}, {1, 65536}, {3, 33333}, {1, 1 * MiB}, {1024, 3 * 1024}, {5, 1 * MiB + 1},
                {1, 64 * MiB}};
        for (long[] sh : shapes) {
            long a = Hakmem.calloc(sh[0], sh[1]);
            long n = sh[0] * sh[1];
            assertMinAlignment(a, n, "calloc(" + sh[0] + ", " + sh[1] + ")");
            assertTrue(Hakmem.usableSize(a) >= n);
            verifyZero(a, n, "calloc(" + sh[0] + ", " + sh[1] + ")");
            Hakmem.free(a);
        }
    }

    @Test
    void callocZeroesRecycledDirtyMemory() {
        long[] sizes = {1, 8, 16, 24, 48, 64, 100, 256, 1000, 1024, 1500, 4096, 10_000, 40_000, 65536, 100_000,
                1 * MiB, 3 * MiB};
        for (long size : sizes) {
            int reps = size >= MiB ? 10 : 50;
            for (int r = 0; r < reps; r++) {
                long a = Hakmem.malloc(size);
                seg(a, Hakmem.usableSize(a)).fill((byte) 0xFF);
                Hakmem.free(a);
                long c = Hakmem.calloc(1, size);
                verifyZero(c, size, "calloc(1, " + size + ") rep " + r + (c == a ? " (same address as the dirtied block)" : ""));
                seg(c, Hakmem.usableSize(c)).fill((byte) 0xFF);
                Hakmem.free(c);
            }
            // A batch: dirty many, free them all, calloc as many.
            int batch = size >= MiB ? 4 : 64;
            long[] d = new long[batch];
            for (int i = 0; i < batch; i++) {
                d[i] = Hakmem.malloc(size);
                seg(d[i], Hakmem.usableSize(d[i])).fill((byte) 0xFF);
            }
            for (long x : d) Hakmem.free(x);
            long[] c = new long[batch];
            for (int i = 0; i < batch; i++) {
                c[i] = (size % 4 == 0 && size >= 4) ? Hakmem.calloc(size / 4, 4) : Hakmem.calloc(size, 1);
                verifyZero(c[i], size, "batch calloc of " + size + " bytes #" + i);
            }
            for (long x : c) Hakmem.free(x);
        }
    }

    // ------------------------------------------------------------------ realloc

    @Test
    void reallocKeepsPrefix() {
        long[][] pairs = {{1, 7}, {7, 1}, {8, 16}, {16, 8}, {1, 1024}, {24, 4096}, {4096, 100}, {100, 5 * MiB},
                {5 * MiB, 100}, {5 * MiB, 3 * MiB}, {3 * MiB, 5 * MiB}, {1000, 1024}, {1024, 1025}, {1025, 1024},
                {70_000, 65_536}, {65_536, 70_000}, {64, 64}, {1 * MiB, 2 * MiB}, {2 * MiB, 1 * MiB}, {300, 30_000},
                {30_000, 300}, {0, 10}, {10, 1}, {8 * KiB, 32 * KiB}, {32 * KiB, 8 * KiB}, {100_000, 1_000_000}};
        int i = 0;
        for (long[] p : pairs) {
            long oldSize = p[0], newSize = p[1];
            int off = off(i++);
            long a = Hakmem.malloc(oldSize);
            fill(a, oldSize, off);
            long b = Hakmem.realloc(a, newSize);
            String what = "realloc(malloc(" + oldSize + "), " + newSize + ")";
            assertMinAlignment(b, newSize, what);
            assertTrue(Hakmem.usableSize(b) >= newSize, what + ": usableSize too small");
            verify(b, Math.min(oldSize, newSize), off, what);
            fill(b, newSize, off);
            verify(b, newSize, off, what + " after refill");
            Hakmem.free(b);
        }
    }

    @Test
    void reallocChainKeepsData() {
        long[] chain = {1, 5, 13, 32, 100, 1024, 1025, 4096, 40_000, 100_000, 5 * MiB, 3 * MiB, 100, 3, 64 * KiB,
                1, 2 * MiB, 16, 50};
        int off = 4242;
        long a = Hakmem.malloc(chain[0]);
        fill(a, chain[0], off);
        for (int i = 1; i < chain.length; i++) {
            long b = Hakmem.realloc(a, chain[i]);
            String what = "realloc step " + chain[i - 1] + " -> " + chain[i];
            assertMinAlignment(b, chain[i], what);
            assertTrue(Hakmem.usableSize(b) >= chain[i]);
            verify(b, Math.min(chain[i - 1], chain[i]), off, what);
            fill(b, chain[i], off);
            a = b;
        }
        Hakmem.free(a);
    }

    @Test
    void reallocOfLiveNeighboursDoesNotDisturbThem() {
        int n = 300;
        long[] a = new long[n];
        long[] size = new long[n];
        Random r = new Random(77);
        for (int i = 0; i < n; i++) {
            size[i] = 1 + r.nextInt(2000);
            a[i] = Hakmem.malloc(size[i]);
            fill(a[i], size[i], off(i));
        }
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < n; i += 2) {
                long ns = r.nextInt(10) == 0 ? 1 + r.nextInt(200_000) : 1 + r.nextInt(3000);
                long b = Hakmem.realloc(a[i], ns);
                verify(b, Math.min(size[i], ns), off(i), "realloc " + size[i] + " -> " + ns);
                a[i] = b;
                size[i] = ns;
                fill(a[i], size[i], off(i));
            }
            for (int i = 0; i < n; i++) verify(a[i], size[i], off(i), "after realloc round " + round);
            assertDisjoint(a, "realloc round " + round);
        }
        for (long x : a) Hakmem.free(x);
    }

    @Test
    void reallocOfZeroIsMalloc() {
        long[] sizes = {0, 1, 16, 100, 1024, 5000, 100_000, 3 * MiB};
        Set<Long> seen = new HashSet<>();
        List<Long> live = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            long a = Hakmem.realloc(0, sizes[i]);
            assertMinAlignment(a, sizes[i], "realloc(0, " + sizes[i] + ")");
            assertTrue(seen.add(a), "realloc(0, n) returned a live address twice");
            assertTrue(Hakmem.usableSize(a) >= sizes[i]);
            fill(a, sizes[i], off(i));
            live.add(a);
        }
        for (int i = 0; i < sizes.length; i++) verify(live.get(i), sizes[i], off(i), "realloc(0, " + sizes[i] + ")");
        assertDisjoint(live.stream().mapToLong(Long::longValue).toArray(), "realloc(0, n)");
        for (long x : live) Hakmem.free(x);
    }

    // ------------------------------------------------------------------ alignedAlloc

    @Test
    void alignedAllocHonoursEveryPowerOfTwo() {
        List<Long> live = new ArrayList<>();
        List<Long> liveSizes = new ArrayList<>();
        for (long align = 1; align <= 4 * MiB; align <<= 1) {
            long[] sizes = {0, 1, 8, 24, 100, 1000, align - 1 > 0 ? align - 1 : 2, align, align + 1, 3 * align + 5,
                    70_000};
            for (long size : sizes) {
                long a = Hakmem.alignedAlloc(align, size);
                String what = "alignedAlloc(" + align + ", " + size + ")";
                assertNotEquals(0L, a, what);
                assertEquals(0L, a % align, what + " gave 0x" + Long.toHexString(a));
                assertMinAlignment(a, size, what);
                assertTrue(Hakmem.usableSize(a) >= size, what + ": usableSize " + Hakmem.usableSize(a));
                int off = off(live.size());
                fill(a, size, off);
                live.add(a);
                liveSizes.add(size);
            }
            // keep the live set bounded: check and free once it gets big
            if (align >= 64 * KiB || live.size() > 200) {
                checkAndFree(live, liveSizes, "alignedAlloc up to " + align);
            }
        }
        checkAndFree(live, liveSizes, "alignedAlloc");
        // aligned blocks can be used by realloc too
        long a = Hakmem.alignedAlloc(4096, 1000);
        fill(a, 1000, 7);
        long b = Hakmem.realloc(a, 100_000);
        verify(b, 1000, 7, "realloc of an aligned block");
        Hakmem.free(b);
    }

    private static void checkAndFree(List<Long> live, List<Long> sizes, String what) {
        long[] arr = live.stream().mapToLong(Long::longValue).toArray();
        // offsets were assigned by index in allocation order since the last clear; recompute as we go
        assertDisjoint(arr, what);
        for (int i = 0; i < arr.length; i++) {
            verify(arr[i], sizes.get(i), off(i), what);
        }
        for (long x : arr) Hakmem.free(x);
        live.clear();
        sizes.clear();
    }

    // ------------------------------------------------------------------ MemorySegment API

    @Test
    void allocateGivesSegmentOfExactSize() {
        long[] sizes = {0, 1, 7, 15, 16, 17, 100, 1024, 4096, 4097, 65536, 100_000, 1 * MiB, 5 * MiB + 3};
        List<MemorySegment> segs = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            MemorySegment s = Hakmem.allocate(sizes[i]);
            assertNotNull(s);
            assertEquals(sizes[i], s.byteSize(), "allocate(" + sizes[i] + ").byteSize()");
            assertTrue(s.isNative(), "allocate(" + sizes[i] + ") is not native");
            assertFalse(s.isReadOnly());
            assertMinAlignment(s.address(), sizes[i], "allocate(" + sizes[i] + ")");
            assertTrue(Hakmem.usableSize(s.address()) >= sizes[i]);
            if (sizes[i] > 0) {
                MemorySegment.copy(PATTERN, off(i), s, 0, sizes[i]);
            }
            segs.add(s);
        }
        assertDisjoint(segs.stream().mapToLong(MemorySegment::address).toArray(), "allocate");
        for (int i = 0; i < sizes.length; i++) {
            MemorySegment s = segs.get(i);
            assertEquals(-1L, s.mismatch(PATTERN.asSlice(off(i), sizes[i])), "allocate(" + sizes[i] + ") content");
            Hakmem.free(s);
        }
        // A segment can also be given back through its address, and an address through a segment-free
        // of the same block works once.
        MemorySegment s = Hakmem.allocate(64);
        Hakmem.free(s.address());
        long a = Hakmem.malloc(64);
        Hakmem.free(MemorySegment.ofAddress(a).reinterpret(64));
    }

    // ------------------------------------------------------------------ Stats

    static void assertSane(Stats s) {
        assertNotNull(s);
        assertTrue(s.liveBytes() >= 0, "liveBytes " + s.liveBytes());
        assertTrue(s.mappedBytes() >= 0, "mappedBytes " + s.mappedBytes());
        assertTrue(s.mmapCalls() >= 0);
        assertTrue(s.munmapCalls() >= 0);
        assertTrue(s.madviseCalls() >= 0);
        assertTrue(s.superSlabs() >= 0);
        assertNotNull(s.sizeClasses());
        assertFalse(s.sizeClasses().isEmpty(), "no size classes");
        long prev = 0;
        for (int i = 0; i < s.sizeClasses().size(); i++) {
            Stats.SizeClass c = s.sizeClasses().get(i);
            assertEquals(i, c.index(), "size classes not in index order");
            assertTrue(c.blockSize() > prev, "block sizes not increasing at class " + i);
            prev = c.blockSize();
            assertTrue(c.allocations() >= 0 && c.frees() >= 0 && c.refills() >= 0 && c.remoteFrees() >= 0,
                    "negative counter in " + c);
            assertTrue(c.remoteFrees() <= c.frees(), "more remote frees than frees in " + c);
        }
    }

    @Test
    void statsMoveSensibly() {
        long warm = Hakmem.malloc(32);
        Hakmem.free(warm);
        Stats s0 = Hakmem.stats();
        assertSane(s0);
        assertTrue(s0.mmapCalls() >= 1, "mmapCalls " + s0.mmapCalls() + " after the allocator was used");
        assertTrue(s0.mappedBytes() >= s0.liveBytes(), "mappedBytes < liveBytes: " + s0);

        long[] sizes = {0, 1, 24, 100, 1000, 5000, 50_000, 500_000, 5 * MiB};
        for (long size : sizes) {
            Stats before = Hakmem.stats();
            long a = Hakmem.malloc(size);
            Stats mid = Hakmem.stats();
            assertSane(mid);
            assertTrue(mid.liveBytes() - before.liveBytes() >= size,
                    "liveBytes rose by " + (mid.liveBytes() - before.liveBytes()) + " after malloc(" + size + ")");
            assertTrue(mid.mappedBytes() >= mid.liveBytes(), "mappedBytes < liveBytes: " + mid);
            assertTrue(mid.mmapCalls() >= before.mmapCalls(), "mmapCalls went down");
            Hakmem.free(a);
            Stats after = Hakmem.stats();
            assertSane(after);
            assertEquals(before.liveBytes(), after.liveBytes(), "liveBytes after malloc(" + size + ") + free");
            assertTrue(after.mmapCalls() >= mid.mmapCalls(), "mmapCalls went down");
            assertTrue(after.munmapCalls() >= mid.munmapCalls(), "munmapCalls went down");
            assertTrue(after.madviseCalls() >= mid.madviseCalls(), "madviseCalls went down");
        }

        // Many blocks at once: liveBytes rises by at least the sum of the sizes.
        Stats before = Hakmem.stats();
        long[] a = new long[1000];
        long sum = 0, usable = 0;
        for (int i = 0; i < a.length; i++) {
            long size = (i * 37L) % 3000;
            a[i] = Hakmem.malloc(size);
            sum += size;
            usable += Hakmem.usableSize(a[i]);
        }
        Stats mid = Hakmem.stats();
        long rise = mid.liveBytes() - before.liveBytes();
        assertTrue(rise >= sum, "liveBytes rose by " + rise + " for " + sum + " requested bytes");
        assertTrue(rise <= usable + 1000L * 4096, "liveBytes rose by " + rise + " for " + usable + " usable bytes");
        for (long x : a) Hakmem.free(x);
        assertEquals(before.liveBytes(), Hakmem.stats().liveBytes(), "liveBytes after freeing 1000 blocks");
    }

    @Test
    void sizeClassCountersCountAllocationsAndFrees() {
        long probe = Hakmem.malloc(24);
        long block = Hakmem.usableSize(probe);
        Hakmem.free(probe);
        Stats s0 = Hakmem.stats();
        Stats.SizeClass c0 = s0.sizeClassOfBlock(block);
        assertNotNull(c0, "no size class with the block size " + block + " that usableSize reports for malloc(24): "
                + s0.sizeClasses());
        long[] a = new long[100];
        for (int i = 0; i < a.length; i++) a[i] = Hakmem.malloc(24);
        Stats.SizeClass c1 = Hakmem.stats().sizeClassOfBlock(block);
        assertEquals(c0.allocations() + a.length, c1.allocations(), "allocations of class " + c0.index());
        assertEquals(c0.frees(), c1.frees(), "frees of class " + c0.index());
        assertEquals(c0.live() + a.length, c1.live());
        for (long x : a) Hakmem.free(x);
        Stats.SizeClass c2 = Hakmem.stats().sizeClassOfBlock(block);
        assertEquals(c0.frees() + a.length, c2.frees(), "frees of class " + c0.index());
        assertEquals(c0.live(), c2.live());
        assertEquals(c0.remoteFrees(), c2.remoteFrees(), "local frees counted as remote");
    }

    @Test
    void trimKeepsLiveBlocksAndReturnsFreeMemory() {
        Random r = new Random(99);
        int n = 6000;
        long[] a = new long[n];
        long[] size = new long[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(100);
            size[i] = k < 80 ? r.nextInt(1025) : k < 97 ? 1024 + r.nextInt(64 * 1024) : 64 * 1024 + r.nextInt(3 * 1024 * 1024);
            a[i] = Hakmem.malloc(size[i]);
            fill(a[i], size[i], off(i));
        }
        // free most, keep every 10th
        for (int i = 0; i < n; i++) {
            if (i % 10 != 0) {
                Hakmem.free(a[i]);
            }
        }
        Stats before = Hakmem.stats();
        Hakmem.trim();
        Stats after = Hakmem.stats();
        assertSane(after);
        assertEquals(before.liveBytes(), after.liveBytes(), "trim changed liveBytes");
        assertTrue(after.mappedBytes() <= before.mappedBytes(),
                "trim mapped more memory: " + before.mappedBytes() + " -> " + after.mappedBytes());
        assertTrue(after.mappedBytes() >= after.liveBytes());
        for (int i = 0; i < n; i += 10) verify(a[i], size[i], off(i), "live block after trim");
        // The allocator keeps working after trim, also on trimmed memory.
        long[] b = new long[3000];
        for (int i = 0; i < b.length; i++) {
            b[i] = Hakmem.malloc(size[i]);
            fill(b[i], size[i], off(i + 1));
        }
        for (int i = 0; i < b.length; i++) verify(b[i], size[i], off(i + 1), "block allocated after trim");
        for (int i = 0; i < n; i += 10) verify(a[i], size[i], off(i), "live block after trim and reallocation");
        Hakmem.trim();
        Hakmem.trim();
        for (int i = 0; i < b.length; i++) verify(b[i], size[i], off(i + 1), "block after second trim");
        for (long x : b) Hakmem.free(x);
        for (int i = 0; i < n; i += 10) Hakmem.free(a[i]);
        Hakmem.trim();
        long c = Hakmem.calloc(1000, 1000);
        verifyZero(c, 1_000_000, "calloc after trim");
        Hakmem.free(c);
    }

    @Test
    void usableSizeAndFreeWorkFromAnotherThread() throws Exception {
        long[] sizes = {0, 8, 100, 1000, 5000, 100_000, 3 * MiB};
        long[] a = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            a[i] = Hakmem.malloc(sizes[i]);
            fill(a[i], sizes[i], off(i));
        }
        Throwable[] err = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; i < sizes.length; i++) {
                    assertTrue(Hakmem.usableSize(a[i]) >= sizes[i]);
                    verify(a[i], sizes[i], off(i), "block seen from another thread");
                    long b = Hakmem.realloc(a[i], sizes[i] + 10);
                    verify(b, sizes[i], off(i), "realloc from another thread");
                    Hakmem.free(b);
                }
            } catch (Throwable e) {
                err[0] = e;
            }
        });
        t.start();
        t.join();
        if (err[0] != null) throw new AssertionError(err[0]);
    }

    /** A pending interrupt neither makes the allocator fail nor gets swallowed by it. */
    @Test
    void worksWithInterruptFlagSet() {
        Thread.currentThread().interrupt();
        try {
            long[] sizes = {0, 16, 100, 1000, 5000, 50_000, 3 * MiB};
            long[] a = new long[sizes.length * 50];
            for (int i = 0; i < a.length; i++) {
                a[i] = Hakmem.malloc(sizes[i % sizes.length]);
                fill(a[i], sizes[i % sizes.length], off(i));
            }
            for (int i = 0; i < a.length; i += 3) a[i] = Hakmem.realloc(a[i], sizes[i % sizes.length]);
            long c = Hakmem.calloc(10, 10);
            Hakmem.trim();
            assertNotNull(Hakmem.stats());
            for (int i = 0; i < a.length; i++) verify(a[i], sizes[i % sizes.length], off(i), "with the interrupt flag set");
            for (long x : a) Hakmem.free(x);
            Hakmem.free(c);
            assertTrue(Thread.currentThread().isInterrupted(), "hakmem cleared the thread's interrupt status");
        } finally {
            Thread.interrupted();
        }
    }

    /**
     * Every size up to the largest size class gets a block whose usable size is the block size of
     * one of the classes Stats reports, and the class counters and liveBytes move by exactly one
     * block of that size.
     */
    @Test
    void everySmallSizeMapsToASizeClass() {
        List<Stats.SizeClass> classes = Hakmem.stats().sizeClasses();
        long largest = classes.get(classes.size() - 1).blockSize();
        for (long size = 0; size <= largest; size += size < 2048 ? 1 : 13) {
            long a = Hakmem.malloc(size);
            long u = Hakmem.usableSize(a);
            Stats s0 = Hakmem.stats();
            Stats.SizeClass c0 = s0.sizeClassOfBlock(u);
            if (c0 == null) {
                Hakmem.free(a);
                fail("malloc(" + size + ") has usable size " + u + ", which is no size class's block size "
                        + "(classes go up to " + largest + ")");
            }
            Hakmem.free(a);
            Stats s1 = Hakmem.stats();
            assertEquals(s0.liveBytes() - u, s1.liveBytes(), "liveBytes after freeing the " + u + "-byte block of malloc(" + size + ")");
            assertEquals(c0.frees() + 1, s1.sizeClassOfBlock(u).frees(), "frees of class " + c0.index() + " after free of malloc(" + size + ")");
            long b = Hakmem.malloc(size);
            Stats s2 = Hakmem.stats();
            assertEquals(s1.sizeClassOfBlock(u).allocations() + 1, s2.sizeClassOfBlock(u).allocations(),
                    "allocations of class " + c0.index() + " after malloc(" + size + ")");
            assertEquals(u, Hakmem.usableSize(b), "usable size of malloc(" + size + ") changed between calls");
            Hakmem.free(b);
        }
    }
}
