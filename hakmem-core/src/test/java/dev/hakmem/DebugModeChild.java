package dev.hakmem;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Child JVM of {@code dev.hakmem.internal.DebugModeTest}: runs one debug-mode scenario, prints
 * {@code OK <scenario>} and exits 0, or prints what failed and exits 1. It lives outside
 * {@code dev.hakmem.internal} because debug mode leaves frames of that package out of the
 * allocation sites it records.
 */
@SuppressWarnings("restricted")
public final class DebugModeChild {
    private DebugModeChild() {}

    static final long KiB = 1024, MiB = 1024 * KiB;
    static final byte NEW = (byte) 0xA5, FREED = (byte) 0xDD;


    static String hex(long a) {
        return "0x" + Long.toHexString(a);
    }

    static MemorySegment seg(long a, long n) {
        return MemorySegment.ofAddress(a).reinterpret(n);
    }

    static void check(boolean ok, String what) {
        if (!ok) throw new AssertionError(what);
    }

    static long firstNot(long a, long n, byte b) {
        MemorySegment s = seg(a, n);
        for (long i = 0; i < n; i++) if (s.get(ValueLayout.JAVA_BYTE, i) != b) return i;
        return -1;
    }

    static void allBytes(long a, long n, byte b, String what) {
        long i = firstNot(a, n, b);
        check(i < 0, what + ": byte " + i + " of " + hex(a) + " is 0x"
                + (i < 0 ? "" : Integer.toHexString(seg(a, n).get(ValueLayout.JAVA_BYTE, i) & 0xff)) + ", expected 0x"
                + Integer.toHexString(b & 0xff));
    }

    interface Call {
        void run() throws Throwable;
    }

    static Throwable thrown(Call c) {
        try {
            c.run();
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    /** {@code c} throws exactly {@code type}, naming {@code address} (if not null) and containing {@code word} (if not null). */
    static void expect(Class<?> type, Long address, String word, String what, Call c) {
        Throwable e = thrown(c);
        check(e != null, what + ": no exception, expected " + type.getSimpleName());
        check(e.getClass() == type, what + ": threw " + e + ", expected " + type.getSimpleName());
        String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (address != null) check(m.contains(hex(address)), what + ": message \"" + e.getMessage() + "\" lacks " + hex(address));
        if (word != null) check(m.contains(word), what + ": message \"" + e.getMessage() + "\" lacks \"" + word + "\"");
    }

    /** The allocator still hands out sound, distinct blocks. */
    static void stillWorks(String after) {
        Set<Long> seen = new HashSet<>();
        long[] a = new long[300];
        for (int i = 0; i < a.length; i++) {
            long n = 8 + (i * 37L) % 3000;
            a[i] = Hakmem.malloc(n);
            check(seen.add(a[i]), "after " + after + ": " + hex(a[i]) + " handed out twice");
            seg(a[i], n).fill((byte) i);
        }
        for (int i = 0; i < a.length; i++) {
            long n = 8 + (i * 37L) % 3000;
            allBytes(a[i], n, (byte) i, "after " + after + ": block " + i);
            Hakmem.free(a[i]);
        }
    }

    static final long[] SIZES = {0, 1, 7, 8, 15, 16, 17, 100, 1000, 4096, 65_536, 100_000, 2 * MiB - 16, 2 * MiB,
        3 * MiB + 5};

    public static void main(String[] args) {
        String s = args[0];
        try {
            switch (s) {
                case "fillNew" -> fillNew();
                case "fillFreed" -> fillFreed();
                case "canary" -> canary();
                case "quarantine" -> quarantine(16);
                case "quarantineDefault" -> quarantine(1024);
                case "useAfterFree" -> useAfterFree(8);
                case "liveBlocks" -> liveBlocks();
                case "misuse" -> misuse(4);
                case "enabled" -> enabled();
                case "readOnce" -> readOnce();
                case "leakAtExit" -> leakAtExit();
                default -> throw new AssertionError("unknown scenario " + s);
            }
            System.out.println("OK " + s);
            System.out.flush();
            if (!s.equals("leakAtExit")) System.exit(0);
        } catch (Throwable e) {
            System.out.println("FAIL " + s + ": " + e);
            e.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    static void fillNew() {
        for (long n : SIZES) {
            long a = Hakmem.malloc(n);
            check(Hakmem.usableSize(a) >= n, "usableSize(malloc(" + n + ")) = " + Hakmem.usableSize(a));
            allBytes(a, n, NEW, "malloc(" + n + ")");
            seg(a, n).fill((byte) 0x3C); // dirty it: the next block of the class must be 0xA5 again
            Hakmem.free(a);
            long b = Hakmem.malloc(n);
            allBytes(b, n, NEW, "malloc(" + n + ") after a dirtied free");
            Hakmem.free(b);
            long z = Hakmem.calloc(1, n);
            allBytes(z, n, (byte) 0, "calloc(1, " + n + ")");
            Hakmem.free(z);
            if (n > 0) {
                long z2 = Hakmem.calloc(n, 1);
                allBytes(z2, n, (byte) 0, "calloc(" + n + ", 1)");
                Hakmem.free(z2);
            }
            MemorySegment m = Hakmem.allocate(n);
            allBytes(m.address(), n, NEW, "allocate(" + n + ")");
            Hakmem.free(m);
            long r = Hakmem.realloc(0, n);
            allBytes(r, n, NEW, "realloc(0, " + n + ")");
            Hakmem.free(r);
        }
        // realloc growth: the old bytes kept, the new ones 0xA5; shrinking keeps the prefix
        long[][] moves = {{1, 2}, {10, 12}, {100, 300}, {3000, 70_000}, {100_000, 3 * MiB}, {3 * MiB, 5 * MiB}, {16, 16}};
        for (long[] mv : moves) {
            long a = Hakmem.malloc(mv[0]);
            seg(a, mv[0]).fill((byte) 0x11);
            long b = Hakmem.realloc(a, mv[1]);
            allBytes(b, mv[0], (byte) 0x11, "realloc(" + mv[0] + " -> " + mv[1] + ") old bytes");
            allBytes(b + mv[0], mv[1] - mv[0], NEW, "realloc(" + mv[0] + " -> " + mv[1] + ") new bytes");
            long c = Hakmem.realloc(b, mv[0] / 2);
            allBytes(c, mv[0] / 2, (byte) 0x11, "realloc shrink to " + mv[0] / 2);
            Hakmem.free(c);
        }
    }

    static void fillFreed() {
        for (long n : SIZES) {
            long a = Hakmem.malloc(n);
            seg(a, n).fill((byte) 0x42);
            Hakmem.free(a);
            allBytes(a, n, FREED, "freed malloc(" + n + ") block (read while quarantined)");
            long c = Hakmem.calloc(1, n);
            Hakmem.free(c);
            allBytes(c, n, FREED, "freed calloc(1, " + n + ") block");
            long r = Hakmem.malloc(n);
            long r2 = Hakmem.realloc(r, n + 100);
            if (r2 != r) allBytes(r, n, FREED, "block left behind by realloc(" + n + " -> " + (n + 100) + ")");
            Hakmem.free(r2);
        }
    }

    static void canary() {
        for (long n : SIZES) {
            long a0 = Hakmem.malloc(n);
            seg(a0, n).fill((byte) 0x77); // all requested bytes may be written
            Hakmem.free(a0);
            for (int k = 0; k < 8; k++) {
                long a = Hakmem.malloc(n);
                var s = seg(a, n + 8);
                s.set(ValueLayout.JAVA_BYTE, n + k, (byte) ~s.get(ValueLayout.JAVA_BYTE, n + k));
                String what = "write at byte " + (n + k) + " of a " + n + "-byte block " + hex(a);
                expect(IllegalStateException.class, a, "overflow", "free after " + what, () -> Hakmem.free(a));
                expect(IllegalStateException.class, a, "overflow", "realloc after " + what, () -> Hakmem.realloc(a, n + 1000));
            }
        }
        // calloc'd, aligned and realloc'd blocks carry the canary after their (new) requested size too
        long c = Hakmem.calloc(10, 10);
        seg(c, 101).set(ValueLayout.JAVA_BYTE, 100, (byte) 1);
        expect(IllegalStateException.class, c, "overflow", "free of overrun calloc(10, 10) block", () -> Hakmem.free(c));
        for (long align : new long[] {16, 64, 4096, 65_536}) {
            long al = Hakmem.alignedAlloc(align, 50);
            seg(al, 51).set(ValueLayout.JAVA_BYTE, 50, (byte) ~seg(al, 51).get(ValueLayout.JAVA_BYTE, 50));
            expect(IllegalStateException.class, al, "overflow", "free of overrun alignedAlloc(" + align + ", 50)", () -> Hakmem.free(al));
        }
        long g = Hakmem.realloc(Hakmem.malloc(10), 200);
        seg(g, 201).set(ValueLayout.JAVA_BYTE, 200, (byte) ~seg(g, 201).get(ValueLayout.JAVA_BYTE, 200));
        expect(IllegalStateException.class, g, "overflow", "free of overrun grown block", () -> Hakmem.free(g));
        long sh = Hakmem.realloc(Hakmem.malloc(500), 40);
        seg(sh, 41).set(ValueLayout.JAVA_BYTE, 40, (byte) ~seg(sh, 41).get(ValueLayout.JAVA_BYTE, 40));
        expect(IllegalStateException.class, sh, "overflow", "free of overrun shrunk block", () -> Hakmem.free(sh));
        stillWorks("overflows");
    }

    static void quarantine(int q) {
        long size = 64;
        // fill the quarantine with other blocks, then free x: x is its newest entry
        long[] pre = new long[q];
        for (int i = 0; i < q; i++) pre[i] = Hakmem.malloc(size);
        long x = Hakmem.malloc(size);
        for (long p : pre) Hakmem.free(p);
        Hakmem.free(x);
        // no frees meanwhile: x stays quarantined however much is allocated
        List<Long> got = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            long a = Hakmem.malloc(size);
            check(a != x, "freed block " + hex(x) + " handed out again by malloc #" + i + " while quarantined");
            got.add(a);
        }
        // q - 1 more frees: x is still quarantined (a double free says so) and not reused
        for (int i = 0; i < q - 1; i++) Hakmem.free(got.get(i));
        expect(IllegalStateException.class, x, null, "double free of quarantined " + hex(x), () -> Hakmem.free(x));
        long[] more = new long[200];
        for (int i = 0; i < more.length; i++) {
            more[i] = Hakmem.malloc(size);
            check(more[i] != x, "quarantined " + hex(x) + " reused after " + (q - 1) + " more frees");
        }
        // one more free evicts x; from then on it is an ordinary freed block
        Hakmem.free(got.get(q - 1));
        expect(IllegalStateException.class, x, null, "double free of " + hex(x) + " after it left the quarantine",
                () -> Hakmem.free(x));
        for (int i = q; i < got.size(); i++) Hakmem.free(got.get(i));
        for (long m : more) Hakmem.free(m);
        stillWorks("quarantine");
    }

    static void useAfterFree(int q) {
        long[][] cases = {{16, 0}, {16, 15}, {1000, 500}, {1000, 999}, {100_000, 4096}, {2 * MiB, 2 * MiB - 1},
            {3 * MiB + 5, 3 * MiB}};
        for (long[] c : cases) {
            long size = c[0], off = c[1];
            long[] filler = new long[q];
            long[] after = new long[q];
            for (int i = 0; i < q; i++) filler[i] = Hakmem.malloc(64);
            for (int i = 0; i < q; i++) after[i] = Hakmem.malloc(64);
            long v = Hakmem.malloc(size);
            for (long f : filler) Hakmem.free(f); // the quarantine is full of other blocks now
            Hakmem.free(v); // v is the newest
            seg(v, size).set(ValueLayout.JAVA_BYTE, off, (byte) 0x00); // the write after free
            String what = "write at byte " + off + " of freed " + size + "-byte block " + hex(v);
            for (int i = 0; i < q; i++) {
                long a = after[i];
                if (i < q - 1) {
                    Throwable e = thrown(() -> Hakmem.free(a));
                    check(e == null, what + ": free #" + (i + 1) + " after it threw " + e + " before " + hex(v)
                            + " could have left the quarantine of " + q);
                } else {
                    expect(IllegalStateException.class, v, "use after free", what + ": free #" + q
                            + " (the one that evicts it from the quarantine of " + q + ")", () -> Hakmem.free(a));
                }
            }
        }
        stillWorks("use after free");
    }

    static long allocateHere(long n) {
        return Hakmem.malloc(n);
    }

    static void liveBlocks() throws Exception {
        check(Hakmem.liveBlocks().isEmpty(), "live blocks before any allocation: " + Hakmem.liveBlocks());
        Map<Long, Long> mine = new HashMap<>(); // address -> requested size
        Map<Long, String> thread = new HashMap<>();
        long[] other = new long[3];
        Thread t = new Thread(() -> {
            other[0] = allocateHere(10);
            other[1] = allocateHere(2000);
            other[2] = allocateHere(3 * MiB);
        }, "leaky-thread");
        t.start();
        t.join();
        long[] sizes = {10, 2000, 3 * MiB};
        for (int i = 0; i < 3; i++) {
            mine.put(other[i], sizes[i]);
            thread.put(other[i], "leaky-thread");
        }
        String me = Thread.currentThread().getName();
        long a = allocateHere(100), b = allocateHere(200), c = Hakmem.calloc(3, 33), d = Hakmem.alignedAlloc(4096, 77);
        long e = Hakmem.realloc(0, 55);
        long f = Hakmem.malloc(300);
        long g = Hakmem.realloc(f, 5000);
        MemorySegment h = Hakmem.allocate(123);
        Hakmem.free(b);
        long[][] live = {{a, 100}, {c, 99}, {d, 77}, {e, 55}, {g, 5000}, {h.address(), 123}};
        for (long[] l : live) {
            mine.put(l[0], l[1]);
            thread.put(l[0], me);
        }
        Set<Long> gone = new HashSet<>(List.of(b));
        if (g != f) gone.add(f);
        List<Hakmem.LiveBlock> lb = Hakmem.liveBlocks();
        Map<Long, Hakmem.LiveBlock> byAddress = new HashMap<>();
        for (Hakmem.LiveBlock x : lb) check(byAddress.put(x.address(), x) == null, "block listed twice: " + x);
        check(byAddress.keySet().equals(mine.keySet()), "liveBlocks() addresses " + byAddress.keySet().stream().map(DebugModeChild::hex).toList()
                + " != live " + mine.keySet().stream().map(DebugModeChild::hex).toList());
        for (var en : mine.entrySet()) {
            Hakmem.LiveBlock x = byAddress.get(en.getKey());
            check(x.size() == en.getValue(), "size of " + x + " should be the requested " + en.getValue());
            check(thread.get(en.getKey()).equals(x.thread()), "thread of " + x + " should be " + thread.get(en.getKey()));
            check(!x.allocationSite().isEmpty(), "no allocation site for " + x);
            for (StackTraceElement fr : x.allocationSite()) {
                check(!fr.getClassName().startsWith("dev.hakmem.internal.") && !fr.getClassName().equals("dev.hakmem.Hakmem"),
                        "allocation site of " + x + " shows allocator internals: " + fr);
            }
            check(x.allocationSite().stream().anyMatch(fr -> fr.getClassName().equals(DebugModeChild.class.getName())),
                    "allocation site of " + x + " lacks the allocating class: " + x.allocationSite());
        }
        for (long o : other) {
            check(byAddress.get(o).allocationSite().getFirst().getMethodName().equals("allocateHere"),
                    "innermost frame of " + hex(o) + " should be allocateHere: " + byAddress.get(o).allocationSite());
        }
        String report = Hakmem.leakReport();
        check(report != null, "leakReport() is null");
        String low = report.toLowerCase(Locale.ROOT);
        for (long x : mine.keySet()) check(low.contains(hex(x)), "leak report lacks " + hex(x) + ":\n" + report);
        for (long x : gone) check(!low.contains(hex(x)), "leak report shows freed " + hex(x) + ":\n" + report);
        check(report.contains("allocateHere"), "leak report lacks the allocation site allocateHere:\n" + report);
        check(report.contains("leaky-thread"), "leak report lacks the thread name:\n" + report);
        check(report.lines().count() >= mine.size(), "leak report has fewer lines than live blocks:\n" + report);
        // free everything: nothing left
        for (long x : mine.keySet()) {
            if (x == h.address()) Hakmem.free(h);
            else Hakmem.free(x);
        }
        check(Hakmem.liveBlocks().isEmpty(), "live blocks after freeing all: " + Hakmem.liveBlocks());
        for (long x : mine.keySet()) check(!Hakmem.leakReport().toLowerCase(Locale.ROOT).contains(hex(x)), "freed " + hex(x) + " still reported");
    }

    static void misuse(int q) throws Exception {
        for (long n : new long[] {16, 1000, 100_000, 3 * MiB}) {
            long a = Hakmem.malloc(n);
            Hakmem.free(a);
            expect(IllegalStateException.class, a, null, "double free of " + n + " B block", () -> Hakmem.free(a));
            expect(IllegalStateException.class, a, null, "usableSize of freed " + n + " B block", () -> Hakmem.usableSize(a));
            expect(IllegalStateException.class, a, null, "realloc of freed " + n + " B block", () -> Hakmem.realloc(a, 10));
            // push it out of the quarantine, then free it again
            long[] push = new long[q + 1];
            for (int i = 0; i < push.length; i++) push[i] = Hakmem.malloc(24);
            for (long p : push) Hakmem.free(p);
            Throwable e = thrown(() -> Hakmem.free(a));
            check(e != null && (e.getClass() == IllegalStateException.class || e.getClass() == IllegalArgumentException.class),
                    "double free of " + hex(a) + " after leaving the quarantine: " + e);
            if (n <= 1000) {
                check(e.getClass() == IllegalStateException.class, "double free after leaving the quarantine: " + e);
            }
            check(e.getMessage().toLowerCase(Locale.ROOT).contains(hex(a)), "message lacks " + hex(a) + ": " + e);
            // interior pointers
            long b = Hakmem.malloc(n);
            for (long off : new long[] {1, 8, 16, n / 2 & ~7L, n - 1}) {
                if (off <= 0 || off >= n) continue;
                long p = b + off;
                expect(IllegalArgumentException.class, p, null, "free of interior " + hex(b) + " + " + off, () -> Hakmem.free(p));
                expect(IllegalArgumentException.class, p, null, "usableSize of interior " + hex(b) + " + " + off, () -> Hakmem.usableSize(p));
                expect(IllegalArgumentException.class, p, null, "realloc of interior " + hex(b) + " + " + off, () -> Hakmem.realloc(p, 5));
            }
            expect(IllegalArgumentException.class, b, null, "realloc(" + hex(b) + ", -1)", () -> Hakmem.realloc(b, -1));
            Hakmem.free(b);
        }
        // a block freed by another thread, then again locally and remotely
        long r = Hakmem.malloc(48);
        Thread t = new Thread(() -> Hakmem.free(r));
        t.start();
        t.join();
        expect(IllegalStateException.class, r, null, "local free of remotely freed block", () -> Hakmem.free(r));
        Throwable[] remote = new Throwable[1];
        Thread t2 = new Thread(() -> remote[0] = thrown(() -> Hakmem.free(r)));
        t2.start();
        t2.join();
        check(remote[0] != null && remote[0].getClass() == IllegalStateException.class, "second remote free: " + remote[0]);
        // foreign addresses and bad arguments
        MemorySegment foreign = java.lang.foreign.Arena.global().allocate(64);
        for (long p : new long[] {foreign.address() + 8, 8, 0x3990080L, -16}) {
            expect(IllegalArgumentException.class, p, null, "free of foreign " + hex(p), () -> Hakmem.free(p));
            expect(IllegalArgumentException.class, p, null, "usableSize of foreign " + hex(p), () -> Hakmem.usableSize(p));
        }
        expect(IllegalArgumentException.class, null, null, "malloc(-1)", () -> Hakmem.malloc(-1));
        expect(IllegalArgumentException.class, null, null, "realloc(0, -1)", () -> Hakmem.realloc(0, -1));
        expect(IllegalArgumentException.class, null, null, "calloc(-1, 1)", () -> Hakmem.calloc(-1, 1));
        expect(IllegalArgumentException.class, null, null, "calloc overflow", () -> Hakmem.calloc(1L << 33, 1L << 33));
        expect(IllegalArgumentException.class, null, null, "alignedAlloc(24, 8)", () -> Hakmem.alignedAlloc(24, 8));
        expect(IllegalArgumentException.class, null, null, "alignedAlloc(0, 8)", () -> Hakmem.alignedAlloc(0, 8));
        expect(IllegalArgumentException.class, null, null, "alignedAlloc(64, -1)", () -> Hakmem.alignedAlloc(64, -1));
        expect(OutOfMemoryError.class, null, null, "malloc(Long.MAX_VALUE)", () -> Hakmem.malloc(Long.MAX_VALUE));
        expect(OutOfMemoryError.class, null, null, "malloc(2^46 + 1)", () -> Hakmem.malloc((1L << 46) + 1));
        expect(IllegalArgumentException.class, null, null, "free(heap segment)", () -> Hakmem.free(MemorySegment.ofArray(new byte[8])));
        Hakmem.free(0L);
        // no block is handed out twice after all that
        stillWorks("misuse");
        check(Hakmem.liveBlocks().isEmpty(), "live blocks left after misuse: " + Hakmem.liveBlocks());
    }

    static void enabled() {
        long a = Hakmem.malloc(100);
        allBytes(a, 100, NEW, "malloc(100) with HAKMEM_DEBUG=1");
        check(Hakmem.liveBlocks().size() == 1, "liveBlocks with HAKMEM_DEBUG=1: " + Hakmem.liveBlocks());
        var s = seg(a, 101);
        s.set(ValueLayout.JAVA_BYTE, 100, (byte) ~s.get(ValueLayout.JAVA_BYTE, 100));
        expect(IllegalStateException.class, a, "overflow", "overflow with HAKMEM_DEBUG=1", () -> Hakmem.free(a));
    }

    static void readOnce() {
        long a = Hakmem.malloc(100);
        System.setProperty("hakmem.debug", "true");
        long b = Hakmem.malloc(100);
        check(Hakmem.liveBlocks().isEmpty(), "debug mode switched on after start-up: " + Hakmem.liveBlocks());
        // a write just past the requested size is no error in normal mode (it is inside the usable size)
        seg(b, Hakmem.usableSize(b)).set(ValueLayout.JAVA_BYTE, 100, (byte) 1);
        Hakmem.free(b);
        Hakmem.free(a);
    }

    static long leakHere(long n) {
        return Hakmem.malloc(n);
    }

    static void leakAtExit() {
        long a = leakHere(10), b = leakHere(5000), c = leakHere(3 * MiB), d = leakHere(77);
        Hakmem.free(d);
        for (long x : new long[] {a, b, c}) System.out.println("LIVE=" + x);
        System.out.println("FREED=" + d);
    }
}
