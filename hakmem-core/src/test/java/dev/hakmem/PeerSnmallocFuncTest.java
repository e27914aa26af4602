package dev.hakmem;

import dev.hakmem.testing.BlockPattern;
import dev.hakmem.testing.ChildJvm;
import static dev.hakmem.PeerSupport.KiB;
import static dev.hakmem.PeerSupport.MAX_CLASS;
import static dev.hakmem.PeerSupport.MiB;
import static dev.hakmem.PeerSupport.PAGE;
import static dev.hakmem.PeerSupport.classSizes;
import static dev.hakmem.PeerSupport.expectExactly;
import static dev.hakmem.PeerSupport.expectedUsable;
import static dev.hakmem.testing.BlockPattern.fill;
import static dev.hakmem.testing.BlockPattern.firstNot;
import static dev.hakmem.PeerSupport.guaranteedAlignment;
import static dev.hakmem.testing.BlockPattern.hex;
import static dev.hakmem.PeerSupport.naturalAlignment;
import static dev.hakmem.testing.BlockPattern.off;
import static dev.hakmem.testing.BlockPattern.seg;
import static dev.hakmem.testing.BlockPattern.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cases of snmalloc's {@code src/test/func} suite ({@code malloc/malloc.cc},
 * {@code memory/memory.cc}, {@code corruption_detection/corruption_detection.cc}),
 * re-expressed for hakmem.
 *
 * <p><b>Alignment: what hakmem guarantees</b> (asserted by {@link #naturalAlignmentOfEveryClassAndClassPlusOne}):
 * <ul>
 * <li>a block from a size class is aligned to the largest power of two dividing its class size
 *     (spans start at a multiple of it, capped at 2 MiB); so every block of 16 B or more is
 *     16-aligned and the 8 B class is 8-aligned;</li>
 * <li>since the classes are 4, 5, 6 or 7 times a power of two, that alignment is at least
 *     snmalloc's "natural alignment" of the request (its largest power-of-two divisor) for
 *     every request up to 2 MiB: malloc(2^k) is 2^k-aligned up to 2 MiB;</li>
 * <li>above 2 MiB blocks are direct mappings: page-aligned (4 KiB) only; a 4 MiB malloc is
 *     <i>not</i> promised 4 MiB alignment (use alignedAlloc).</li>
 * </ul>
 *
 * <p>Corruption detection: hakmem detects double frees exactly (local and remote,
 * {@link IllegalStateException} naming the address) in normal mode; use after free and
 * overflow into a neighbour are detected in debug mode only ({@code -Dhakmem.debug=true}),
 * checked in child JVMs.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("restricted")
class PeerSnmallocFuncTest {

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

    /** snmalloc's check_result: usable size exactly the class (or page-rounded) size, and alignment. */
    static void checkResult(long p, long size, long align, String what) {
        assertNotEquals(0L, p, what);
        long u = Hakmem.usableSize(p);
        if (align <= 8) {
            assertEquals(expectedUsable(size, CLASSES), u, what + ": usable size");
        } else {
            assertTrue(u >= size, what + ": usable size " + u + " < " + size);
        }
        if ((p & (align - 1)) != 0) fail(what + ": " + hex(p) + " not aligned to " + align);
        long nat = Math.min(naturalAlignment(size), size <= MAX_CLASS ? MAX_CLASS : PAGE);
        if ((p & (nat - 1)) != 0) fail(what + ": " + hex(p) + " lacks natural alignment " + nat + " of " + size);
        if (size <= MAX_CLASS && align <= 8) {
            long g = guaranteedAlignment(size, CLASSES);
            if ((p & (g - 1)) != 0) fail(what + ": " + hex(p) + " not aligned to its class's " + g);
        }
        if (size >= 16 && (p & 15) != 0) fail(what + ": " + hex(p) + " not 16-aligned");
    }

    // ------------------------------------------------------------------ malloc.cc

    @Test
    void naturalAlignmentOfEveryClassAndClassPlusOne() {
        for (long c : CLASSES) {
            for (long s : new long[] {c, c + 1, c - 1}) {
                long p = Hakmem.malloc(s);
                checkResult(p, s, 1, "malloc(" + s + ")");
                Hakmem.free(p);
            }
        }
        for (int k = 0; k < 26; k++) {
            long s = 1L << k;
            for (long x : new long[] {s, s + 1}) {
                long p = Hakmem.malloc(x);
                checkResult(p, x, 1, "malloc(" + x + ")");
                Hakmem.free(p);
            }
        }
        // every size up to 8 KiB, and a stride above: natural alignment and at least 16 from 16 bytes
        for (long s = 0; s <= MAX_CLASS; s += s < 8 * KiB ? 1 : 4093) {
            long p = Hakmem.malloc(s);
            checkResult(p, s, 1, "malloc(" + s + ")");
            Hakmem.free(p);
        }
        // many blocks of each power-of-two class live at once (all of a span, not just its first)
        for (int k = 4; k <= 21; k++) {
            long s = 1L << k;
            int n = (int) Math.max(2, Math.min(200, (8 * MiB) / s));
            long[] ps = new long[n];
            for (int i = 0; i < n; i++) {
                ps[i] = Hakmem.malloc(s);
                if ((ps[i] & (s - 1)) != 0) fail("malloc(" + s + ") #" + i + " = " + hex(ps[i]) + " not " + s + "-aligned");
            }
            for (long p : ps) Hakmem.free(p);
        }
    }

    @Test
    void callocOfEveryClass() {
        long p0 = Hakmem.calloc(0, 0);
        checkResult(p0, 0, 1, "calloc(0, 0)");
        Hakmem.free(p0);
        Hakmem.free(0);
        for (long size : CLASSES) {
            for (long n = 1; n * size <= MAX_CLASS; n *= 5) {
                long p = Hakmem.calloc(n, size);
                long bad = firstNot(p, n * size, (byte) 0);
                if (bad >= 0) fail("calloc(" + n + ", " + size + ") non-zero at " + bad);
                checkResult(p, n * size, 1, "calloc(" + n + ", " + size + ")");
                seg(p, n * size).fill((byte) 0x77); // dirty it for the next calloc of the class
                Hakmem.free(p);
                long z = Hakmem.calloc(n, 0);
                checkResult(z, 0, 1, "calloc(" + n + ", 0)");
                Hakmem.free(z);
            }
            long z = Hakmem.calloc(0, size);
            checkResult(z, 0, 1, "calloc(0, " + size + ")");
            Hakmem.free(z);
        }
    }

    /** Content survives realloc(from, to): the first and last 64 bytes of the common prefix are checked. */
    static void reallocCase(long from, long to) {
        long p = Hakmem.malloc(from);
        long n = Math.min(from, to);
        long head = Math.min(n, 64);
        long tailStart = Math.max(head, n - 64), tail = n - tailStart;
        fill(p, head, off(from));
        fill(p + tailStart, tail, off(from + 1));
        long q = Hakmem.realloc(p, to);
        String what = "realloc(malloc(" + from + "), " + to + ")";
        checkResult(q, to, 1, what);
        verify(q, head, off(from), what + " head");
        verify(q + tailStart, tail, off(from + 1), what + " tail");
        if (q != p) expectExactly(IllegalStateException.class, p, what + ": old block freed", () -> Hakmem.free(p));
        Hakmem.free(q);
    }

    @Test
    void reallocBetweenEveryPairOfClasses() {
        for (long size : CLASSES) {
            reallocCase(size, size);
            long p = Hakmem.malloc(size);
            long z = Hakmem.realloc(p, 0);
            // snmalloc returns NULL for realloc(p, 0); hakmem a minimal live block
            checkResult(z, 0, 1, "realloc(malloc(" + size + "), 0)");
            Hakmem.free(z);
            long r = Hakmem.realloc(0, size);
            checkResult(r, size, 1, "realloc(0, " + size + ")");
            Hakmem.free(r);
            long big = Hakmem.malloc(size);
            expectExactly(OutOfMemoryError.class, null, "realloc(malloc(" + size + "), Long.MAX_VALUE)",
                    () -> Hakmem.realloc(big, Long.MAX_VALUE));
            expectExactly(IllegalArgumentException.class, big, "realloc(malloc(" + size + "), SIZE_MAX = -1)",
                    () -> Hakmem.realloc(big, -1));
            Hakmem.free(big);
            for (long size2 : CLASSES) {
                reallocCase(size, size2);
                reallocCase(size + 1, size2);
            }
        }
    }

    @Test
    void reallocBetweenEveryPairOfPowersOfTwo() {
        for (int k = 0; k <= 23; k++) {
            long size = 1L << k;
            reallocCase(size, size);
            long z = Hakmem.realloc(Hakmem.malloc(size), 0);
            checkResult(z, 0, 1, "realloc(malloc(" + size + "), 0)");
            Hakmem.free(z);
            for (int k2 = 0; k2 <= 23; k2++) {
                reallocCase(size, 1L << k2);
                reallocCase(size + 1, 1L << k2);
            }
        }
    }

    @Test
    void alignedAllocOfEveryClassAndAlignment() {
        expectExactly(IllegalArgumentException.class, null, "alignedAlloc(0, 0)", () -> Hakmem.alignedAlloc(0, 0));
        expectExactly(IllegalArgumentException.class, null, "alignedAlloc(0, -1)", () -> Hakmem.alignedAlloc(0, -1));
        expectExactly(IllegalArgumentException.class, null, "alignedAlloc(5, PAGE)",
                () -> Hakmem.alignedAlloc(5, PAGE));
        for (long align = 8; align < MAX_CLASS; align <<= 1) {
            for (int c = 0; c < CLASSES.length - 6; c++) {
                long size = CLASSES[c];
                long p = Hakmem.alignedAlloc(align, size);
                checkResult(p, size, align, "alignedAlloc(" + align + ", " + size + ")");
                seg(p, size).set(ValueLayout.JAVA_BYTE, size - 1, (byte) 1);
                Hakmem.free(p);
                long finalAlign = align;
                expectExactly(IllegalArgumentException.class, null, "alignedAlloc(0, " + size + ")",
                        () -> Hakmem.alignedAlloc(0, size));
                if (c % 8 == 0) {
                    expectExactly(IllegalArgumentException.class, null, "alignedAlloc(" + (align + 1) + ", " + size + ")",
                            () -> Hakmem.alignedAlloc(finalAlign + 1, size));
                }
            }
            long z = Hakmem.alignedAlloc(align, 0);
            checkResult(z, 0, align, "alignedAlloc(" + align + ", 0)");
            Hakmem.free(z);
            long a = align;
            expectExactly(IllegalArgumentException.class, null, "alignedAlloc(" + align + ", -1)", () -> Hakmem.alignedAlloc(a, -1));
            expectExactly(OutOfMemoryError.class, null, "alignedAlloc(" + align + ", Long.MAX_VALUE)",
                    () -> Hakmem.alignedAlloc(a, Long.MAX_VALUE));
            expectExactly(IllegalArgumentException.class, null, "alignedAlloc(" + (align + 1) + ", 0)",
                    () -> Hakmem.alignedAlloc(a + 1, 0));
        }
    }

    // ------------------------------------------------------------------ memory.cc

    /** test_alloc_dealloc_64k / test_random_allocation: many blocks, all distinct and disjoint, contents kept. */
    @Test
    void manyBlocksDistinctAndKept() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(0x5A11_0C);
        int n = 1 << 14;
        long[] p = new long[n];
        long[] s = new long[n];
        java.util.TreeMap<Long, Long> byAddress = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            s[i] = r.nextInt(4) == 0 ? r.nextLong(1, 70 * KiB) : r.nextLong(0, 600);
            p[i] = Hakmem.malloc(s[i]);
            fill(p[i], s[i], off(i));
            var lo = byAddress.floorEntry(p[i]);
            var hi = byAddress.ceilingEntry(p[i]);
            if (lo != null && lo.getKey() + Math.max(1, lo.getValue()) > p[i]) fail(hex(p[i]) + " overlaps " + hex(lo.getKey()));
            if (hi != null && p[i] + Math.max(1, Hakmem.usableSize(p[i])) > hi.getKey()) fail(hex(p[i]) + " overlaps " + hex(hi.getKey()));
            byAddress.put(p[i], Hakmem.usableSize(p[i]));
        }
        for (int i = 0; i < n; i++) verify(p[i], s[i], off(i), "block " + i);
        for (int i = 0; i < n; i += 2) Hakmem.free(p[i]);
        for (int i = 1; i < n; i += 2) verify(p[i], s[i], off(i), "odd block " + i + " after freeing the even ones");
        for (int i = 1; i < n; i += 2) Hakmem.free(p[i]);
    }

    /** test_alloc_16M / test_calloc_16M / test_calloc_large_bug. */
    @Test
    void sixteenMiB() {
        long p = Hakmem.malloc(16 * MiB);
        assertTrue(Hakmem.usableSize(p) >= 16 * MiB);
        seg(p, 16 * MiB).fill((byte) 0x31);
        Hakmem.free(p);
        long z = Hakmem.calloc(1, 16 * MiB);
        assertEquals(-1, firstNot(z, 16 * MiB, (byte) 0), "calloc(16 MiB) after a dirty 16 MiB block");
        Hakmem.free(z);
        long big = Hakmem.calloc(1, (1L << 20) * 9 + 1); // a calloc just above a power-of-two-ish boundary
        assertEquals(-1, firstNot(big, (1L << 20) * 9 + 1, (byte) 0));
        Hakmem.free(big);
    }

    // ------------------------------------------------------------------ corruption_detection.cc, normal mode

    /** try_double_free: the second free of a slot is an exact IllegalStateException and corrupts nothing. */
    @Test
    void localDoubleFree() {
        final int rounds = 200, n = 64;
        long size = 32;
        long[] ps = new long[n];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < n; i++) ps[i] = Hakmem.malloc(size);
            long victim = ps[n / 2];
            Hakmem.free(victim);
            expectExactly(IllegalStateException.class, victim, "round " + r + " double free", () -> Hakmem.free(victim));
            for (int i = 0; i < n; i++) if (i != n / 2) Hakmem.free(ps[i]);
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < n; i++) {
                ps[i] = Hakmem.malloc(size);
                if (!seen.add(ps[i])) fail("round " + r + ": " + hex(ps[i]) + " handed out twice after a double free");
            }
            for (long p : ps) Hakmem.free(p);
        }
    }

    /** try_large_double_free: large-class and direct-mapping blocks. */
    @ParameterizedTest
    @ValueSource(longs = {64 * 1024, 40 * 1024 + 1, 1 << 20, 2 << 20, (2 << 20) + 1, 16 << 20})
    void largeDoubleFree(long size) {
        for (int r = 0; r < 16; r++) {
            long p = Hakmem.malloc(size);
            Hakmem.free(p);
            expectExactly(IllegalStateException.class, p, "double free of a " + size + "-byte block", () -> Hakmem.free(p));
        }
    }

    /**
     * try_remote_double_free and its mirror: freed locally then by another thread, freed by another
     * thread then locally, and freed by two other threads; the second free is an exact
     * IllegalStateException wherever it happens, and afterwards no block is handed out twice.
     */
    @Test
    void remoteDoubleFree() throws Exception {
        final int rounds = 64, n = 64;
        long size = 32;
        ExecutorService t1 = Executors.newSingleThreadExecutor(), t2 = Executors.newSingleThreadExecutor();
        try {
            long[] ps = new long[n];
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < n; i++) ps[i] = Hakmem.malloc(size);
                long victim = ps[n / 2];
                String what = "round " + r + " (" + hex(victim) + ")";
                switch (r % 3) {
                    case 0 -> {
                        Hakmem.free(victim);
                        Throwable e = t1.submit(() -> catching(() -> Hakmem.free(victim))).get();
                        assertExact(e, IllegalStateException.class, victim, what + " local then remote");
                    }
                    case 1 -> {
                        assertEquals(null, t1.submit(() -> catching(() -> Hakmem.free(victim))).get(), what);
                        expectExactly(IllegalStateException.class, victim, what + " remote then local", () -> Hakmem.free(victim));
                    }
                    default -> {
                        assertEquals(null, t1.submit(() -> catching(() -> Hakmem.free(victim))).get(), what);
                        Throwable e = t2.submit(() -> catching(() -> Hakmem.free(victim))).get();
                        assertExact(e, IllegalStateException.class, victim, what + " remote then remote");
                    }
                }
                for (int i = 0; i < n; i++) if (i != n / 2) Hakmem.free(ps[i]);
                Set<Long> seen = new HashSet<>();
                for (int i = 0; i < n; i++) {
                    ps[i] = Hakmem.malloc(size);
                    if (!seen.add(ps[i])) fail(what + ": " + hex(ps[i]) + " handed out twice after a remote double free");
                }
                for (long p : ps) Hakmem.free(p);
            }
        } finally {
            t1.shutdown();
            t2.shutdown();
        }
    }

    static Throwable catching(Runnable r) {
        try {
            r.run();
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    static void assertExact(Throwable e, Class<?> type, long address, String what) {
        if (e == null) fail(what + ": no exception, expected " + type.getSimpleName());
        assertEquals(type, e.getClass(), what + ": " + e);
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(hex(address)), what + ": message " + e.getMessage());
    }

    // ------------------------------------------------------------------ corruption_detection.cc, debug mode

    /**
     * try_uaf_freelist_corruption / try_remote_uaf / try_oob_into_neighbor in debug mode: each in
     * a child JVM with {@code -Dhakmem.debug=true}; the child exits 0 when the corruption was
     * reported as the debug contract says, 3 when it went unnoticed, 4 on a wrong report.
     */
    @ParameterizedTest
    @ValueSource(strings = {"uaf", "remoteUaf", "oobIntoNeighbour", "largeUaf"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void corruptionDetectedInDebugMode(String scenario) throws Exception {
        var r = ChildJvm.of(DebugCorruptionChild.class).jvmArgs("-Dhakmem.debug=true", "-XX:TieredStopAtLevel=1").args(scenario)
                .timeout(Duration.ofSeconds(90)).run();
        System.out.println("debug " + scenario + ": exit " + r.exit() + "\n" + r.output().strip());
        if (r.exit() != 0) {
            fail("debug-mode " + scenario + ": " + switch (r.exit()) {
                case 3 -> "corruption NOT detected";
                case 4 -> "wrong report";
                case -1 -> "child hung";
                default -> "child failed with exit " + r.exit();
            } + "; reproduce: java -Dhakmem.debug=true -cp <test classpath> " + DebugCorruptionChild.class.getName()
                    + " " + scenario + "\nchild output:\n" + r.output());
        }
    }

    /** Child JVM of {@link #corruptionDetectedInDebugMode}. */
    public static final class DebugCorruptionChild {
        static final int ROUNDS = 64, N = 64;

        public static void main(String[] args) throws Exception {
            int rc;
            try {
                rc = switch (args[0]) {
                    case "uaf" -> uaf(32);
                    case "largeUaf" -> uaf(100 * KiB);
                    case "remoteUaf" -> remoteUaf();
                    case "oobIntoNeighbour" -> oob();
                    default -> 2;
                };
            } catch (Throwable e) {
                e.printStackTrace(System.out);
                rc = 5;
            }
            System.out.flush();
            System.exit(rc);
        }

        /** Exit code for a detection {@code e} that should name one of {@code victims} and say {@code words}. */
        static int judge(Throwable e, Set<Long> victims, String words, String where) {
            System.out.println("detected at " + where + ": " + e);
            if (e.getClass() != IllegalStateException.class) return 4;
            String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
            if (!m.contains(words)) {
                System.out.println("message lacks \"" + words + "\"");
                return 4;
            }
            for (long v : victims) if (m.contains(hex(v))) return 0;
            System.out.println("message names none of the victims " + victims.stream().map(BlockPattern::hex).toList());
            return 4;
        }

        /** Free N blocks, write through a dangling pointer, keep allocating and freeing: reported on eviction. */
        static int uaf(long size) {
            Set<Long> victims = new HashSet<>();
            for (int r = 0; r < ROUNDS; r++) {
                long[] ps = new long[N];
                long[] qs = new long[N];
                String where = "round " + r;
                try {
                    for (int i = 0; i < N; i++) ps[i] = Hakmem.malloc(size);
                    for (int i = 0; i < N; i++) Hakmem.free(ps[i]);
                    long victim = ps[N / 2];
                    victims.add(victim);
                    seg(victim, 16).set(ValueLayout.JAVA_LONG, 0, 0xDEADBEEFL);
                    seg(victim, 16).set(ValueLayout.JAVA_LONG, 8, 0xBADC0FFEL);
                    for (int i = 0; i < N; i++) qs[i] = Hakmem.malloc(size);
                    for (int i = 0; i < N; i++) Hakmem.free(qs[i]);
                } catch (Throwable e) {
                    return judge(e, victims, "use after free", where);
                }
            }
            System.out.println("no use after free reported after " + ROUNDS * N * 2 + " frees");
            return 3;
        }

        /** Blocks freed by another thread, then written; that thread keeps freeing (local and remote queues alike). */
        static int remoteUaf() throws Exception {
            Set<Long> victims = new HashSet<>();
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                for (int r = 0; r < ROUNDS; r++) {
                    long[] ps = new long[N];
                    long[] qs = new long[N];
                    for (int i = 0; i < N; i++) ps[i] = Hakmem.malloc(32);
                    Throwable e = other.submit(() -> catching(() -> {
                        for (long p : ps) Hakmem.free(p);
                    })).get();
                    if (e != null) return judge(e, victims, "use after free", "round " + r + " remote frees");
                    long victim = ps[N / 2];
                    victims.add(victim);
                    seg(victim, 16).set(ValueLayout.JAVA_LONG, 0, 0xDEADBEEFL);
                    seg(victim, 16).set(ValueLayout.JAVA_LONG, 8, 0xBADC0FFEL);
                    try {
                        for (int i = 0; i < N; i++) qs[i] = Hakmem.malloc(32);
                    } catch (Throwable x) {
                        return judge(x, victims, "use after free", "round " + r + " malloc");
                    }
                    e = other.submit(() -> catching(() -> {
                        for (long q : qs) Hakmem.free(q);
                    })).get();
                    if (e != null) return judge(e, victims, "use after free", "round " + r + " frees of the new blocks");
                }
            } finally {
                other.shutdown();
            }
            System.out.println("no use after free reported");
            return 3;
        }

        /** Free the even blocks, overrun an odd one by three block widths, free the odd ones. */
        static int oob() {
            long size = 16;
            long[] ps = new long[N];
            for (int i = 0; i < N; i++) ps[i] = Hakmem.malloc(size);
            for (int i = 0; i < N; i += 2) Hakmem.free(ps[i]);
            var s = seg(ps[1], size * 4);
            for (long k = size; k < size * 4; k++) s.set(ValueLayout.JAVA_BYTE, k, (byte) (0x5B + 37 * k));
            try {
                Hakmem.free(ps[1]);
            } catch (Throwable e) {
                // the overrunning block's own canary is the first thing checked
                return judge(e, Set.of(ps[1]), "overflow", "free of the overrunning block " + hex(ps[1]));
            }
            System.out.println("free of the overrunning block " + hex(ps[1]) + " did not report it");
            try {
                for (int i = 3; i < N; i += 2) Hakmem.free(ps[i]);
                for (int r = 0; r < 40; r++) {
                    for (int i = 0; i < N; i++) ps[i] = Hakmem.malloc(size);
                    for (int i = 0; i < N; i++) Hakmem.free(ps[i]);
                }
            } catch (Throwable e) {
                System.out.println("reported later instead: " + e);
                return 4;
            }
            return 3;
        }
    }
}
