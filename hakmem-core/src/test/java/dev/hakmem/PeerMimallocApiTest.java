package dev.hakmem;

import dev.hakmem.testing.BlockPattern;
import static dev.hakmem.PeerSupport.GiB;
import static dev.hakmem.PeerSupport.KiB;
import static dev.hakmem.PeerSupport.MiB;
import static dev.hakmem.PeerSupport.PAGE;
import static dev.hakmem.PeerSupport.expectExactly;
import static dev.hakmem.testing.BlockPattern.fill;
import static dev.hakmem.testing.BlockPattern.hex;
import static dev.hakmem.testing.BlockPattern.off;
import static dev.hakmem.testing.BlockPattern.seg;
import static dev.hakmem.PeerSupport.touchAll;
import static dev.hakmem.testing.BlockPattern.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * The cases of mimalloc's {@code test/test-api.c} (malloc, aligned, posix_memalign-like and
 * realloc sections), re-expressed for hakmem's API: where mimalloc returns NULL or an errno,
 * hakmem throws ({@link IllegalArgumentException} for invalid arguments, {@link OutOfMemoryError}
 * for impossible sizes) and must leave the allocator working. Every test ends by checking that
 * liveBytes is back where it started (nothing leaked, nothing freed twice).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("restricted")
class PeerMimallocApiTest {

    long liveAtStart;

    @BeforeEach
    void recordLive() {
        liveAtStart = Hakmem.stats().liveBytes();
    }

    @AfterEach
    void nothingLeakedAndStillWorks() {
        assertEquals(liveAtStart, Hakmem.stats().liveBytes(), "liveBytes after the test (leak or lost block)");
        long a = Hakmem.malloc(100), b = Hakmem.malloc(5 * MiB);
        touchAll(a, 100, "malloc after the test");
        Hakmem.free(a);
        Hakmem.free(b);
    }

    // ------------------------------------------------------------------ malloc

    /** malloc-zero: malloc(0) is a unique, freeable, non-null address. */
    @Test
    void mallocZero() {
        Set<Long> seen = new HashSet<>();
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            long p = Hakmem.malloc(0);
            assertNotEquals(0L, p, "malloc(0)");
            assertTrue(seen.add(p), "malloc(0) returned " + hex(p) + " twice");
            assertTrue(Hakmem.usableSize(p) >= 0);
            all.add(p);
        }
        for (long p : all) Hakmem.free(p);
    }

    /** malloc-nomem1: PTRDIFF_MAX+1 is a negative long here; the largest positive size is impossible. */
    @Test
    void mallocImpossibleSizes() {
        expectExactly(IllegalArgumentException.class, null, "malloc(Long.MIN_VALUE)", () -> Hakmem.malloc(Long.MIN_VALUE));
        expectExactly(IllegalArgumentException.class, null, "malloc(-1) (SIZE_MAX)", () -> Hakmem.malloc(-1));
        expectExactly(OutOfMemoryError.class, null, "malloc(Long.MAX_VALUE)", () -> Hakmem.malloc(Long.MAX_VALUE));
        expectExactly(OutOfMemoryError.class, null, "malloc(2^62)", () -> Hakmem.malloc(1L << 62));
        expectExactly(OutOfMemoryError.class, null, "malloc(2^46 + 1)", () -> Hakmem.malloc((1L << 46) + 1));
        // 32 TiB: the OS refuses (with the default overcommit heuristic, as here) or, where it
        // overcommits without limit, it is mapped and can be freed
        try {
            long p = Hakmem.malloc(1L << 45);
            Hakmem.free(p);
        } catch (OutOfMemoryError expected) {
            assertEquals(OutOfMemoryError.class, expected.getClass());
        }
    }

    /** malloc-free-null. */
    @Test
    void freeNull() {
        Hakmem.free(0L);
        Hakmem.free(0L);
    }

    /** malloc-free-invalid-low (mimalloc issue #1087): a small made-up address is rejected, naming it. */
    @Test
    void freeInvalidLowAddress() {
        for (long a : new long[] {0x3990080L, 8, 16, 4096, 0x10000}) {
            expectExactly(IllegalArgumentException.class, a, "free(" + hex(a) + ")", () -> Hakmem.free(a));
        }
    }

    /** calloc-overflow: a count times a size that overflows 64 bits. */
    @Test
    void callocOverflow() {
        long[][] cases = {{Long.MAX_VALUE / 1000, 2000}, {1L << 32, 1L << 32}, {3, Long.MAX_VALUE / 2},
                {Long.MAX_VALUE, 2}, {2, Long.MAX_VALUE}, {1L << 62, 4}, {-1, 1}, {1, -1}, {Long.MIN_VALUE, 0}};
        for (long[] c : cases) {
            expectExactly(IllegalArgumentException.class, null, "calloc(" + c[0] + ", " + c[1] + ")",
                    () -> Hakmem.calloc(c[0], c[1]));
        }
        // no overflow, but impossible
        expectExactly(OutOfMemoryError.class, null, "calloc(2^31, 2^31)", () -> Hakmem.calloc(1L << 31, 1L << 31));
    }

    /** calloc0: calloc(0, 1000) is a minimal block (usable size at most 16), and calloc(1000, 0) too. */
    @Test
    void callocZero() {
        long p = Hakmem.calloc(0, 1000);
        long q = Hakmem.calloc(1000, 0);
        long r = Hakmem.calloc(0, 0);
        for (long x : new long[] {p, q, r}) {
            assertNotEquals(0L, x);
            assertTrue(Hakmem.usableSize(x) <= 16, "calloc of 0 bytes has usable size " + Hakmem.usableSize(x));
        }
        Hakmem.free(p);
        Hakmem.free(q);
        Hakmem.free(r);
    }

    /** malloc-large (mimalloc PR #544): 64 MiB + 8. */
    @Test
    void mallocLarge() {
        long size = 67108872;
        long p = Hakmem.malloc(size);
        assertTrue(Hakmem.usableSize(p) >= size);
        assertEquals(0, p % PAGE, "huge block is page-aligned");
        touchAll(p, size, "malloc(64 MiB + 8)");
        Hakmem.free(p);
    }

    /** 1 GiB: mapped, writable at every page we touch, freed; and grown to 2 GiB by realloc keeping content. */
    @Test
    void mallocOneGiB() {
        long p = Hakmem.malloc(GiB);
        var s = seg(p, GiB);
        for (long i = 0; i < GiB; i += MiB) s.set(ValueLayout.JAVA_LONG, i, i ^ 0x1234_5678L);
        s.set(ValueLayout.JAVA_BYTE, GiB - 1, (byte) 77);
        long q = Hakmem.realloc(p, 2 * GiB);
        var t = seg(q, 2 * GiB);
        for (long i = 0; i < GiB; i += MiB) assertEquals(i ^ 0x1234_5678L, t.get(ValueLayout.JAVA_LONG, i), "offset " + i);
        assertEquals((byte) 77, t.get(ValueLayout.JAVA_BYTE, GiB - 1));
        t.set(ValueLayout.JAVA_BYTE, 2 * GiB - 1, (byte) 78);
        assertTrue(Hakmem.usableSize(q) >= 2 * GiB);
        Hakmem.free(q);
        Hakmem.trim();
    }

    /** urealloc_invalid analogue: realloc of an interior address is rejected and the block is untouched. */
    @Test
    void reallocOfInteriorAddress() {
        long p = Hakmem.malloc(64);
        fill(p, 64, 9);
        expectExactly(IllegalArgumentException.class, p + 3, "realloc(p + 3, 32)", () -> Hakmem.realloc(p + 3, 32));
        expectExactly(IllegalArgumentException.class, p + 16, "realloc(p + 16, 32)", () -> Hakmem.realloc(p + 16, 32));
        verify(p, 64, 9, "block after realloc of its interior");
        Hakmem.free(p);
    }

    // ------------------------------------------------------------------ posix_memalign-like

    /** posix_memalign1 / _zero: pointer-size alignment with 32 and 0 bytes. */
    @Test
    void alignedAllocPointerAlignment() {
        long p = Hakmem.alignedAlloc(8, 32);
        assertEquals(0, p % 8);
        touchAll(p, 32, "alignedAlloc(8, 32)");
        long z = Hakmem.alignedAlloc(8, 0);
        assertNotEquals(0L, z);
        assertEquals(0, z % 8);
        Hakmem.free(p);
        Hakmem.free(z);
    }

    /** posix_memalign_no_align / _nopow2, and jemalloc's alignment errors: 0, negatives, non-powers of two. */
    @Test
    void invalidAlignments() {
        List<Long> bad = new ArrayList<>(List.of(0L, 3L, 24L, 3L * 8, 5L, 6L, 7L, 12L, 48L, 96L, 100L, 4095L, 4097L,
                (1L << 21) + 1, (1L << 21) - 1, 3L << 20, -1L, -8L, -16L, Long.MIN_VALUE, Long.MAX_VALUE,
                (1L << 62) + 1, (1L << 46) + (1L << 45)));
        for (int k = 1; k < 63; k++) bad.add((1L << k) + 1);
        for (int k = 2; k < 63; k++) bad.add((1L << k) - 1);
        for (long a : bad) {
            for (long size : new long[] {0, 32, 4096, 3 * MiB}) {
                expectExactly(IllegalArgumentException.class, null, "alignedAlloc(" + a + ", " + size + ")",
                        () -> Hakmem.alignedAlloc(a, size));
            }
        }
        // a negative size with a good alignment
        for (long a : new long[] {1, 8, 16, 4096, 1L << 21, 1L << 22}) {
            expectExactly(IllegalArgumentException.class, null, "alignedAlloc(" + a + ", -1)",
                    () -> Hakmem.alignedAlloc(a, -1));
        }
    }

    /** posix_memalign_nomem: SIZE_MAX is -1 here (invalid); the largest positive size is impossible. */
    @Test
    void alignedAllocImpossible() {
        for (long a : new long[] {1, 8, 16, 64, 4096, 1L << 20, 1L << 21, 1L << 22}) {
            expectExactly(OutOfMemoryError.class, null, "alignedAlloc(" + a + ", Long.MAX_VALUE)",
                    () -> Hakmem.alignedAlloc(a, Long.MAX_VALUE));
            expectExactly(OutOfMemoryError.class, null, "alignedAlloc(" + a + ", 2^46 + 1)",
                    () -> Hakmem.alignedAlloc(a, (1L << 46) + 1));
        }
        // alignments larger than the address space hakmem supports (2^46)
        for (int k = 47; k < 63; k++) {
            long a = 1L << k;
            expectExactly(OutOfMemoryError.class, null, "alignedAlloc(2^" + k + ", 8)", () -> Hakmem.alignedAlloc(a, 8));
        }
    }

    // ------------------------------------------------------------------ aligned API

    static void checkAligned(long p, long align, long size, String what) {
        assertNotEquals(0L, p, what);
        assertEquals(0, p & (align - 1), what + ": " + hex(p) + " is not " + align + "-aligned");
        assertTrue(Hakmem.usableSize(p) >= size, what + ": usable " + Hakmem.usableSize(p) + " < " + size);
    }

    /** malloc-aligned1..4, 12, memalign1: small sizes with small alignments, several times. */
    @Test
    void alignedSmall() {
        long[][] cases = {{32, 32}, {48, 32}, {48, 32}, {8, 16}, {0x100, 0x100}, {8, 16}};
        List<Long> live = new ArrayList<>();
        for (long[] c : cases) {
            for (int i = 0; i < 8; i++) {
                long p = Hakmem.alignedAlloc(c[1], c[0]);
                checkAligned(p, c[1], c[0], "alignedAlloc(" + c[1] + ", " + c[0] + ")");
                touchAll(p, c[0], "aligned small");
                live.add(p);
            }
        }
        assertEquals(live.size(), new HashSet<>(live).size(), "an address handed out twice");
        for (long p : live) Hakmem.free(p);
    }

    /** malloc-aligned5: 4097 bytes page-aligned, usable size at least 4097 and below 16000. */
    @Test
    void alignedPagePlusOne() {
        long p = Hakmem.alignedAlloc(4096, 4097);
        checkAligned(p, 4096, 4097, "alignedAlloc(4096, 4097)");
        long u = Hakmem.usableSize(p);
        assertTrue(u >= 4097 && u < 16000, "usable size " + u);
        touchAll(p, u, "alignedAlloc(4096, 4097) usable bytes");
        Hakmem.free(p);
    }

    /** malloc-aligned7 / 8: 1 KiB at 1, 2, 4, 8 and 16 times a 64 KiB "overallocation" alignment. */
    @Test
    void alignedBeyondSlab() {
        for (int i = 0; i < 5; i++) {
            long align = (64 * KiB) << i;
            long p = Hakmem.alignedAlloc(align, 1024);
            checkAligned(p, align, 1024, "alignedAlloc(" + align + ", 1024)");
            touchAll(p, 1024, "aligned beyond slab");
            Hakmem.free(p);
        }
    }

    /**
     * malloc-aligned9: every alignment 1 .. 2^27 with sizes 8, 512, 1 MiB, 64 KiB, 64 KiB + 1,
     * 128 KiB, 512 KiB, 0 and (beyond mimalloc) 2 MiB, 2 MiB + 1 and 3 MiB: aligned, usable
     * size, writable (every byte), distinct, freed.
     */
    @Test
    void alignedEveryAlignmentUpTo2Pow27() {
        long[] sizes = {8, 512, MiB, 64 * KiB, 64 * KiB + 1, 128 * KiB, 512 * KiB, 0, 2 * MiB, 2 * MiB + 1, 3 * MiB};
        for (int k = 0; k <= 27; k++) {
            long align = 1L << k;
            long[] p = new long[sizes.length];
            for (int j = 0; j < sizes.length; j++) {
                p[j] = Hakmem.alignedAlloc(align, sizes[j]);
                checkAligned(p[j], align, sizes[j], "alignedAlloc(2^" + k + ", " + sizes[j] + ")");
                fill(p[j], sizes[j], off(k * 31 + j));
            }
            for (int j = 0; j < sizes.length; j++) {
                verify(p[j], sizes[j], off(k * 31 + j), "alignedAlloc(2^" + k + ", " + sizes[j] + ") among its peers");
            }
            assertEquals(sizes.length, java.util.Arrays.stream(p).distinct().count(), "distinct at 2^" + k);
            for (int j = sizes.length - 1; j >= 0; j--) Hakmem.free(p[j]);
        }
    }

    /** malloc-aligned9a: a 1 MiB block with alignment 2, twice. */
    @Test
    void alignedTwoOneMiB() {
        for (int i = 0; i < 2; i++) {
            long p = Hakmem.alignedAlloc(2, MiB);
            checkAligned(p, 2, MiB, "alignedAlloc(2, 1 MiB)");
            Hakmem.free(p);
        }
    }

    /** malloc-aligned10: 43 + align bytes at each alignment 1 .. 1024, all live together, freed in reverse. */
    @Test
    void alignedAlignPlus43() {
        long[] p = new long[11];
        for (int j = 0; j <= 10; j++) {
            long align = 1L << j;
            p[j] = Hakmem.alignedAlloc(align, 43 + align);
            checkAligned(p[j], align, 43 + align, "alignedAlloc(" + align + ", " + (43 + align) + ")");
            fill(p[j], 43 + align, off(j));
        }
        for (int j = 10; j >= 0; j--) {
            verify(p[j], 43 + (1L << j), off(j), "aligned10 block " + j);
            Hakmem.free(p[j]);
        }
    }

    /**
     * mimalloc-aligned13: every size 1 .. 2 * 1 KiB (mimalloc's small-size limit scaled to hakmem's
     * tiny tier) with every power-of-two alignment up to the size, ten blocks each.
     */
    @Test
    void alignedEverySmallSizeEveryAlignment() {
        long[] p = new long[10];
        for (long size = 1; size <= 2048; size++) {
            for (long align = 1; align <= size; align *= 2) {
                for (int i = 0; i < p.length; i++) {
                    p[i] = Hakmem.alignedAlloc(align, size);
                    if ((p[i] & (align - 1)) != 0 || Hakmem.usableSize(p[i]) < size) {
                        checkAligned(p[i], align, size, "alignedAlloc(" + align + ", " + size + ")");
                    }
                    seg(p[i], size).set(ValueLayout.JAVA_BYTE, size - 1, (byte) 1);
                }
                for (long x : p) Hakmem.free(x);
            }
        }
    }

    /** zalloc-aligned-small1 / rezalloc_aligned_zeros, expressed with calloc + realloc (hakmem has no aligned calloc). */
    @Test
    void callocThenReallocKeepsZerosAndContent() {
        long n = 6 * KiB;
        long p = Hakmem.calloc(1, n);
        assertEquals(-1, BlockPattern.firstNot(p, n, (byte) 0), "calloc memory is zero");
        seg(p, n / 2).fill((byte) 123);
        p = Hakmem.realloc(p, n / 2);
        assertEquals(-1, BlockPattern.firstNot(p, n / 2, (byte) 123), "shrunk block keeps its content");
        long q = Hakmem.realloc(p, 3 * n);
        assertEquals(-1, BlockPattern.firstNot(q, n / 2, (byte) 123), "grown block keeps its content");
        Hakmem.free(q);
        // calloc of recycled, dirty memory is zero too (mimalloc zalloc after a dirtying free)
        long d = Hakmem.malloc(512 * KiB / 2);
        seg(d, 256 * KiB).fill((byte) 0xEE);
        Hakmem.free(d);
        long z = Hakmem.calloc(256, KiB);
        assertEquals(-1, BlockPattern.firstNot(z, 256 * KiB, (byte) 0), "calloc of recycled memory is zero");
        Hakmem.free(z);
    }

    // ------------------------------------------------------------------ realloc

    /** realloc-null and realloc-null-sizezero: realloc(0, n) is malloc(n), also for n = 0. */
    @Test
    void reallocOfNull() {
        long p = Hakmem.realloc(0, 4);
        assertNotEquals(0L, p);
        assertTrue(Hakmem.usableSize(p) >= 4);
        long z = Hakmem.realloc(0, 0);
        assertNotEquals(0L, z);
        assertNotEquals(p, z);
        long h = Hakmem.realloc(0, 3 * MiB);
        touchAll(h, 3 * MiB, "realloc(0, 3 MiB)");
        Hakmem.free(p);
        Hakmem.free(z);
        Hakmem.free(h);
        expectExactly(IllegalArgumentException.class, null, "realloc(0, -1)", () -> Hakmem.realloc(0, -1));
    }

    /**
     * realloc-sizezero: realloc(p, 0) returns a live minimal block (not null, not freed-and-0) that
     * must be freed, for blocks of every tier; the old address is freed if it moved.
     */
    @Test
    void reallocToZero() {
        for (long size : new long[] {4, 100, 5000, 100 * KiB, MiB, 2 * MiB, 3 * MiB, 20 * MiB}) {
            long p = Hakmem.malloc(size);
            long q = Hakmem.realloc(p, 0);
            assertNotEquals(0L, q, "realloc(p, 0) of a " + size + "-byte block");
            assertTrue(Hakmem.usableSize(q) <= 16, "realloc(p, 0) is a minimal block, usable " + Hakmem.usableSize(q));
            if (q != p) {
                expectExactly(IllegalStateException.class, p, "free of the old block after realloc(p, 0)", () -> Hakmem.free(p));
            }
            Hakmem.free(q);
        }
    }

    /** reallocarray-null-sizezero: realloc(0, 0 * 16). */
    @Test
    void reallocArrayNullSizeZero() {
        long p = Hakmem.realloc(0, Math.multiplyExact(0L, 16L));
        assertNotEquals(0L, p);
        Hakmem.free(p);
    }

    /** realloc-guarded (mimalloc issue #1304): a block grown by 64 bytes 1024 times, 64 rounds (shortened to 16). */
    @Test
    void reallocGrowingByStepsRepeatedly() {
        long p = 0;
        for (int round = 0; round < 16; round++) {
            for (int i = 0; i < 1024; i++) {
                p = Hakmem.realloc(p, i * 64L);
                if (i > 0) {
                    var s = seg(p, i * 64L);
                    // the previous size's last word survived the move, then mark this size's end
                    if (i > 1) assertEquals((long) (i - 1), s.get(ValueLayout.JAVA_LONG, (i - 1) * 64L - 8), "round " + round + " step " + i);
                    s.set(ValueLayout.JAVA_LONG, i * 64L - 8, i);
                }
            }
        }
        Hakmem.free(p);
    }

    /** umalloc1: every power of two 1 .. 32 MiB, then realloc to size + 1 KiB: usable sizes cover the request. */
    @Test
    void usableSizeThroughRealloc() {
        for (long size = 1; size <= 32 * MiB; size *= 2) {
            long p = Hakmem.malloc(size);
            long b = Hakmem.usableSize(p);
            assertTrue(b >= size, "usable " + b + " < " + size);
            long n = Math.min(size, 8 * MiB); // checked prefix
            fill(p, n, off(size));
            long q = Hakmem.realloc(p, size + 1024);
            assertTrue(Hakmem.usableSize(q) >= size + 1024);
            verify(q, n, off(size), "realloc(" + size + " -> +1 KiB)");
            Hakmem.free(q);
        }
    }

    /** realloc with impossible or invalid sizes leaves the block live and intact. */
    @Test
    void reallocImpossibleKeepsBlock() {
        for (long size : new long[] {100, 50 * KiB, 3 * MiB}) {
            long p = Hakmem.malloc(size);
            fill(p, size, 4);
            expectExactly(OutOfMemoryError.class, null, "realloc(" + size + " block, Long.MAX_VALUE)",
                    () -> Hakmem.realloc(p, Long.MAX_VALUE));
            expectExactly(IllegalArgumentException.class, p, "realloc(" + size + " block, -1)", () -> Hakmem.realloc(p, -1));
            expectExactly(IllegalArgumentException.class, p, "realloc(" + size + " block, Long.MIN_VALUE)",
                    () -> Hakmem.realloc(p, Long.MIN_VALUE));
            verify(p, size, 4, "block after failed realloc");
            assertTrue(Hakmem.usableSize(p) >= size);
            Hakmem.free(p);
        }
    }

    /** heap-os2 analogue: ten 1 MiB blocks aligned to 2 MiB, freed; after trim the mapped bytes are back. */
    @Test
    void alignedBigBlocksGiveMemoryBack() {
        Hakmem.trim();
        long mapped0 = Hakmem.stats().mappedBytes();
        long[] p = new long[10];
        for (int i = 0; i < p.length; i++) {
            p[i] = Hakmem.alignedAlloc(2 * MiB, MiB);
            checkAligned(p[i], 2 * MiB, MiB, "alignedAlloc(2 MiB, 1 MiB)");
            seg(p[i], MiB).set(ValueLayout.JAVA_INT, 0, 42);
        }
        for (long x : p) Hakmem.free(x);
        Hakmem.trim();
        long mapped1 = Hakmem.stats().mappedBytes();
        assertTrue(mapped1 <= mapped0, "mapped bytes " + mapped0 + " -> " + mapped1 + " after freeing and trim");
    }
}
