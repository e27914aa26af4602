package dev.hakmem;

import dev.hakmem.testing.BlockPattern;
import static dev.hakmem.PeerSupport.MAX_CLASS;
import static dev.hakmem.testing.BlockPattern.fill;
import static dev.hakmem.testing.BlockPattern.hex;
import static dev.hakmem.testing.BlockPattern.seg;
import static dev.hakmem.testing.BlockPattern.verify;

import dev.hakmem.internal.os.Reservation;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Property-based fuzzing (jqwik) of random API sequences, valid and invalid, against a model of
 * the live blocks. Every block is filled with its own pattern. After every invalid operation
 * the exact expected exception must have been thrown (naming the address for address errors),
 * liveBytes must be unchanged and every live block's bytes intact; after every valid one the
 * touched block is checked; at the end of a try everything is freed and liveBytes is back.
 *
 * <p>Invalid operations: double free (immediate, and later, locally and from another thread;
 * also usableSize/realloc of a freed block), frees of addresses freed earlier and possibly
 * handed out again since (the model knows whether the address is live again, lies inside a live
 * block, or is still a freed block), interior pointers, foreign addresses (native memory of the
 * JVM, unused reservation slots, small and kernel-half numbers), heap segments and slices,
 * negative sizes, non-power-of-two alignments, calloc overflow and impossible sizes.
 *
 * <p>A later free of a freed address is only issued when the model can tell the exact answer:
 * <ul>
 * <li>inside a live block (not at its start): {@link IllegalArgumentException};</li>
 * <li>a size-class block whose 64 KiB slab holds a block of the same class that has been live
 *     since before the free (so the span cannot have been given back or re-formatted):
 *     {@link IllegalStateException};</li>
 * <li>a direct mapping that no direct mapping handed out since covers:
 *     {@link IllegalStateException};</li>
 * </ul>
 * otherwise (the memory may have been given back or reused by another class) it is skipped.
 * trim() forgets all freed addresses.
 *
 * <p>Deterministic: fixed seed; on failure jqwik prints the seed and the (shrunk) operation
 * list, and the assertion message names the try, the operation index and the operation.
 */
@SuppressWarnings("restricted")
class FuzzTest {

    static final long MiB = 1 << 20;
    static final int MAX_LIVE = 48;
    static final long MAX_LIVE_BYTES = 48 * MiB;

    enum Kind {
        MALLOC, CALLOC, REALLOC, REALLOC_NULL, ALIGNED, SEGMENT, FREE, REMOTE_FREE, FREE_THEN_MALLOC_SAME, USABLE,
        FREE_NULL, TRIM,
        // invalid
        DOUBLE_FREE, REMOTE_DOUBLE_FREE, STALE_FREE, INTERIOR, FOREIGN, BAD_SEGMENT, NEGATIVE_SIZE, BAD_ALIGNMENT,
        CALLOC_OVERFLOW, IMPOSSIBLE_SIZE
    }

    /** One operation; {@code pick} chooses a live or freed block, {@code size} a size, {@code param} anything else. */
    record Op(Kind kind, int pick, long size, int param) {
        @Override
        public String toString() {
            return kind + "(" + pick + ", " + size + ", " + param + ")";
        }
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Kind> kinds = Arbitraries.frequency(
                Tuple.of(22, Kind.MALLOC), Tuple.of(5, Kind.CALLOC), Tuple.of(8, Kind.REALLOC), Tuple.of(2, Kind.REALLOC_NULL),
                Tuple.of(5, Kind.ALIGNED), Tuple.of(3, Kind.SEGMENT), Tuple.of(16, Kind.FREE), Tuple.of(4, Kind.REMOTE_FREE),
                Tuple.of(5, Kind.FREE_THEN_MALLOC_SAME), Tuple.of(2, Kind.USABLE), Tuple.of(1, Kind.FREE_NULL),
                Tuple.of(1, Kind.TRIM),
                Tuple.of(4, Kind.DOUBLE_FREE), Tuple.of(2, Kind.REMOTE_DOUBLE_FREE), Tuple.of(6, Kind.STALE_FREE),
                Tuple.of(4, Kind.INTERIOR), Tuple.of(2, Kind.FOREIGN), Tuple.of(1, Kind.BAD_SEGMENT),
                Tuple.of(2, Kind.NEGATIVE_SIZE), Tuple.of(2, Kind.BAD_ALIGNMENT), Tuple.of(1, Kind.CALLOC_OVERFLOW),
                Tuple.of(1, Kind.IMPOSSIBLE_SIZE));
        Arbitrary<Long> sizes = Arbitraries.frequencyOf(
                Tuple.of(55, Arbitraries.longs().between(0, 512)),
                Tuple.of(25, Arbitraries.longs().between(513, 40_000)),
                Tuple.of(12, Arbitraries.longs().between(40_001, MAX_CLASS + 8192)),
                Tuple.of(3, Arbitraries.longs().between(MAX_CLASS + 1, 6 * MiB)));
        Arbitrary<Integer> ints = Arbitraries.integers().between(0, 1 << 20);
        return Combinators.combine(kinds, ints, sizes, ints).as(Op::new).list().ofMinSize(1).ofMaxSize(120);
    }

    // ------------------------------------------------------------------ model

    /** A live block: requested size, usable size, pattern offset, operation index it was handed out at, whether via allocate(). */
    record Blk(long size, long usable, int off, int since, boolean segment) {}

    /** A freed address: its usable size then and the operation index it was freed at. */
    record Freed(long usable, int at) {}

    /** A direct mapping handed out: [address, address + length) at an operation index. */
    record Mapping(long address, long length, int at) {}

    static final ExecutorService OTHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-remote");
        t.setDaemon(true);
        return t;
    });
    /** Native memory that is not hakmem's, live for the whole run. */
    static final MemorySegment FOREIGN_MEMORY = Arena.global().allocate(1 << 16, 64);
    static int tries;
    /** Operations executed per kind (after the model's substitutions), and stale frees by expectation. */
    static final Map<String, Integer> EXECUTED = new java.util.TreeMap<>();

    @AfterContainer
    static void report() {
        System.out.println("FuzzTest: " + tries + " tries; executed " + EXECUTED);
    }

    final class Run {
        final List<Op> ops;
        final LinkedHashMap<Long, Blk> live = new LinkedHashMap<>();
        final Map<Long, Freed> freed = new HashMap<>();
        final List<Mapping> mappings = new ArrayList<>();
        final Map<Long, MemorySegment> segments = new HashMap<>();
        long liveBytes;
        int i;
        int patternCounter;

        Run(List<Op> ops) {
            this.ops = ops;
        }

        String where() {
            return "try " + tries + ", op " + i + " " + (i < ops.size() ? ops.get(i) : "(cleanup)") + " of " + ops.size()
                    + " " + ops;
        }

        AssertionError failure(String what) {
            return new AssertionError(what + " at " + where());
        }

        long pickLive(int pick) {
            int n = pick % live.size();
            for (long a : live.keySet()) if (n-- == 0) return a;
            throw new IllegalStateException();
        }

        void add(long a, long size, boolean segment, String origin) {
            if (a == 0) throw failure(origin + " returned 0");
            long usable = Hakmem.usableSize(a);
            if (usable < size) throw failure(origin + ": usable size " + usable + " < " + size);
            if (size >= 16 && (a & 15) != 0) throw failure(origin + ": " + hex(a) + " not 16-aligned");
            for (var e : live.entrySet()) {
                long b = e.getKey(), bEnd = b + Math.max(1, e.getValue().usable);
                if (a < bEnd && b < a + Math.max(1, usable)) {
                    throw failure(origin + " returned " + hex(a) + " (" + usable + " B) overlapping live " + hex(b));
                }
            }
            int off = BlockPattern.off(patternCounter++);
            fill(a, Math.min(size, 16 * MiB), off);
            live.put(a, new Blk(size, usable, off, i, segment));
            freed.remove(a);
            if (usable > MAX_CLASS) mappings.add(new Mapping(a, usable, i));
            liveBytes += size;
        }

        void removed(long a) {
            Blk b = live.remove(a);
            liveBytes -= b.size;
            freed.put(a, new Freed(b.usable, i));
            segments.remove(a);
        }

        void check(long a, String what) {
            Blk b = live.get(a);
            verify(a, Math.min(b.size, 16 * MiB), b.off, what + " at " + where());
        }

        void checkAll(String what) {
            for (long a : live.keySet()) check(a, what);
        }

        /** Runs an invalid call: exactly {@code type}, naming {@code address} if not null, nothing changed. */
        void expect(Class<? extends Throwable> type, Long address, String what, Runnable call) {
            long before = Hakmem.stats().liveBytes();
            Throwable got = null;
            try {
                call.run();
            } catch (Throwable e) {
                got = e;
            }
            judge(type, address, what, got);
            long after = Hakmem.stats().liveBytes();
            if (after != before) throw failure(what + " changed liveBytes " + before + " -> " + after);
            checkAll("after " + what);
        }

        void judge(Class<? extends Throwable> type, Long address, String what, Throwable got) {
            if (got == null) throw failure(what + " did not throw " + type.getSimpleName());
            if (got.getClass() != type) {
                AssertionError e = failure(what + " threw " + got + " instead of " + type.getSimpleName());
                e.initCause(got);
                throw e;
            }
            if (address != null && (got.getMessage() == null
                    || !got.getMessage().toLowerCase(Locale.ROOT).contains(hex(address)))) {
                throw failure(what + ": message \"" + got.getMessage() + "\" does not name " + hex(address));
            }
        }

        /** The exact exception a free of the not-live address {@code f} must give, or null when the model cannot tell. */
        Class<? extends Throwable> staleExpectation(long f, Freed fr) {
            for (var e : live.entrySet()) {
                long b = e.getKey();
                if (b != f && b <= f && f < b + e.getValue().usable) return IllegalArgumentException.class;
            }
            if (fr.usable <= MAX_CLASS) {
                for (var e : live.entrySet()) {
                    Blk g = e.getValue();
                    if (g.usable == fr.usable && g.since < fr.at && (e.getKey() >>> 16) == (f >>> 16)) {
                        return IllegalStateException.class;
                    }
                }
                return null;
            }
            for (Mapping m : mappings) {
                if (m.at > fr.at && m.address <= f && f < m.address + m.length && m.address != f) return null;
            }
            return IllegalStateException.class;
        }

        Throwable remotely(Runnable r) {
            Future<Throwable> f = OTHER.submit(() -> PeerSnmallocFuncTest.catching(r));
            try {
                return f.get();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        void freeBlock(long a) {
            Blk b = live.get(a);
            check(a, "before free");
            if (b.segment) Hakmem.free(segments.get(a));
            else Hakmem.free(a);
            removed(a);
        }

        void run() {
            long liveAtStart = Hakmem.stats().liveBytes();
            try {
                for (i = 0; i < ops.size(); i++) step(ops.get(i));
                checkAll("at the end");
            } finally {
                for (long a : new ArrayList<>(live.keySet())) freeBlock(a);
            }
            long liveAtEnd = Hakmem.stats().liveBytes();
            if (liveAtEnd != liveAtStart) {
                throw new AssertionError("try " + tries + ": liveBytes " + liveAtStart + " -> " + liveAtEnd
                        + " after freeing everything; ops " + ops);
            }
        }

        void step(Op op) {
            Kind k = op.kind;
            boolean full = live.size() >= MAX_LIVE || liveBytes + op.size > MAX_LIVE_BYTES;
            boolean allocating = k == Kind.MALLOC || k == Kind.CALLOC || k == Kind.REALLOC_NULL || k == Kind.ALIGNED
                    || k == Kind.SEGMENT;
            if (allocating && full) k = Kind.FREE;
            boolean needsLive = k == Kind.REALLOC || k == Kind.FREE || k == Kind.REMOTE_FREE
                    || k == Kind.FREE_THEN_MALLOC_SAME || k == Kind.USABLE || k == Kind.DOUBLE_FREE
                    || k == Kind.REMOTE_DOUBLE_FREE || k == Kind.INTERIOR;
            if (needsLive && live.isEmpty()) k = Kind.MALLOC;
            long size = op.size;
            EXECUTED.merge(k.name(), 1, Integer::sum);
            switch (k) {
                case MALLOC -> add(Hakmem.malloc(size), size, false, "malloc(" + size + ")");
                case CALLOC -> {
                    long n = 1 + op.param % 7;
                    long each = size / n;
                    long a = Hakmem.calloc(n, each);
                    long bad = BlockPattern.firstNot(a, n * each, (byte) 0);
                    if (bad >= 0) throw failure("calloc(" + n + ", " + each + ") = " + hex(a) + " not zero at " + bad);
                    add(a, n * each, false, "calloc(" + n + ", " + each + ")");
                }
                case REALLOC_NULL -> add(Hakmem.realloc(0, size), size, false, "realloc(0, " + size + ")");
                case ALIGNED -> {
                    long align = 1L << (op.param % 23);
                    long a = Hakmem.alignedAlloc(align, size);
                    if ((a & (align - 1)) != 0) throw failure("alignedAlloc(" + align + ", " + size + ") = " + hex(a));
                    add(a, size, false, "alignedAlloc(" + align + ", " + size + ")");
                }
                case SEGMENT -> {
                    MemorySegment s = Hakmem.allocate(size);
                    if (s.byteSize() != size) throw failure("allocate(" + size + ") gave " + s.byteSize() + " bytes");
                    add(s.address(), size, true, "allocate(" + size + ")");
                    segments.put(s.address(), s);
                }
                case REALLOC -> {
                    long a = pickLive(op.pick);
                    Blk b = live.get(a);
                    check(a, "before realloc");
                    if (b.segment) {
                        freeBlock(a); // segments are not realloc'd
                        return;
                    }
                    long q = Hakmem.realloc(a, size);
                    long keep = Math.min(Math.min(b.size, size), 16 * MiB);
                    verify(q, keep, b.off, "realloc(" + hex(a) + ", " + size + ") = " + hex(q) + " kept content at " + where());
                    Blk nb;
                    live.remove(a);
                    liveBytes -= b.size;
                    if (q != a) {
                        freed.put(a, new Freed(b.usable, i));
                        long usable = Hakmem.usableSize(q);
                        nb = new Blk(size, usable, b.off, i, false);
                        if (usable > MAX_CLASS) mappings.add(new Mapping(q, usable, i));
                        for (var e : live.entrySet()) {
                            long c = e.getKey();
                            if (q < c + Math.max(1, e.getValue().usable) && c < q + Math.max(1, usable)) {
                                throw failure("realloc returned " + hex(q) + " overlapping live " + hex(c));
                            }
                        }
                    } else {
                        long usable = Hakmem.usableSize(q);
                        nb = new Blk(size, usable, b.off, b.since, false);
                        if (usable != b.usable && usable > MAX_CLASS) mappings.add(new Mapping(q, usable, i));
                    }
                    if (nb.usable < size) throw failure("realloc usable " + nb.usable + " < " + size);
                    freed.remove(q);
                    live.put(q, nb);
                    liveBytes += size;
                    // the grown part gets the rest of the pattern
                    if (size > b.size) fill(q + b.size, Math.min(size, 16 * MiB) - Math.min(b.size, 16 * MiB), b.off + (int) Math.min(b.size, 16 * MiB));
                }
                case FREE -> freeBlock(pickLive(op.pick));
                case REMOTE_FREE -> {
                    long a = pickLive(op.pick);
                    check(a, "before remote free");
                    Throwable e = remotely(() -> Hakmem.free(a));
                    if (e != null) throw failure("remote free of live " + hex(a) + " threw " + e);
                    removed(a);
                }
                case FREE_THEN_MALLOC_SAME -> {
                    long a = pickLive(op.pick);
                    long s = live.get(a).size;
                    freeBlock(a);
                    add(Hakmem.malloc(s), s, false, "malloc(" + s + ") right after freeing " + hex(a));
                }
                case USABLE -> {
                    long a = pickLive(op.pick);
                    if (Hakmem.usableSize(a) != live.get(a).usable) throw failure("usableSize(" + hex(a) + ") changed");
                }
                case FREE_NULL -> Hakmem.free(0L);
                case TRIM -> {
                    Hakmem.trim();
                    freed.clear(); // memory may have been given back: freed addresses are no longer determinate
                    mappings.clear();
                    checkAll("after trim");
                }
                case DOUBLE_FREE -> {
                    long a = pickLive(op.pick);
                    long s = Math.max(0, size % 1000);
                    freeBlock(a);
                    expect(IllegalStateException.class, a, "double free of " + hex(a), () -> Hakmem.free(a));
                    expect(IllegalStateException.class, a, "usableSize of freed " + hex(a), () -> Hakmem.usableSize(a));
                    expect(IllegalStateException.class, a, "realloc of freed " + hex(a), () -> Hakmem.realloc(a, s));
                }
                case REMOTE_DOUBLE_FREE -> {
                    long a = pickLive(op.pick);
                    if (op.param % 2 == 0) {
                        freeBlock(a);
                        Throwable e = remotely(() -> Hakmem.free(a));
                        judge(IllegalStateException.class, a, "remote free of locally freed " + hex(a), e);
                    } else {
                        check(a, "before remote free");
                        Throwable e = remotely(() -> Hakmem.free(a));
                        if (e != null) throw failure("remote free of live " + hex(a) + " threw " + e);
                        removed(a);
                        expect(IllegalStateException.class, a, "local free of remotely freed " + hex(a), () -> Hakmem.free(a));
                        Throwable e2 = remotely(() -> Hakmem.free(a));
                        judge(IllegalStateException.class, a, "second remote free of " + hex(a), e2);
                    }
                    checkAll("after remote double free");
                }
                case STALE_FREE -> {
                    if (freed.isEmpty()) return;
                    List<Long> addrs = new ArrayList<>(freed.keySet());
                    addrs.sort(null);
                    long f = addrs.get(op.pick % addrs.size());
                    Class<? extends Throwable> t = staleExpectation(f, freed.get(f));
                    EXECUTED.merge("STALE_FREE->" + (t == null ? "skipped" : t.getSimpleName())
                            + (freed.get(f).usable > MAX_CLASS ? " (huge)" : ""), 1, Integer::sum);
                    if (t == null) return;
                    expect(t, f, "free of earlier freed " + hex(f) + " (" + freed.get(f) + ")", () -> Hakmem.free(f));
                    expect(t, f, "usableSize of earlier freed " + hex(f), () -> Hakmem.usableSize(f));
                    expect(t, f, "realloc of earlier freed " + hex(f), () -> Hakmem.realloc(f, 100));
                }
                case INTERIOR -> {
                    long a = pickLive(op.pick);
                    long u = live.get(a).usable;
                    if (u <= 1) return;
                    long off = 1 + Math.floorMod(op.param * 0x9E3779B1L + size, u - 1);
                    if (op.param % 3 == 0) off = Math.max(8, off & ~7L) < u ? Math.max(8, off & ~7L) : off;
                    long p = a + off;
                    expect(IllegalArgumentException.class, p, "free of interior " + hex(a) + " + " + off, () -> Hakmem.free(p));
                    expect(IllegalArgumentException.class, p, "usableSize of interior " + hex(a) + " + " + off, () -> Hakmem.usableSize(p));
                    expect(IllegalArgumentException.class, p, "realloc of interior " + hex(a) + " + " + off, () -> Hakmem.realloc(p, 64));
                }
                case FOREIGN -> {
                    long[] foreign = {FOREIGN_MEMORY.address() + 8 + 16L * (op.param % 4000), 8, 0x1000, 0x3990080L,
                        Reservation.slotAddress(Reservation.SLOTS - 1) + 64, Reservation.slotAddress(Reservation.SLOTS - 2),
                        -8, Long.MIN_VALUE, Long.MAX_VALUE & ~7L};
                    long p = foreign[op.pick % foreign.length];
                    expect(IllegalArgumentException.class, p, "free of foreign " + hex(p), () -> Hakmem.free(p));
                    expect(IllegalArgumentException.class, p, "usableSize of foreign " + hex(p), () -> Hakmem.usableSize(p));
                    expect(IllegalArgumentException.class, p, "realloc of foreign " + hex(p), () -> Hakmem.realloc(p, 8));
                }
                case BAD_SEGMENT -> {
                    expect(IllegalArgumentException.class, null, "free(heap segment)",
                            () -> Hakmem.free(MemorySegment.ofArray(new byte[16])));
                    if (!live.isEmpty()) {
                        long a = pickLive(op.pick);
                        Blk b = live.get(a);
                        if (b.usable > 8) {
                            expect(IllegalArgumentException.class, a + 8, "free(segment slice at +8 of " + hex(a) + ")",
                                    () -> Hakmem.free(seg(a, b.usable).asSlice(8)));
                        }
                        expect(IllegalArgumentException.class, a, "free(segment of " + hex(a) + " larger than the block)",
                                () -> Hakmem.free(seg(a, b.usable + 1)));
                    }
                }
                case NEGATIVE_SIZE -> {
                    long neg = -1 - Math.abs(size) * (1 + op.param % 3);
                    expect(IllegalArgumentException.class, null, "malloc(" + neg + ")", () -> Hakmem.malloc(neg));
                    expect(IllegalArgumentException.class, null, "realloc(0, " + neg + ")", () -> Hakmem.realloc(0, neg));
                    expect(IllegalArgumentException.class, null, "calloc(" + neg + ", 8)", () -> Hakmem.calloc(neg, 8));
                    expect(IllegalArgumentException.class, null, "calloc(8, " + neg + ")", () -> Hakmem.calloc(8, neg));
                    expect(IllegalArgumentException.class, null, "alignedAlloc(64, " + neg + ")", () -> Hakmem.alignedAlloc(64, neg));
                    expect(IllegalArgumentException.class, null, "allocate(" + neg + ")", () -> Hakmem.allocate(neg));
                    if (!live.isEmpty()) {
                        long a = pickLive(op.pick);
                        if (!live.get(a).segment) {
                            expect(IllegalArgumentException.class, a, "realloc(" + hex(a) + ", " + neg + ")", () -> Hakmem.realloc(a, neg));
                        }
                    }
                }
                case BAD_ALIGNMENT -> {
                    long[] bad = {0, 3, 24, 48, 100, (1L << (op.param % 60 + 2)) + 1, (1L << (op.param % 60 + 2)) - 1, -16,
                        Long.MIN_VALUE, Long.MAX_VALUE};
                    long al = bad[op.pick % bad.length];
                    expect(IllegalArgumentException.class, null, "alignedAlloc(" + al + ", " + size + ")", () -> Hakmem.alignedAlloc(al, size));
                }
                case CALLOC_OVERFLOW -> {
                    long n = (1L << 32) + op.param;
                    long s = Long.MAX_VALUE / n + 1 + size;
                    expect(IllegalArgumentException.class, null, "calloc(" + n + ", " + s + ")", () -> Hakmem.calloc(n, s));
                }
                case IMPOSSIBLE_SIZE -> {
                    long huge = switch (op.param % 4) {
                        case 0 -> Long.MAX_VALUE;
                        case 1 -> (1L << 46) + 1 + size;
                        case 2 -> Long.MAX_VALUE - 4095 + (size % 4096);
                        default -> 1L << 60;
                    };
                    expect(OutOfMemoryError.class, null, "malloc(" + huge + ")", () -> Hakmem.malloc(huge));
                    expect(OutOfMemoryError.class, null, "alignedAlloc(2^50, " + size + ")", () -> Hakmem.alignedAlloc(1L << 50, size));
                    if (!live.isEmpty()) {
                        long a = pickLive(op.pick);
                        EXECUTED.merge("IMPOSSIBLE_REALLOC" + (live.get(a).usable > MAX_CLASS ? " (huge)" : ""), 1, Integer::sum);
                        if (!live.get(a).segment) {
                            expect(OutOfMemoryError.class, null, "realloc(" + hex(a) + " of " + live.get(a).usable + " B, " + huge + ")",
                                    () -> Hakmem.realloc(a, huge));
                            if (Hakmem.usableSize(a) != live.get(a).usable) throw failure("failed realloc changed the usable size of " + hex(a));
                        }
                    }
                }
            }
        }
    }

    @Property(tries = 250, seed = "6021023", shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.MIXIN,
            afterFailure = AfterFailureMode.SAMPLE_FIRST)
    void randomApiSequencesAgainstModel(@ForAll("ops") List<Op> ops) {
        tries++;
        new Run(ops).run();
    }
}
