package dev.hakmem.internal.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The OS refuses mmap, mremap (counted as "mmap"), madvise or munmap at various points: where an
 * allocation needed memory the caller gets an {@link OutOfMemoryError} and nothing changes;
 * where only giving memory back failed, nothing is thrown; live blocks are never touched;
 * nothing leaks ({@code mappedBytes} and {@code liveBytes} are back at their starting values
 * once the injector is removed, everything is freed and {@link Hakmem#trim()} ran); and the
 * allocator works afterwards (checked after every test).
 */
// same thread for set-up, test and clean-up: trim() flushes the calling thread's caches, so the
// mappedBytes accounting compares like with like
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("restricted")
class FaultInjectionTest {

    static final long KiB = 1024, MiB = 1024 * KiB;

    Stats start;
    /** OS calls the injector refused, by op. */
    final AtomicInteger refusedMmap = new AtomicInteger(), refusedMunmap = new AtomicInteger(),
            refusedMadvise = new AtomicInteger();

    @BeforeEach
    void startUp() {
        Hakmem.free(Hakmem.malloc(8)); // start-up (the reservation) before any injected failure
        Hakmem.trim();
        start = Hakmem.stats();
    }

    @AfterEach
    void noLeakAndStillWorks() {
        Os.setFaultInjector(null);
        Hakmem.trim();
        Stats s = Hakmem.stats();
        assertEquals(start.liveBytes(), s.liveBytes(), "liveBytes after cleanup");
        assertTrue(s.mappedBytes() <= start.mappedBytes(), "mappedBytes after cleanup and trim: " + start.mappedBytes()
                + " -> " + s.mappedBytes() + " (" + (s.mappedBytes() - start.mappedBytes()) + " bytes leaked); SuperSlabs "
                + start.superSlabs() + " -> " + s.superSlabs() + ", cached huge bytes " + start.hugeCachedBytes() + " -> "
                + s.hugeCachedBytes() + ", pool stages " + start.stages() + " -> " + s.stages());
        // every tier works: small, mid, large, a new SuperSlab's worth, huge, aligned huge
        long[] sizes = {8, 100, 5000, 100 * KiB, 2 * MiB, 3 * MiB, 40 * MiB};
        long[] a = new long[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            a[i] = Hakmem.malloc(sizes[i]);
            MemorySegment.ofAddress(a[i]).reinterpret(sizes[i]).fill((byte) i);
        }
        long al = Hakmem.alignedAlloc(4 * MiB, 5 * MiB);
        assertEquals(0, al % (4 * MiB));
        for (int i = 0; i < sizes.length; i++) {
            var seg = MemorySegment.ofAddress(a[i]).reinterpret(sizes[i]);
            assertEquals((byte) i, seg.get(ValueLayout.JAVA_BYTE, sizes[i] - 1));
            Hakmem.free(a[i]);
        }
        Hakmem.free(al);
        Hakmem.trim();
    }

    /** An injector refusing {@code op} for addresses in [from, to) (all when from == to == 0) and counting refusals. */
    Os.FaultInjector refuse(String op, long from, long to) {
        return (o, addr, len) -> {
            if (o.equals(op) && (from == to || (addr >= from && addr < to))) {
                (switch (o) {
                    case "mmap" -> refusedMmap;
                    case "munmap" -> refusedMunmap;
                    default -> refusedMadvise;
                }).incrementAndGet();
                return false;
            }
            return true;
        };
    }

    static MemorySegment seg(long a, long n) {
        return MemorySegment.ofAddress(a).reinterpret(n);
    }

    /** Offsets of the marks in an {@code n}-byte block (n >= 8): start, middle and end, never overlapping. */
    static long[] markOffsets(long n) {
        return n < 24 ? new long[] {0} : new long[] {0, (n / 2) & ~7L, n - 8};
    }

    /** Marks a block: a few longs at its start, middle and end. */
    static void mark(long a, long n, long tag) {
        var s = seg(a, n);
        for (long o : markOffsets(n)) s.set(ValueLayout.JAVA_LONG_UNALIGNED, o, tag ^ o);
    }

    static void checkMark(long a, long n, long tag, String what) {
        var s = seg(a, n);
        for (long o : markOffsets(n)) {
            assertEquals(tag ^ o, s.get(ValueLayout.JAVA_LONG_UNALIGNED, o), what + ": block 0x" + Long.toHexString(a) + " offset " + o);
        }
    }

    static <T extends Throwable> T exactly(Class<T> type, String what, org.junit.jupiter.api.function.Executable call) {
        T e = assertThrows(type, call, what);
        assertEquals(type, e.getClass(), what + ": " + e);
        assertNotNull(e.getMessage(), what + ": no message");
        return e;
    }

    // ------------------------------------------------------------------ mmap: new SuperSlab

    /**
     * Every mmap refused: 1 MiB blocks (half a SuperSlab each) are allocated until the committed
     * SuperSlabs are used up; then OutOfMemoryError, with no change to mappedBytes; the blocks
     * handed out before are intact, and once the injector is gone allocation works again.
     */
    @Test
    void newSuperSlabRefused() {
        Os.setFaultInjector(refuse("mmap", 0, 0));
        List<Long> got = new ArrayList<>();
        OutOfMemoryError oom = null;
        for (int i = 0; i < 2000 && oom == null; i++) {
            try {
                long a = Hakmem.malloc(MiB);
                mark(a, MiB, i);
                got.add(a);
            } catch (OutOfMemoryError e) {
                oom = e;
            }
            assertTrue(Hakmem.stats().mappedBytes() <= start.mappedBytes(), "mapped more while every mmap is refused");
        }
        assertNotNull(oom, "no OutOfMemoryError after " + got.size() + " blocks of 1 MiB with every mmap refused");
        assertEquals(OutOfMemoryError.class, oom.getClass());
        assertTrue(refusedMmap.get() > 0, "the allocator did ask for memory");
        long liveBefore = Hakmem.stats().liveBytes();
        exactly(OutOfMemoryError.class, "aligned 2 MiB with every mmap refused", () -> Hakmem.alignedAlloc(2 * MiB, 2 * MiB));
        assertEquals(liveBefore, Hakmem.stats().liveBytes(), "a failed allocation changed liveBytes");
        for (int i = 0; i < got.size(); i++) checkMark(got.get(i), MiB, i, "block handed out before the OOM");
        Os.setFaultInjector(null);
        long b = Hakmem.malloc(MiB);
        mark(b, MiB, 7);
        checkMark(b, MiB, 7, "first block after the injector is gone");
        Hakmem.free(b);
        for (long a : got) Hakmem.free(a);
    }

    /** Refusing the mmap of a new SuperSlab for small blocks: tiny and mid classes fail the same way. */
    @ParameterizedTest
    @ValueSource(longs = {100, 1000, 20_000})
    void smallClassesWhenNoSuperSlabCanBeMapped(long size) {
        // use up every free slot: the big-block loop above, then the small size
        Os.setFaultInjector(refuse("mmap", 0, 0));
        List<Long> got = new ArrayList<>();
        OutOfMemoryError oom = null;
        for (int i = 0; i < 4000 && oom == null; i++) {
            try {
                got.add(Hakmem.malloc(MiB));
            } catch (OutOfMemoryError e) {
                oom = e;
            }
        }
        assertNotNull(oom);
        long limit = 2_000_000;
        oom = null;
        int small = 0;
        for (int i = 0; i < limit && oom == null; i++) {
            try {
                got.add(Hakmem.malloc(size));
                small++;
            } catch (OutOfMemoryError e) {
                oom = e;
            }
        }
        assertNotNull(oom, "no OutOfMemoryError for " + size + "-byte blocks after " + small);
        assertEquals(OutOfMemoryError.class, oom.getClass());
        assertTrue(Hakmem.stats().mappedBytes() <= start.mappedBytes());
        Os.setFaultInjector(null);
        for (long a : got) Hakmem.free(a);
    }

    // ------------------------------------------------------------------ mmap: huge blocks

    @Test
    void hugeBlockMmapRefused() {
        Os.setFaultInjector(refuse("mmap", 0, 0));
        Stats before = Hakmem.stats();
        OutOfMemoryError e = exactly(OutOfMemoryError.class, "malloc(10 MiB)", () -> Hakmem.malloc(10 * MiB));
        assertTrue(e.getMessage().contains("mmap"), e.getMessage());
        exactly(OutOfMemoryError.class, "calloc(1, 10 MiB)", () -> Hakmem.calloc(1, 10 * MiB));
        exactly(OutOfMemoryError.class, "alignedAlloc(4 MiB, 5 MiB)", () -> Hakmem.alignedAlloc(4 * MiB, 5 * MiB));
        exactly(OutOfMemoryError.class, "alignedAlloc(2^27, 8)", () -> Hakmem.alignedAlloc(1L << 27, 8));
        exactly(OutOfMemoryError.class, "allocate(3 MiB)", () -> Hakmem.allocate(3 * MiB));
        exactly(OutOfMemoryError.class, "realloc(0, 3 MiB)", () -> Hakmem.realloc(0, 3 * MiB));
        Stats after = Hakmem.stats();
        assertEquals(before.mappedBytes(), after.mappedBytes(), "a refused mmap charged mappedBytes");
        assertEquals(before.liveBytes(), after.liveBytes());
        assertTrue(refusedMmap.get() >= 6);
    }

    /** Growing a huge block when mremap is refused: moved by a new mapping instead, content kept. */
    @Test
    void hugeGrowWithMremapRefusedMoves() {
        long a = Hakmem.malloc(8 * MiB);
        mark(a, 8 * MiB, 11);
        Os.setFaultInjector(refuse("mmap", a, a + 1)); // only mremap passes the block's own address
        long b = Hakmem.realloc(a, 64 * MiB);
        assertTrue(refusedMmap.get() > 0 || b == a, "mremap was not attempted? (b " + (b == a ? "==" : "!=") + " a)");
        checkMark(b, 8 * MiB, 11, "grown block");
        assertTrue(Hakmem.usableSize(b) >= 64 * MiB);
        seg(b, 64 * MiB).set(ValueLayout.JAVA_BYTE, 64 * MiB - 1, (byte) 1);
        Hakmem.free(b);
    }

    /** Growing a huge block when every mmap and mremap is refused: OutOfMemoryError, the block unchanged and live. */
    @Test
    void hugeGrowWithEveryMmapRefused() {
        long a = Hakmem.malloc(8 * MiB);
        mark(a, 8 * MiB, 12);
        Os.setFaultInjector(refuse("mmap", 0, 0));
        Stats before = Hakmem.stats();
        exactly(OutOfMemoryError.class, "realloc(8 MiB -> 64 MiB)", () -> Hakmem.realloc(a, 64 * MiB));
        exactly(OutOfMemoryError.class, "realloc(8 MiB -> 8 MiB + 1 page)", () -> Hakmem.realloc(a, 8 * MiB + 4096));
        Stats after = Hakmem.stats();
        assertEquals(before.mappedBytes(), after.mappedBytes());
        assertEquals(before.liveBytes(), after.liveBytes());
        assertEquals(8 * MiB, Hakmem.usableSize(a), "the block is still live with its size");
        checkMark(a, 8 * MiB, 12, "block after refused growth");
        Os.setFaultInjector(null);
        long b = Hakmem.realloc(a, 64 * MiB);
        checkMark(b, 8 * MiB, 12, "block grown after the injector is gone");
        Hakmem.free(b);
    }

    /**
     * Shrinking a huge block needs no new memory: when mremap (and every other mmap) is refused,
     * realloc to a smaller huge size must still succeed (keeping the block, or its prefix), not
     * throw OutOfMemoryError.
     */
    @Test
    void hugeShrinkWithMremapRefusedNeedsNoMemory() {
        long a = Hakmem.malloc(16 * MiB);
        mark(a, 4 * MiB, 13);
        Os.setFaultInjector(refuse("mmap", 0, 0));
        long b;
        try {
            b = Hakmem.realloc(a, 4 * MiB);
        } catch (OutOfMemoryError e) {
            Os.setFaultInjector(null);
            Hakmem.free(a);
            throw new AssertionError("realloc(16 MiB -> 4 MiB) with mremap refused threw " + e
                    + ": a shrink only gives memory back, it should keep the block in place", e);
        }
        Os.setFaultInjector(null);
        checkMark(b, 4 * MiB, 13, "shrunk block");
        assertTrue(Hakmem.usableSize(b) >= 4 * MiB);
        Hakmem.free(b);
    }

    // ------------------------------------------------------------------ madvise

    /** trim() while every madvise is refused: no exception, live blocks intact; the next trim purges. */
    @Test
    void trimWithMadviseRefused() {
        int n = 30_000;
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = Hakmem.malloc(1000);
        List<Long> kept = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (i % 150 == 0) {
                kept.add(a[i]);
                mark(a[i], 1000, i);
            } else {
                Hakmem.free(a[i]);
            }
        }
        Os.setFaultInjector(refuse("madvise", 0, 0));
        long madvises = Hakmem.stats().madviseCalls();
        Hakmem.trim();
        Hakmem.trim();
        assertTrue(refusedMadvise.get() > 0, "trim did not madvise the free slots between live blocks (madvise calls "
                + madvises + " -> " + Hakmem.stats().madviseCalls() + ")");
        for (int i = 0; i < kept.size(); i++) checkMark(kept.get(i), 1000, i * 150L, "kept block after refused purge");
        Os.setFaultInjector(null);
        long before = Hakmem.stats().madviseCalls();
        Hakmem.trim();
        assertTrue(Hakmem.stats().madviseCalls() > before, "the purge refused before is done by the next trim");
        for (int i = 0; i < kept.size(); i++) checkMark(kept.get(i), 1000, i * 150L, "kept block after purge");
        for (long k : kept) Hakmem.free(k);
    }

    /**
     * A refused populate (the prefault of new spans of a busy small class) loses nothing but the
     * batching: the blocks fault in on their first writes, keep their bytes, and the next spans
     * are populated again once the refusals stop.
     */
    @Test
    void populateRefused() throws Exception {
        AtomicInteger refusals = new AtomicInteger();
        Os.setFaultInjector((op, addr, len) -> {
            if (op.equals("populate")) {
                refusals.incrementAndGet();
                return false;
            }
            return true;
        });
        Hakmem.trim(); // free slots purged: new spans start cold, so the prefault is tried
        runOnNewThread(() -> spansOfSmallBlocks(6));
        assertTrue(refusals.get() > 0, "no populate was tried");
        Os.setFaultInjector(null);
        Hakmem.trim();
        long before = Os.populateCalls();
        runOnNewThread(() -> spansOfSmallBlocks(6));
        assertTrue(Os.populateCalls() > before, "populate not tried again after the refusals");
    }

    /** Allocates {@code spans} spans' worth of 64-byte blocks, writes and checks each, frees them. */
    private static void spansOfSmallBlocks(int spans) {
        long[] a = new long[spans * 1024];
        for (int i = 0; i < a.length; i++) {
            a[i] = Hakmem.malloc(64);
            mark(a[i], 64, i);
        }
        for (int i = 0; i < a.length; i++) {
            checkMark(a[i], 64, i, "block of a prefaulted span");
            Hakmem.free(a[i]);
        }
    }

    private static void runOnNewThread(Runnable r) throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }

    /** The decay thread's madvise refused: it survives, nothing is thrown anywhere, trim purges later. */
    @Test
    void decayWithMadviseRefused() throws Exception {
        AtomicInteger decayRefusals = new AtomicInteger();
        Os.setFaultInjector((op, addr, len) -> {
            if (op.equals("madvise")) {
                if (Thread.currentThread().getName().equals("hakmem-decay")) decayRefusals.incrementAndGet();
                return false;
            }
            return true;
        });
        int n = 20_000;
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = Hakmem.malloc(2000);
        for (int i = 0; i < n; i++) if (i % 100 != 0) Hakmem.free(a[i]);
        // wait (bounded) for the decay thread to try purging (default decay 1 s)
        for (int i = 0; i < 200 && decayRefusals.get() == 0; i++) Thread.sleep(50);
        assertTrue(decayRefusals.get() > 0, "the decay thread never tried to madvise within 10 s");
        Thread decay = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("hakmem-decay")).findFirst().orElse(null);
        assertNotNull(decay, "decay thread gone after a refused madvise");
        assertTrue(decay.isAlive());
        Os.setFaultInjector(null);
        for (int i = 0; i < n; i += 100) Hakmem.free(a[i]);
    }

    // ------------------------------------------------------------------ munmap

    /**
     * A huge block too big for the huge cache, freed while munmap is refused: free does not
     * throw; once the OS agrees again, the mapping must not be lost: after trim() mappedBytes
     * is back where it started (hakmem keeps the mapping and retries, or at least keeps its
     * accounting true).
     */
    @Test
    void hugeFreeWithMunmapRefused() {
        long size = 200 * MiB; // above hakmem.hugeCacheBytes (128 MiB): unmapped on free
        long a = Hakmem.malloc(size);
        mark(a, size, 21);
        Os.setFaultInjector(refuse("munmap", a, a + size));
        Hakmem.free(a); // must not throw
        assertTrue(refusedMunmap.get() > 0, "free of a 200 MiB block did not munmap it");
        Os.setFaultInjector(null);
        // the address is not live any more
        assertThrows(RuntimeException.class, () -> Hakmem.usableSize(a));
        // cleanup (trim, mappedBytes) is checked by noLeakAndStillWorks
    }

    /** Cached huge mappings unmapped by trim() while munmap is refused: no exception, nothing lost for good. */
    @Test
    void hugeCacheTrimWithMunmapRefused() {
        long[] a = new long[3];
        for (int i = 0; i < a.length; i++) {
            a[i] = Hakmem.malloc(10 * MiB + i * 4096);
            mark(a[i], 10 * MiB, i);
        }
        for (long x : a) Hakmem.free(x); // into the huge cache
        Os.setFaultInjector(refuse("munmap", 0, 0));
        Hakmem.trim(); // must not throw
        Os.setFaultInjector(null);
        // noLeakAndStillWorks: trim again and mappedBytes back at the start
    }

    /**
     * A cached mapping reused for a request of half its length, whose tail's pages (beyond 5/4 of
     * the request) are given back with madvise by the decay thread soon after, refused here:
     * served anyway, with the request's usable size, and the mapping whole goes back on free.
     */
    @Test
    void hugeCacheReuseWithTailMadviseRefused() {
        Hakmem.trim();
        long a = Hakmem.malloc(10 * MiB);
        Hakmem.free(a);
        long madvisesBefore = Hakmem.stats().madviseCalls();
        Os.setFaultInjector(refuse("madvise", 0, 0));
        long b = Hakmem.malloc(5 * MiB);
        assertEquals(a, b, "the cached 10 MiB mapping serves a 5 MiB request");
        assertEquals(5 * MiB, Hakmem.usableSize(b));
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (Hakmem.stats().madviseCalls() == madvisesBefore && System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
        assertTrue(Hakmem.stats().madviseCalls() > madvisesBefore, "the tail was madvised, without a call");
        assertTrue(refusedMadvise.get() > 0, "and the madvise was refused");
        mark(b, Hakmem.usableSize(b), 5);
        checkMark(b, Hakmem.usableSize(b), 5, "reused mapping");
        Os.setFaultInjector(null);
        Hakmem.free(b);
    }

    /** An aligned huge block whose head and tail trims (munmap) are refused: still aligned, usable, freed. */
    @Test
    void alignedHugeWithTrimMunmapRefused() {
        Os.setFaultInjector(refuse("munmap", 0, 0));
        long a = Hakmem.alignedAlloc(8 * MiB, 5 * MiB);
        assertEquals(0, a % (8 * MiB));
        mark(a, 5 * MiB, 3);
        checkMark(a, 5 * MiB, 3, "aligned huge block");
        Os.setFaultInjector(null);
        Hakmem.free(a);
    }

    /**
     * SuperSlabs emptied while their release (munmap to the reservation) is refused: frees and
     * trim() do not throw, the SuperSlabs stay usable, and trim() releases them once allowed.
     */
    @Test
    void superSlabReleaseWithMunmapRefused() {
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            long b = Hakmem.malloc(MiB);
            mark(b, MiB, i);
            blocks.add(b);
        }
        long mappedFull = Hakmem.stats().mappedBytes();
        Os.setFaultInjector(refuse("munmap", 0, 0));
        for (long b : blocks) Hakmem.free(b);
        Hakmem.trim();
        assertTrue(refusedMunmap.get() > 0, "no SuperSlab release was attempted");
        assertEquals(mappedFull, Hakmem.stats().mappedBytes(), "a refused release changed mappedBytes");
        // the SuperSlabs that could not be released are reused
        List<Long> again = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            long b = Hakmem.malloc(MiB);
            mark(b, MiB, 100 + i);
            again.add(b);
        }
        assertTrue(Hakmem.stats().mappedBytes() <= mappedFull, "unreleased SuperSlabs were not reused");
        for (int i = 0; i < again.size(); i++) checkMark(again.get(i), MiB, 100 + i, "block in a reused SuperSlab");
        for (long b : again) Hakmem.free(b);
        Os.setFaultInjector(null);
        // noLeakAndStillWorks: trim releases them now
    }

    // ------------------------------------------------------------------ failures at every point

    /**
     * A seeded workload of every tier and operation while the injector refuses every k-th OS call
     * (of any kind): allocations either succeed or throw exactly OutOfMemoryError (and change
     * nothing), frees and trims never throw, every live block stays intact.
     */
    @ParameterizedTest(name = "refuse every {0}th {1} call")
    @org.junit.jupiter.params.provider.CsvSource({"2, any", "3, any", "7, any", "2, mmap", "3, mmap", "2, munmap",
        "2, madvise"})
    void refuseEveryKthCall(int k, String which) {
        long seed = 0xFA_017L * k + which.hashCode();
        SplittableRandom r = new SplittableRandom(seed);
        AtomicLong calls = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        Thread me = Thread.currentThread(); // the decay thread's calls pass: they would make the sequence timing-dependent
        Os.setFaultInjector((op, addr, len) -> {
            if (Thread.currentThread() == me && (which.equals("any") || which.equals(op))
                    && calls.incrementAndGet() % k == 0) {
                refused.incrementAndGet();
                return false;
            }
            return true;
        });
        List<long[]> live = new ArrayList<>(); // {address, size, tag}
        int ooms = 0;
        try {
            for (int i = 0; i < 3000; i++) {
                int what = r.nextInt(100);
                String where = "seed " + seed + " (every " + k + "th " + which + " call refused) op " + i;
                if (what < 45 || live.isEmpty()) {
                    long size = switch (r.nextInt(10)) {
                        case 0, 1, 2, 3 -> r.nextLong(8, 1024);
                        case 4, 5 -> r.nextLong(1024, 64 * KiB);
                        case 6, 7 -> r.nextLong(64 * KiB, 2 * MiB + 1);
                        default -> r.nextLong(2 * MiB + 1, 12 * MiB);
                    };
                    long liveBefore = Hakmem.stats().liveBytes();
                    try {
                        long a = r.nextInt(4) == 0 ? Hakmem.alignedAlloc(1L << r.nextInt(12, 24), size) : Hakmem.malloc(size);
                        mark(a, size, i);
                        live.add(new long[] {a, size, i});
                    } catch (OutOfMemoryError e) {
                        assertEquals(OutOfMemoryError.class, e.getClass(), where);
                        assertEquals(liveBefore, Hakmem.stats().liveBytes(), where + ": failed allocation changed liveBytes");
                        ooms++;
                    }
                } else if (what < 60) {
                    int j = r.nextInt(live.size());
                    long[] b = live.get(j);
                    long newSize = r.nextBoolean() ? Math.min(b[1] * 2 + 1, 24 * MiB) : Math.max(8, b[1] / 3);
                    checkMark(b[0], b[1], b[2], where + " before realloc");
                    try {
                        long q = Hakmem.realloc(b[0], newSize);
                        long keep = Math.min(b[1], newSize);
                        if (keep == b[1]) checkMark(q, b[1], b[2], where + " after realloc");
                        mark(q, newSize, i);
                        live.set(j, new long[] {q, newSize, i});
                    } catch (OutOfMemoryError e) {
                        assertEquals(OutOfMemoryError.class, e.getClass(), where);
                        checkMark(b[0], b[1], b[2], where + " block after a failed realloc");
                        assertTrue(Hakmem.usableSize(b[0]) >= b[1], where);
                        ooms++;
                    }
                } else if (what < 97) {
                    long[] b = live.remove(r.nextInt(live.size()));
                    checkMark(b[0], b[1], b[2], where + " before free");
                    Hakmem.free(b[0]);
                } else {
                    Hakmem.trim();
                }
                if (live.size() > 60) {
                    long[] b = live.remove(0);
                    Hakmem.free(b[0]);
                }
            }
            for (long[] b : live) checkMark(b[0], b[1], b[2], "seed " + seed + " at the end");
        } finally {
            Os.setFaultInjector(null);
            for (long[] b : live) Hakmem.free(b[0]);
        }
        System.out.println("refuseEveryKthCall(" + k + ", " + which + "): " + calls.get() + " OS calls, " + refused.get() + " refused, "
                + ooms + " OutOfMemoryErrors");
        assertTrue(refused.get() > 0, "no OS call refused");
    }

    static boolean mentions(Throwable e, String word) {
        return e.getMessage() != null && e.getMessage().toLowerCase(Locale.ROOT).contains(word);
    }

    static void never(String what) {
        fail(what);
    }
}
