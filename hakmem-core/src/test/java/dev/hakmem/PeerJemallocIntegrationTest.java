package dev.hakmem;

import static dev.hakmem.PeerSupport.KiB;
import static dev.hakmem.PeerSupport.MAX_CLASS;
import static dev.hakmem.PeerSupport.MiB;
import static dev.hakmem.PeerSupport.PAGE;
import static dev.hakmem.PeerSupport.classSizes;
import static dev.hakmem.PeerSupport.expectExactly;
import static dev.hakmem.PeerSupport.expectedUsable;
import static dev.hakmem.testing.BlockPattern.fill;
import static dev.hakmem.testing.BlockPattern.firstNot;
import static dev.hakmem.testing.BlockPattern.hex;
import static dev.hakmem.testing.BlockPattern.off;
import static dev.hakmem.testing.BlockPattern.seg;
import static dev.hakmem.PeerSupport.touchAll;
import static dev.hakmem.testing.BlockPattern.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Cases of jemalloc's {@code test/integration} suite ({@code mallocx.c}, {@code rallocx.c},
 * {@code aligned_alloc.c}, {@code posix_memalign.c}), re-expressed with hakmem's API:
 * {@code sallocx} is {@link Hakmem#usableSize}, {@code nallocx} is the class table hakmem
 * publishes in {@link Stats#sizeClasses()} (page rounding above it), {@code rallocx} with an
 * alignment is {@link Hakmem#alignedAlloc} plus a copy, and a NULL result is an exception.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("restricted")
class PeerJemallocIntegrationTest {

    static final long[] CLASSES = classSizes();

    long liveAtStart;

    @BeforeEach
    void recordLive() {
        liveAtStart = Hakmem.stats().liveBytes();
    }

    @AfterEach
    void nothingLeaked() {
        assertEquals(liveAtStart, Hakmem.stats().liveBytes(), "liveBytes after the test (leak or lost block)");
    }

    @Test
    void classTableIsWhatTheDocumentationSays() {
        assertEquals(MAX_CLASS, CLASSES[CLASSES.length - 1], "largest size class");
        for (int i = 1; i < CLASSES.length; i++) {
            assertTrue(CLASSES[i] > CLASSES[i - 1], "classes ascend");
            if (CLASSES[i] >= 16) assertEquals(0, CLASSES[i] % 16, "class " + CLASSES[i] + " is a multiple of 16");
        }
    }

    // ------------------------------------------------------------------ max size class + 1

    /** The first size that is not a size class: 2 MiB + 1 is a page-rounded direct mapping. */
    @Test
    void maxSizeClassPlusOne() {
        long max = MAX_CLASS;
        long a = Hakmem.malloc(max);
        assertEquals(max, Hakmem.usableSize(a), "usable size of the max size class");
        long b = Hakmem.malloc(max + 1);
        assertEquals(max + PAGE, Hakmem.usableSize(b), "usable size of max class + 1 (page-rounded mapping)");
        assertEquals(0, b % PAGE);
        touchAll(a, max, "max class block");
        touchAll(b, max + PAGE, "max class + 1 block");
        // realloc across the boundary, both ways, keeping content
        fill(a, max, 17);
        long c = Hakmem.realloc(a, max + 1);
        verify(c, max, 17, "realloc(max -> max + 1)");
        assertEquals(max + PAGE, Hakmem.usableSize(c));
        seg(c, max + 1).set(ValueLayout.JAVA_BYTE, max, (byte) 99);
        long d = Hakmem.realloc(c, max);
        verify(d, max, 17, "realloc(max + 1 -> max)");
        assertEquals(max, Hakmem.usableSize(d), "back in the max class");
        Hakmem.free(d);
        Hakmem.free(b);
        // calloc and alignedAlloc of max + 1
        long z = Hakmem.calloc(1, max + 1);
        assertEquals(-1, firstNot(z, max + 1, (byte) 0));
        Hakmem.free(z);
        for (long align : new long[] {16, PAGE, 64 * KiB, MAX_CLASS, 2 * MAX_CLASS}) {
            long p = Hakmem.alignedAlloc(align, max + 1);
            assertEquals(0, p % align, "alignedAlloc(" + align + ", max + 1) = " + hex(p));
            assertTrue(Hakmem.usableSize(p) >= max + 1);
            touchAll(p, max + 1, "alignedAlloc(" + align + ", max + 1)");
            Hakmem.free(p);
        }
        // max + 1 from every side of the boundary: max - 1, max, max + 1, max + PAGE - 1, max + PAGE, max + PAGE + 1
        long[] sizes = {max - 1, max, max + 1, max + PAGE - 1, max + PAGE, max + PAGE + 1};
        for (long s : sizes) {
            long p = Hakmem.malloc(s);
            assertEquals(expectedUsable(s, CLASSES), Hakmem.usableSize(p), "usable size of malloc(" + s + ")");
            Hakmem.free(p);
        }
    }

    // ------------------------------------------------------------------ mallocx basics

    /** mallocx test_basic / nallocx: every class size, and one more, gets exactly the expected usable size. */
    @Test
    void everyClassAndOneMore() {
        for (long c : CLASSES) {
            for (long s : new long[] {c - 1, c, c + 1}) {
                if (s < 0) continue;
                long p = Hakmem.malloc(s);
                assertEquals(expectedUsable(s, CLASSES), Hakmem.usableSize(p), "usableSize(malloc(" + s + "))");
                long z = Hakmem.calloc(1, s);
                assertEquals(expectedUsable(s, CLASSES), Hakmem.usableSize(z), "usableSize(calloc(1, " + s + "))");
                assertEquals(-1, firstNot(z, s, (byte) 0), "calloc(1, " + s + ") is zeroed");
                Hakmem.free(p);
                Hakmem.free(z);
            }
        }
        // every size up to 32 KiB
        for (long s = 0; s <= 32 * KiB; s++) {
            long p = Hakmem.malloc(s);
            long u = Hakmem.usableSize(p);
            if (u != expectedUsable(s, CLASSES)) {
                fail("usableSize(malloc(" + s + ")) = " + u + ", expected " + expectedUsable(s, CLASSES));
            }
            Hakmem.free(p);
        }
    }

    /** mallocx / rallocx test_overflow and aligned_alloc test_oom_errors, as exceptions. */
    @Test
    void overflowAndOom() {
        expectExactly(IllegalArgumentException.class, null, "malloc(PTRDIFF_MAX + 1)", () -> Hakmem.malloc(Long.MIN_VALUE));
        expectExactly(OutOfMemoryError.class, null, "malloc(Long.MAX_VALUE)", () -> Hakmem.malloc(Long.MAX_VALUE));
        expectExactly(OutOfMemoryError.class, null, "alignedAlloc(2^62, 1)", () -> Hakmem.alignedAlloc(1L << 62, 1));
        expectExactly(IllegalArgumentException.class, null, "alignedAlloc(2^63, 1)", () -> Hakmem.alignedAlloc(Long.MIN_VALUE, 1));
        expectExactly(OutOfMemoryError.class, null, "alignedAlloc(2^62, 2^63 - 2^62)",
                () -> Hakmem.alignedAlloc(1L << 62, Long.MAX_VALUE - (1L << 62)));
        expectExactly(OutOfMemoryError.class, null, "alignedAlloc(16, 0x7ffffffffffffff0)",
                () -> Hakmem.alignedAlloc(16, 0x7ffffffffffffff0L));
        for (long size : new long[] {1, 100 * KiB, 3 * MiB}) {
            long p = Hakmem.malloc(size);
            fill(p, size, 3);
            long u = Hakmem.usableSize(p);
            expectExactly(OutOfMemoryError.class, null, "realloc(" + size + ", Long.MAX_VALUE)", () -> Hakmem.realloc(p, Long.MAX_VALUE));
            expectExactly(OutOfMemoryError.class, null, "realloc(" + size + ", Long.MAX_VALUE - 4095)",
                    () -> Hakmem.realloc(p, Long.MAX_VALUE - 4095));
            expectExactly(OutOfMemoryError.class, null, "realloc(" + size + ", 2^46 + 1)", () -> Hakmem.realloc(p, (1L << 46) + 1));
            expectExactly(IllegalArgumentException.class, p, "realloc(" + size + ", -1)", () -> Hakmem.realloc(p, -1));
            verify(p, size, 3, "block after failed reallocs");
            assertEquals(u, Hakmem.usableSize(p), "usable size after failed reallocs");
            Hakmem.free(p);
        }
    }

    /** aligned_alloc / posix_memalign test_alignment_errors. */
    @Test
    void alignmentErrors() {
        expectExactly(IllegalArgumentException.class, null, "alignedAlloc(0, 1)", () -> Hakmem.alignedAlloc(0, 1));
        for (long align = 8; align != 0 && align < (1L << 62); align <<= 1) {
            long bad = align + 1;
            expectExactly(IllegalArgumentException.class, null, "alignedAlloc(" + bad + ", 1)", () -> Hakmem.alignedAlloc(bad, 1));
        }
        expectExactly(IllegalArgumentException.class, null, "alignedAlloc(sizeof(void*) - 1, 1)", () -> Hakmem.alignedAlloc(7, 1));
    }

    /** aligned_alloc test_zero_alloc. */
    @Test
    void zeroAlloc() {
        long p = Hakmem.alignedAlloc(8, 0);
        assertNotEquals(0L, p);
        Hakmem.free(p);
    }

    // ------------------------------------------------------------------ alignment x size

    /**
     * mallocx / aligned_alloc / posix_memalign test_alignment_and_size: every alignment 8 .. 2^23,
     * sizes 0 .. 3 * alignment in steps of alignment / 4 - 1, four blocks live at once: aligned,
     * usable size covers the request, pairwise disjoint, every requested byte writable and kept.
     */
    @Test
    void alignmentAndSizeSweep() {
        final int niter = 4;
        long[] ps = new long[niter];
        for (long align = 8; align <= (1L << 23); align <<= 1) {
            long step = Math.max(1, align / 4 - 1);
            for (long size = 0; size < 3 * align; size += size == 0 ? 1 : step) {
                for (int i = 0; i < niter; i++) {
                    ps[i] = Hakmem.alignedAlloc(align, size);
                    String what = "alignedAlloc(" + align + ", " + size + ") #" + i;
                    assertEquals(0, ps[i] & (align - 1), what + " = " + hex(ps[i]) + " misaligned");
                    assertTrue(Hakmem.usableSize(ps[i]) >= size, what + ": usable " + Hakmem.usableSize(ps[i]));
                    if (size <= 16 * MiB) fill(ps[i], size, off(size + i));
                }
                for (int i = 0; i < niter; i++) {
                    for (int j = i + 1; j < niter; j++) {
                        long a = ps[i], b = ps[j];
                        long ea = a + Math.max(1, Hakmem.usableSize(a)), eb = b + Math.max(1, Hakmem.usableSize(b));
                        if (a < eb && b < ea) fail("blocks " + hex(a) + " and " + hex(b) + " overlap (align " + align + ", size " + size + ")");
                    }
                    if (size <= 16 * MiB) verify(ps[i], size, off(size + i), "alignedAlloc(" + align + ", " + size + ")");
                }
                for (long p : ps) Hakmem.free(p);
            }
        }
    }

    // ------------------------------------------------------------------ rallocx

    /**
     * rallocx test_grow_and_shrink: from 1 byte, grow to one byte more than the usable size each
     * step until 12 MiB, then shrink back through every usable size seen, three cycles. Growing
     * must change the usable size; shrinking to a previously seen usable size must give exactly
     * it. Every byte written stays: the block is filled with a position-dependent pattern, the
     * boundary region is checked every step and the whole block at every size class below 2 MiB,
     * every 128th step above it and whenever the block moved.
     */
    @Test
    void growAndShrinkThroughEveryClassTo12MiB() {
        final long maxSz = 12 * MiB;
        final int base = 12_345;
        long p = Hakmem.malloc(1);
        List<Long> szs = new ArrayList<>();
        szs.add(Hakmem.usableSize(p));
        fill(p, szs.get(0), base);
        for (int cycle = 0; cycle < 3; cycle++) {
            int j;
            for (j = 1; szs.get(j - 1) < maxSz; j++) {
                long prev = szs.get(j - 1);
                long q = Hakmem.realloc(p, prev + 1);
                long sz = Hakmem.usableSize(q);
                String what = "cycle " + cycle + " grow " + prev + " -> " + (prev + 1) + " (" + hex(p) + " -> " + hex(q) + ")";
                assertTrue(sz > prev, what + ": usable size " + sz + " did not grow");
                checkAfterMove(q, prev, base, q != p || prev <= MAX_CLASS || j % 128 == 0, what);
                fill(q + prev, sz - prev, base + (int) prev); // the new bytes continue the pattern
                if (j < szs.size()) {
                    assertEquals(szs.get(j), sz, what + ": usable size differs from cycle 0");
                } else {
                    szs.add(sz);
                }
                p = q;
            }
            for (j--; j > 0; j--) {
                long target = szs.get(j - 1);
                long q = Hakmem.realloc(p, target);
                long sz = Hakmem.usableSize(q);
                String what = "cycle " + cycle + " shrink " + szs.get(j) + " -> " + target + " (" + hex(p) + " -> " + hex(q) + ")";
                assertEquals(target, sz, what + ": usable size");
                checkAfterMove(q, target, base, q != p || target <= MAX_CLASS || j % 128 == 0, what);
                p = q;
            }
        }
        verify(p, szs.get(0), base, "the 1-byte block at the end");
        Hakmem.free(p);
        System.out.println("growAndShrink: " + szs.size() + " usable sizes from " + szs.get(0) + " to " + szs.getLast());
    }

    /** Checks the block's first {@code n} bytes: the last 8 KiB always, all of them when {@code whole}. */
    private static void checkAfterMove(long q, long n, int base, boolean whole, String what) {
        if (whole) {
            verify(q, n, base, what);
        } else {
            long tail = Math.min(n, 8 * KiB);
            verify(q + n - tail, tail, base + (int) (n - tail), what + " (last 8 KiB)");
            verify(q, Math.min(n, 4 * KiB), base, what + " (first 4 KiB)");
        }
    }

    /**
     * rallocx test_zero, without MALLOCX_ZERO: from calloc'd blocks of 1, 3 KiB, 63 KiB and
     * 4095 KiB, grow one byte at a time 2048 times; the bytes written so far (the whole usable
     * size each time) survive every move.
     */
    @Test
    void growByOneByteKeepsEverything() {
        for (long start : new long[] {1, 3 * KiB, 63 * KiB, 4095 * KiB}) {
            long p = Hakmem.calloc(1, start);
            long psz = Hakmem.usableSize(p);
            // calloc zeroes what was asked for (jemalloc's MALLOCX_ZERO zeroes the usable size; hakmem promises less)
            assertEquals(-1, firstNot(p, start, (byte) 0), "calloc(1, " + start + ") is zero");
            seg(p, psz).fill((byte) 0xAA);
            for (long j = 1; j < 2048; j++) {
                long q = Hakmem.realloc(p, start + j);
                long qsz = Hakmem.usableSize(q);
                if (q != p || qsz != psz) {
                    long bad = firstNot(q, Math.min(psz, qsz), (byte) 0xAA);
                    assertEquals(-1, bad, "start " + start + " + " + j + ": byte " + bad + " lost after moving "
                            + hex(p) + " -> " + hex(q));
                    if (qsz > psz) seg(q + psz, qsz - psz).fill((byte) 0xAA);
                    psz = qsz;
                }
                p = q;
            }
            assertEquals(-1, firstNot(p, psz, (byte) 0xAA), "start " + start + " at the end");
            Hakmem.free(p);
        }
    }

    /**
     * rallocx test_align / test_lg_align_and_zero: a 1-byte block moved to every alignment
     * 2 .. 2^25 (alignedAlloc + copy + free, hakmem's rallocx with MALLOCX_ALIGN), keeping its byte.
     */
    @Test
    void reallocToEveryAlignment() {
        long p = Hakmem.alignedAlloc(1, 1);
        seg(p, 1).set(ValueLayout.JAVA_BYTE, 0, (byte) 0x42);
        for (long align = 2; align <= (1L << 25); align <<= 1) {
            long q = Hakmem.alignedAlloc(align, 1);
            assertEquals(0, q & (align - 1), hex(q) + " inadequately aligned for " + align);
            MemorySegment.copy(seg(p, 1), 0, seg(q, 1), 0, 1);
            Hakmem.free(p);
            p = q;
            assertEquals((byte) 0x42, seg(p, 1).get(ValueLayout.JAVA_BYTE, 0));
        }
        Hakmem.free(p);
    }

    /** mallocx test_remote_free: blocks allocated by one (live) thread, freed by another, counted as remote. */
    @Test
    void remoteFree() throws Exception {
        long size = 4 * KiB;
        int n = 200;
        long[] blocks = new long[n];
        CountDownLatch allocated = new CountDownLatch(1), freed = new CountDownLatch(1);
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread owner = new Thread(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    blocks[i] = Hakmem.malloc(size);
                    fill(blocks[i], size, off(i));
                }
                allocated.countDown();
                freed.await();
                // the owner can allocate again and gets sound blocks
                long[] again = new long[n];
                for (int i = 0; i < n; i++) {
                    again[i] = Hakmem.malloc(size);
                    fill(again[i], size, off(i + n));
                }
                for (int i = 0; i < n; i++) verify(again[i], size, off(i + n), "owner's block after remote frees");
                for (long a : again) Hakmem.free(a);
            } catch (Throwable e) {
                err.set(e);
                allocated.countDown();
            }
        }, "remote-free-owner");
        owner.start();
        assertTrue(allocated.await(30, TimeUnit.SECONDS));
        if (err.get() != null) throw new AssertionError(err.get());
        long remoteBefore = Hakmem.stats().sizeClassOfBlock(size).remoteFrees();
        for (int i = 0; i < n; i++) {
            verify(blocks[i], size, off(i), "block seen by the other thread");
            Hakmem.free(blocks[i]);
        }
        long remoteAfter = Hakmem.stats().sizeClassOfBlock(size).remoteFrees();
        for (long b : blocks) {
            expectExactly(IllegalStateException.class, b, "second (remote) free of " + hex(b), () -> Hakmem.free(b));
        }
        freed.countDown();
        owner.join(30_000);
        if (err.get() != null) throw new AssertionError(err.get());
        assertTrue(remoteAfter - remoteBefore >= n, "remote frees counted: " + (remoteAfter - remoteBefore) + " of " + n);
    }
}
