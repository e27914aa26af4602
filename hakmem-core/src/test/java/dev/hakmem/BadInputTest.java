package dev.hakmem;

import dev.hakmem.testing.ChildJvm;
import dev.hakmem.testing.OtherThread;
import static dev.hakmem.testing.BlockPattern.fill;
import static dev.hakmem.testing.BlockPattern.hex;
import static dev.hakmem.testing.BlockPattern.off;
import static dev.hakmem.testing.BlockPattern.seg;
import static dev.hakmem.testing.BlockPattern.verify;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad inputs give the exact documented exception, name the offending address in hex, change
 * nothing, and leave the allocator working: a set of live "sentinel" blocks filled with a pattern
 * is checked after every bad call, and new blocks are allocated and checked after every test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("restricted") // raw native addresses are what this test is about
class BadInputTest {

    static final long KiB = 1024, MiB = 1024 * KiB;

    static final Linker LINKER = Linker.nativeLinker();
    static final MethodHandle GLIBC_MALLOC = LINKER.downcallHandle(
            LINKER.defaultLookup().find("malloc").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
    static final MethodHandle GLIBC_FREE = LINKER.downcallHandle(
            LINKER.defaultLookup().find("free").orElseThrow(), FunctionDescriptor.ofVoid(JAVA_LONG));

    static final long[] SENTINEL_SIZES = {0, 1, 8, 16, 24, 48, 100, 256, 1000, 1024, 2000, 4096, 8192, 20_000,
            40_000, 65_536, 100_000, 300_000, 1 * MiB, 3 * MiB};

    long[] sentinels;
    long[] sentinelSizes;

    @BeforeEach
    void allocateSentinels() {
        int copies = 3;
        sentinels = new long[SENTINEL_SIZES.length * copies];
        sentinelSizes = new long[sentinels.length];
        for (int i = 0; i < sentinels.length; i++) {
            sentinelSizes[i] = SENTINEL_SIZES[i % SENTINEL_SIZES.length];
            sentinels[i] = Hakmem.malloc(sentinelSizes[i]);
            fill(sentinels[i], sentinelSizes[i], off(i + 1000));
        }
    }

    void checkSentinels(String when) {
        for (int i = 0; i < sentinels.length; i++) {
            verify(sentinels[i], sentinelSizes[i], off(i + 1000), "sentinel after " + when);
        }
    }

    @AfterEach
    void allocatorStillWorks() {
        checkSentinels("the test");
        // New allocations of every tier work and are distinct from the sentinels.
        Set<Long> live = new HashSet<>();
        for (long s : sentinels) live.add(s);
        long[] fresh = new long[200];
        long[] size = new long[fresh.length];
        for (int i = 0; i < fresh.length; i++) {
            size[i] = SENTINEL_SIZES[i % SENTINEL_SIZES.length];
            fresh[i] = Hakmem.malloc(size[i]);
            assertTrue(live.add(fresh[i]), "address " + hex(fresh[i]) + " handed out while live");
            fill(fresh[i], size[i], off(i));
        }
        for (int i = 0; i < fresh.length; i++) verify(fresh[i], size[i], off(i), "fresh block after the test");
        checkSentinels("fresh allocations");
        for (long f : fresh) Hakmem.free(f);
        for (long s : sentinels) Hakmem.free(s);
    }

    /**
     * Runs {@code call}, asserting it throws exactly {@code type}, that the message names
     * {@code address} in hex (unless {@code address} is null), that liveBytes did not change, that
     * a block refused as already free was found where free blocks are (not "in neither", see
     * Whereabouts) and that the sentinels are intact.
     */
    <T extends Throwable> T expect(Class<T> type, Long address, String what, Executable call) {
        long liveBefore = Hakmem.stats().liveBytes();
        T e = assertThrows(type, call, what + " should throw " + type.getSimpleName());
        assertEquals(type, e.getClass(), what + " threw a subclass: " + e);
        if (address != null) {
            assertNotNull(e.getMessage(), what + ": exception without a message");
            assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(hex(address)),
                    what + ": message \"" + e.getMessage() + "\" does not name " + hex(address));
        }
        assertEquals(liveBefore, Hakmem.stats().liveBytes(), what + " changed liveBytes");
        // a block refused as free is where free blocks are; once more if the decay thread was
        // moving it (a dead thread's cache flushed into its spans) right then: a refusal changes nothing
        if (String.valueOf(e.getMessage()).contains("allocator fault")) {
            T again = assertThrows(type, call, what + " should throw again");
            assertFalse(String.valueOf(again.getMessage()).contains("allocator fault"), what + ": " + again.getMessage());
        }
        checkSentinels(what);
        return e;
    }

    void expectIAE(long address, String what, Executable call) {
        expect(IllegalArgumentException.class, address, what, call);
    }

    void expectISE(long address, String what, Executable call) {
        expect(IllegalStateException.class, address, what, call);
    }

    /** free, usableSize and realloc of {@code address} all throw {@code type} naming the address. */
    void expectAllBad(Class<? extends Throwable> type, long address, String what) {
        expect(type, address, "free(" + what + ")", () -> Hakmem.free(address));
        expect(type, address, "usableSize(" + what + ")", () -> Hakmem.usableSize(address));
        expect(type, address, "realloc(" + what + ", 10)", () -> Hakmem.realloc(address, 10));
        expect(type, address, "realloc(" + what + ", 100000)", () -> Hakmem.realloc(address, 100_000));
        expect(type, address, "free(" + what + ") again", () -> Hakmem.free(address));
    }

    // ------------------------------------------------------------------ double free

    static final long[] VICTIM_SIZES = {0, 1, 8, 16, 24, 100, 1000, 1024, 1025, 4096, 20_000, 65_536, 100_000,
            1 * MiB, 3 * MiB, 8 * MiB};

    @Test
    void doubleFreeOfJustFreedBlock() {
        for (long size : VICTIM_SIZES) {
            long a = Hakmem.malloc(size);
            fill(a, size, 1);
            Hakmem.free(a);
            expectAllBad(IllegalStateException.class, a, "freed malloc(" + size + ") block " + hex(a));
        }
    }

    /**
     * The huge cache hands the same mapping out again and again at one address; after more frees
     * than the tier remembers, a double free of that address must still be recognised as one
     * (an old free of the address leaving the window must not forget the newest).
     */
    @Test
    void doubleFreeOfHugeBlockFreedManyTimesAtOneAddress() {
        Hakmem.trim();  // an empty huge cache: each free caches the one mapping the next malloc takes
        long first = Hakmem.malloc(3 * MiB);
        Hakmem.free(first);
        long a = 0;
        int same = 0;
        for (int i = 0; i < 5000; i++) {
            a = Hakmem.malloc(3 * MiB);
            same += a == first ? 1 : 0;
            Hakmem.free(a);
        }
        assertTrue(same > 4096, "the huge cache gave back the same address only " + same + " times");
        expectAllBad(IllegalStateException.class, a, "huge block freed 5001 times at " + hex(a));
    }

    @Test
    void doubleFreeOfCallocAlignedAndReallocBlocks() {
        long c = Hakmem.calloc(10, 10);
        Hakmem.free(c);
        expectAllBad(IllegalStateException.class, c, "freed calloc block");
        for (long align : new long[] {64, 4096, 65_536, 2 * MiB}) {
            long a = Hakmem.alignedAlloc(align, 100);
            Hakmem.free(a);
            expectAllBad(IllegalStateException.class, a, "freed alignedAlloc(" + align + ") block");
        }
        long r = Hakmem.realloc(0, 300);
        Hakmem.free(r);
        expectAllBad(IllegalStateException.class, r, "freed realloc(0, 300) block");
    }

    @Test
    void oldAddressIsFreedAfterMovingRealloc() {
        long[][] moves = {{24, 100_000}, {100_000, 24}, {100, 5 * MiB}, {5 * MiB, 100}, {16, 4096}};
        for (long[] m : moves) {
            long a = Hakmem.malloc(m[0]);
            fill(a, m[0], 3);
            long b = Hakmem.realloc(a, m[1]);
            verify(b, Math.min(m[0], m[1]), 3, "realloc " + m[0] + " -> " + m[1]);
            if (b != a) {
                expectISE(a, "free of the old address after realloc " + m[0] + " -> " + m[1], () -> Hakmem.free(a));
            }
            Hakmem.free(b);
        }
    }

    @Test
    void doubleFreeAfterManyOtherAllocations() {
        // Victims in sizes the interim traffic below does not use.
        long[] victimSizes = {16, 24, 48 * KiB, 1 * MiB, 6 * MiB};
        // Each victim sits between two live neighbours of its size ("anchors"), so that its slab
        // never becomes empty and cannot be handed to another size class (which would legitimately
        // turn the victim's address into a not-yet-handed-out or interior address of that class).
        List<Long> victims = new ArrayList<>();
        List<Long> anchors = new ArrayList<>();
        for (long s : victimSizes) {
            for (int k = 0; k < 8; k++) {
                anchors.add(Hakmem.malloc(s));
                long v = Hakmem.malloc(s);
                fill(v, s, 5);
                victims.add(v);
                anchors.add(Hakmem.malloc(s));
            }
        }
        for (long v : victims) Hakmem.free(v);

        Random r = new Random(2024);
        List<Long> live = new ArrayList<>();
        // Every interim block ever handed out, as [start, start + usable): a victim's memory may be
        // reused by another size class at other offsets, and then the victim's address is
        // (or was) an interior address, no longer a freed block.
        List<long[]> interim = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            int k = r.nextInt(10);
            if (k < 5 || live.isEmpty()) {
                long size = r.nextBoolean() ? 100 + r.nextInt(800) : 2000 + r.nextInt(2000);
                long a = Hakmem.malloc(size);
                ALL_SET(a, size);
                live.add(a);
                interim.add(new long[] {a, a + Hakmem.usableSize(a)});
            } else if (k < 9) {
                Hakmem.free(live.remove(r.nextInt(live.size())));
            } else {
                // Same size as a victim, given back at once: the freed state must survive reuse.
                long a = Hakmem.malloc(victimSizes[r.nextInt(2)]);
                interim.add(new long[] {a, a + Hakmem.usableSize(a)});
                Hakmem.free(a);
            }
        }
        // A victim whose memory was reused at other offsets is no longer a freed block: skip it.
        List<Long> stillFreed = new ArrayList<>();
        for (int i = 0; i < victims.size(); i++) {
            long v = victims.get(i), vEnd = v + Math.max(1, victimSizes[i / 8]);
            boolean reused = false;
            for (long[] b : interim) {
                if (b[0] != v && b[0] < vEnd && v < b[1]) {
                    reused = true;
                    break;
                }
            }
            if (!reused) stillFreed.add(v);
        }
        Set<Long> liveSet = new HashSet<>(live);
        int checked = 0;
        for (long v : stillFreed) {
            if (liveSet.contains(v)) continue; // legitimately reused
            checked++;
            expectISE(v, "late double free of " + hex(v), () -> Hakmem.free(v));
            expectISE(v, "usableSize of late-freed " + hex(v), () -> Hakmem.usableSize(v));
        }
        System.out.println("doubleFreeAfterManyOtherAllocations: " + checked + " of " + victims.size()
                + " victims checked while the interim blocks were live, " + stillFreed.size() + " after");
        assertTrue(checked >= victims.size() / 4, "too few victims left to check: " + checked);
        for (long a : live) Hakmem.free(a);
        for (long v : stillFreed) {
            expectISE(v, "double free of " + hex(v) + " after the interim blocks were freed", () -> Hakmem.free(v));
        }
        for (long a : anchors) Hakmem.free(a);
    }

    private static void ALL_SET(long a, long size) {
        MemorySegment s = seg(a, size);
        s.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        s.set(ValueLayout.JAVA_BYTE, size - 1, (byte) 2);
    }

    // ------------------------------------------------------------------ interior pointers

    @Test
    void interiorPointersAreRejected() {
        long[] sizes = {8, 16, 24, 64, 100, 1000, 4096, 20_000, 65_536, 200_000, 1 * MiB, 5 * MiB};
        for (long size : sizes) {
            long a = Hakmem.malloc(size);
            long u = Hakmem.usableSize(a);
            fill(a, size, 11);
            List<Long> offsets = new ArrayList<>(List.of(1L, 4L, 7L));
            if (u > 8) offsets.add(8L);
            if (u > 16) offsets.add(16L);
            if (u > 4096) offsets.add(4096L);
            if (u > 64) offsets.add((u / 2) & ~15L);
            offsets.add(u - 1);
            for (long o : offsets) {
                if (o <= 0 || o >= u) continue;
                long p = a + o;
                expectAllBad(IllegalArgumentException.class, p,
                        "interior " + hex(a) + "+" + o + " of a " + size + "-byte block");
            }
            verify(a, size, 11, "block after its interior pointers were rejected");
            assertTrue(Hakmem.usableSize(a) == u);
            Hakmem.free(a);
        }
    }

    /**
     * An address that once started a block which was freed, and now lies inside a newer live
     * block (the OS or the allocator reused the range), is an interior address: IllegalArgumentException,
     * not a double free, and the live block is left alone.
     */
    @Test
    void formerBlockStartInsideNewLiveBlockIsInterior() {
        // Free blocks of some sizes, trim so that empty slabs and cached mappings go back, then
        // allocate other sizes: their blocks then often cover former block starts at other offsets.
        long[] before = {48, 1000, 5000, 40_000, 65_536, 100_000, 200_000, 1 * MiB, 3 * MiB, 5 * MiB};
        long[] after = {80, 1500, 7000, 50_000, 90_000, 150_000, 300_000, 3 * MiB / 2, 4 * MiB, 8 * MiB};
        java.util.TreeSet<Long> freed = new java.util.TreeSet<>();
        List<Long> toFree = new ArrayList<>();
        for (long s : before) {
            int copies = s <= 5000 ? 400 : s <= 200_000 ? 20 : 3;
            for (int k = 0; k < copies; k++) toFree.add(Hakmem.malloc(s));
        }
        for (long a : toFree) {
            freed.add(a);
            Hakmem.free(a);
        }
        Hakmem.trim();
        int hits = 0;
        List<long[]> kept = new ArrayList<>();
        for (long s : after) {
            int copies = s <= 7000 ? 400 : s <= 300_000 ? 20 : 3;
            for (int k = 0; k < copies; k++) {
                long b = Hakmem.malloc(s);
                long u = Hakmem.usableSize(b);
                fill(b, s, 23);
                kept.add(new long[] {b, s});
                Long f = freed.higher(b);
                if (f != null && f < b + u && hits < 40) {
                    hits++;
                    long x = f;
                    expectAllBad(IllegalArgumentException.class, x, "former block start " + hex(x)
                            + " now at offset " + (x - b) + " inside live malloc(" + s + ") block " + hex(b));
                }
            }
        }
        for (long[] b : kept) {
            verify(b[0], b[1], 23, "live block after interior addresses were rejected");
            Hakmem.free(b[0]);
        }
        System.out.println("formerBlockStartInsideNewLiveBlockIsInterior: " + hits + " overlaps exercised");
    }

    @Test
    void interiorPointersOfAlignedAndSegmentBlocks() {
        long a = Hakmem.alignedAlloc(4096, 10_000);
        expectAllBad(IllegalArgumentException.class, a + 16, "interior of an aligned block");
        expectAllBad(IllegalArgumentException.class, a + 4096, "interior of an aligned block");
        Hakmem.free(a);
        MemorySegment s = Hakmem.allocate(256);
        MemorySegment slice = s.asSlice(8);
        expect(IllegalArgumentException.class, slice.address(), "free(slice at +8 of a hakmem segment)",
                () -> Hakmem.free(slice));
        Hakmem.free(s);
    }

    // ------------------------------------------------------------------ foreign and garbage addresses

    @Test
    void glibcAddressesAreRejected() throws Throwable {
        long[] sizes = {16, 64, 1000, 100_000, 1 * MiB};
        for (long size : sizes) {
            long g = (long) GLIBC_MALLOC.invokeExact(size);
            assertNotEquals(0L, g);
            try {
                expectAllBad(IllegalArgumentException.class, g, "glibc malloc(" + size + ") address");
            } finally {
                GLIBC_FREE.invokeExact(g);
            }
        }
    }

    @Test
    void garbageAddressesAreRejected() {
        long[] garbage = {1, 2, 8, 16, 0x40, 0x1000, 0x10000, 0x12345678L, 0xdead_beef_0000L, 1L << 47, 1L << 46,
                0x7f00_0000_0000L, 0x7fff_ffff_f000L, 0x7fff_ffff_fff0L, -1, -8, -16, -4096, -(2 * MiB),
                Long.MIN_VALUE, Long.MIN_VALUE + 16, Long.MAX_VALUE, Long.MAX_VALUE & ~15L, 0xffff_8000_0000_0000L};
        for (long g : garbage) {
            expectAllBad(IllegalArgumentException.class, g, "garbage " + hex(g));
        }
    }

    @Test
    void addressesNearLiveBlocksThatWereNeverHandedOutAreRejected() {
        // No block is ever at an odd address or one that is 4 mod 8, so these were never handed out,
        // whether or not they fall inside memory the allocator manages.
        long[] sizes = {16, 100, 1000, 8192, 100_000, 3 * MiB};
        for (long size : sizes) {
            long a = Hakmem.malloc(size);
            long region = a & ~(2 * MiB - 1);
            long[] candidates = {region + 1, region + 4, region + 1 * MiB + 5, region + 2 * MiB - 3, a - 1, a - 4,
                    a + Hakmem.usableSize(a) + 1, a + 64 * KiB + 3};
            for (long c : candidates) {
                expectAllBad(IllegalArgumentException.class, c,
                        "never-handed-out " + hex(c) + " near a " + size + "-byte block");
            }
            Hakmem.free(a);
        }
    }

    // ------------------------------------------------------------------ bad sizes and alignments

    @Test
    void badSizesAreRejected() {
        expect(IllegalArgumentException.class, null, "malloc(-1)", () -> Hakmem.malloc(-1));
        expect(IllegalArgumentException.class, null, "malloc(Long.MIN_VALUE)", () -> Hakmem.malloc(Long.MIN_VALUE));
        expect(IllegalArgumentException.class, null, "calloc(Long.MAX_VALUE, 2)", () -> Hakmem.calloc(Long.MAX_VALUE, 2));
        expect(IllegalArgumentException.class, null, "calloc(2, Long.MAX_VALUE)", () -> Hakmem.calloc(2, Long.MAX_VALUE));
        expect(IllegalArgumentException.class, null, "calloc(2^32, 2^32)", () -> Hakmem.calloc(1L << 32, 1L << 32));
        expect(IllegalArgumentException.class, null, "calloc(3, 2^62)", () -> Hakmem.calloc(3, 1L << 62));
        expect(IllegalArgumentException.class, null, "calloc(-1, 1)", () -> Hakmem.calloc(-1, 1));
        expect(IllegalArgumentException.class, null, "calloc(1, -1)", () -> Hakmem.calloc(1, -1));
        expect(IllegalArgumentException.class, null, "calloc(-1, -1)", () -> Hakmem.calloc(-1, -1));
        expect(IllegalArgumentException.class, null, "calloc(-1, 0)", () -> Hakmem.calloc(-1, 0));
        expect(IllegalArgumentException.class, null, "calloc(0, -1)", () -> Hakmem.calloc(0, -1));
        expect(IllegalArgumentException.class, null, "calloc(Long.MIN_VALUE, -1)", () -> Hakmem.calloc(Long.MIN_VALUE, -1));
        expect(IllegalArgumentException.class, null, "realloc(0, -1)", () -> Hakmem.realloc(0, -1));
        expect(IllegalArgumentException.class, null, "allocate(-1)", () -> Hakmem.allocate(-1));
        expect(IllegalArgumentException.class, null, "alignedAlloc(16, -1)", () -> Hakmem.alignedAlloc(16, -1));

        // realloc of a live block to a negative size leaves the block alone.
        long a = Hakmem.malloc(500);
        fill(a, 500, 17);
        expect(IllegalArgumentException.class, null, "realloc(live, -1)", () -> Hakmem.realloc(a, -1));
        expect(IllegalArgumentException.class, null, "realloc(live, Long.MIN_VALUE)", () -> Hakmem.realloc(a, Long.MIN_VALUE));
        verify(a, 500, 17, "block after realloc(-1) was rejected");
        assertTrue(Hakmem.usableSize(a) >= 500);
        Hakmem.free(a);
    }

    @Test
    void badAlignmentsAreRejected() {
        long[] bad = {0, 3, 5, 6, 7, 12, 24, 48, 100, 4095, 4097, 3 * 4096, (1L << 20) + 1, -1, -2, -16, -4096,
                Long.MIN_VALUE, Long.MAX_VALUE};
        for (long align : bad) {
            for (long size : new long[] {0, 8, 100}) {
                expect(IllegalArgumentException.class, null, "alignedAlloc(" + align + ", " + size + ")",
                        () -> Hakmem.alignedAlloc(align, size));
            }
        }
    }

    /**
     * Requests that can never be satisfied (sizes near {@code Long.MAX_VALUE}, where rounding up
     * to a page or a 2 MiB boundary overflows) must throw {@link OutOfMemoryError} or
     * {@link IllegalArgumentException}: not return a block smaller than asked for, not crash. A
     * failed {@code realloc} leaves the old block live and intact. Each case runs in a child JVM
     * (see {@link AbsurdSizeChild}) so that a crash fails this one case instead of killing the
     * test JVM.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"malloc(MAX)", "malloc(MAX-1)", "malloc(MAX-4095)", "malloc(MAX-2MiB+2)", "malloc(2^62+1)",
            "malloc(2^50)", "calloc(1,MAX)", "calloc(MAX,1)", "alignedAlloc(16,MAX)", "alignedAlloc(4096,MAX-4000)",
            "alignedAlloc(2MiB,MAX-1MiB)", "alignedAlloc(2^62,8)", "realloc(malloc(100),MAX)",
            "realloc(malloc(100000),MAX)", "realloc(malloc(5MiB),MAX-4095)", "allocate(MAX)"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void absurdSizesFailCleanly(String call) throws Exception {
        ChildJvm.Result c = runChild(AbsurdSizeChild.class, call);
        if (c.exit() != 0) {
            fail(call + ": " + switch (c.exit()) {
                case 3 -> "returned a block instead of throwing";
                case 4 -> "threw the wrong exception or broke the allocator";
                default -> "child JVM died with exit code " + c.exit() + " (crash?)";
            } + "; child output:\n" + c.output());
        }
    }

    /**
     * Runs {@code main} in a child JVM, so that a crash (SIGSEGV from an access to unmapped
     * memory) fails one test instead of killing the test JVM. Exit code -1: it hung and was killed.
     */
    static ChildJvm.Result runChild(Class<?> main, String... args) throws Exception {
        return child(main).args(args).run();
    }

    /** The child JVM of {@link #runChild}, to add options to before it runs. */
    static ChildJvm child(Class<?> main) {
        return ChildJvm.of(main).jvmArgs("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1").timeout(Duration.ofSeconds(50));
    }

    /** Child JVM for {@link #absurdSizesFailCleanly}: exit 0 = correct, 3 = returned, 4 = wrong exception, else crash. */
    public static final class AbsurdSizeChild {
        public static void main(String[] args) {
            String call = args[0];
            long max = Long.MAX_VALUE;
            long old = 0, oldSize = 0;
            if (call.startsWith("realloc(malloc(100),")) oldSize = 100;
            if (call.startsWith("realloc(malloc(100000),")) oldSize = 100_000;
            if (call.startsWith("realloc(malloc(5MiB),")) oldSize = 5 * MiB;
            if (oldSize > 0) {
                old = Hakmem.malloc(oldSize);
                fill(old, oldSize, 99);
            }
            long oldBlock = old;
            long[] blocks = new long[50];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = Hakmem.malloc(SENTINEL_SIZES[i % SENTINEL_SIZES.length]);
                fill(blocks[i], SENTINEL_SIZES[i % SENTINEL_SIZES.length], off(i));
            }
            try {
                Object r = switch (call) {
                    case "malloc(MAX)" -> Hakmem.malloc(max);
                    case "malloc(MAX-1)" -> Hakmem.malloc(max - 1);
                    case "malloc(MAX-4095)" -> Hakmem.malloc(max - 4095);
                    case "malloc(MAX-2MiB+2)" -> Hakmem.malloc(max - 2 * MiB + 2);
                    case "malloc(2^62+1)" -> Hakmem.malloc((1L << 62) + 1);
                    case "malloc(2^50)" -> Hakmem.malloc(1L << 50);
                    case "calloc(1,MAX)" -> Hakmem.calloc(1, max);
                    case "calloc(MAX,1)" -> Hakmem.calloc(max, 1);
                    case "alignedAlloc(16,MAX)" -> Hakmem.alignedAlloc(16, max);
                    case "alignedAlloc(4096,MAX-4000)" -> Hakmem.alignedAlloc(4096, max - 4000);
                    case "alignedAlloc(2MiB,MAX-1MiB)" -> Hakmem.alignedAlloc(2 * MiB, max - MiB);
                    case "alignedAlloc(2^62,8)" -> Hakmem.alignedAlloc(1L << 62, 8);
                    case "realloc(malloc(100),MAX)", "realloc(malloc(100000),MAX)" -> Hakmem.realloc(oldBlock, max);
                    case "realloc(malloc(5MiB),MAX-4095)" -> Hakmem.realloc(oldBlock, max - 4095);
                    case "allocate(MAX)" -> Hakmem.allocate(max);
                    default -> throw new Error("unknown case " + call);
                };
                String got = r instanceof Long a
                        ? "0x" + Long.toHexString(a) + " with usableSize " + Hakmem.usableSize(a)
                        : String.valueOf(r);
                System.out.println(call + " returned " + got);
                System.exit(3);
            } catch (OutOfMemoryError | IllegalArgumentException e) {
                System.out.println(call + " threw " + e);
            } catch (Throwable e) {
                System.out.println(call + " threw the wrong exception: " + e);
                e.printStackTrace(System.out);
                System.exit(4);
            }
            try {
                if (oldSize > 0) {
                    verify(old, oldSize, 99, "the old block after the failed " + call);
                    if (Hakmem.usableSize(old) < oldSize) throw new AssertionError("old block shrank");
                    Hakmem.free(old);
                }
                for (int i = 0; i < blocks.length; i++) {
                    verify(blocks[i], SENTINEL_SIZES[i % SENTINEL_SIZES.length], off(i), "live block after " + call);
                    Hakmem.free(blocks[i]);
                }
                long a = Hakmem.malloc(1000);
                fill(a, 1000, 5);
                verify(a, 1000, 5, "new block after " + call);
                Hakmem.free(a);
            } catch (Throwable e) {
                System.out.println("allocator broken after " + call + ": " + e);
                e.printStackTrace(System.out);
                System.exit(4);
            }
            System.exit(0);
        }
    }

    // ------------------------------------------------------------------ MemorySegment free

    @Test
    void foreignSegmentsAreRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(64, 16);
            expect(IllegalArgumentException.class, s.address(), "free(Arena segment)", () -> Hakmem.free(s));
            s.set(ValueLayout.JAVA_LONG, 0, 42); // the arena segment is still fine
            assertEquals(42, s.get(ValueLayout.JAVA_LONG, 0));
            MemorySegment big = arena.allocate(3 * MiB, 4096);
            expect(IllegalArgumentException.class, big.address(), "free(big Arena segment)", () -> Hakmem.free(big));
        }
        MemorySegment heap = MemorySegment.ofArray(new byte[64]);
        expect(IllegalArgumentException.class, null, "free(heap segment)", () -> Hakmem.free(heap));
    }

    @Test
    void doubleFreeOfSegment() {
        MemorySegment s = Hakmem.allocate(100);
        Hakmem.free(s);
        expect(IllegalStateException.class, s.address(), "second free(segment)", () -> Hakmem.free(s));
        expectISE(s.address(), "free(address) of a freed segment", () -> Hakmem.free(s.address()));
        MemorySegment big = Hakmem.allocate(4 * MiB);
        Hakmem.free(big.address());
        expect(IllegalStateException.class, big.address(), "free(segment) after free(address)", () -> Hakmem.free(big));
    }

    // ------------------------------------------------------------------ cross-thread

    static void runIn(String name, Runnable r) throws InterruptedException {
        Throwable err = OtherThread.run(name, 30_000, r);
        if (err != null) {
            throw new AssertionError(name + " failed: " + err, err);
        }
    }

    @Test
    void crossThreadDoubleFree() throws Exception {
        for (long size : new long[] {24, 1000, 20_000, 200_000, 3 * MiB}) {
            // allocated here, freed by thread 1, freed again by thread 2
            long a = Hakmem.malloc(size);
            runIn("free-1", () -> Hakmem.free(a));
            runIn("free-2", () -> {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> Hakmem.free(a));
                assertEquals(IllegalStateException.class, e.getClass());
                assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(hex(a)), e.getMessage());
            });
            expectISE(a, "third free, back on the allocating thread", () -> Hakmem.free(a));

            // allocated and freed by another thread, freed again here
            long[] b = new long[1];
            runIn("alloc-free", () -> {
                b[0] = Hakmem.malloc(size);
                Hakmem.free(b[0]);
            });
            expectISE(b[0], "double free of a block allocated and freed by another (dead) thread",
                    () -> Hakmem.free(b[0]));

            // allocated by another thread, freed here, double freed here
            runIn("alloc", () -> b[0] = Hakmem.malloc(size));
            Hakmem.free(b[0]);
            expectISE(b[0], "double free of a remotely freed block", () -> Hakmem.free(b[0]));
        }
    }

    /**
     * A block another thread's free queued for its owner, which does not collect meanwhile (it
     * spins, running, so nothing borrows its heap either): freeing it again, from that thread or
     * from the owner, says it found the free queued, not merely that the block is free.
     */
    @Test
    void aFreeOfABlockQueuedAsARemoteFreeSaysSo() throws Exception {
        String queued = "is already free (double free?): a free of it by another thread is queued for its owner";
        for (long size : new long[] {24, 1000, 20_000}) {
            long[] a = new long[1];
            AtomicInteger step = new AtomicInteger();
            AtomicReference<String> ownFree = new AtomicReference<>();
            Thread owner = new Thread(() -> {
                a[0] = Hakmem.malloc(size);
                step.set(1);
                while (step.get() != 2) {
                    Thread.onSpinWait(); // running: no slow path, no collect, never borrowed
                }
                try {
                    Hakmem.free(a[0]);
                    ownFree.set("succeeded");
                } catch (IllegalStateException e) {
                    ownFree.set(e.getMessage());
                }
            }, "owner");
            owner.start();
            while (step.get() != 1) {
                Thread.onSpinWait();
            }
            Hakmem.free(a[0]); // queued for the owner
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Hakmem.free(a[0]));
            step.set(2);
            owner.join();
            String m = e.getMessage();
            assertTrue(m.toLowerCase(Locale.ROOT).contains(hex(a[0])) && m.endsWith(queued), m);
            String own = ownFree.get();
            assertTrue(own.toLowerCase(Locale.ROOT).contains(hex(a[0])) && own.endsWith(queued), own);
        }
    }

    /**
     * A double free names where it found the block: in the free-block cache of the thread that
     * freed it (right after the free), or among its span's free blocks (after {@code trim()} emptied
     * that cache; another block of the span stays live so that the span is kept). A block lent out
     * of a larger class's span (lending) is named as such.
     */
    @Test
    void aDoubleFreeSaysWhereTheFreeBlockIs() {
        String me = Thread.currentThread().getName();
        for (long size : new long[] {24, 1000, 20_000}) {
            long a = Hakmem.malloc(size);
            Hakmem.free(a);
            IllegalStateException cached = assertThrows(IllegalStateException.class, () -> Hakmem.free(a));
            assertTrue(cached.getMessage().endsWith("is already free (double free?): it is in the free-block cache of thread \""
                    + me + "\""), cached.getMessage());

            long[] b = new long[8];
            for (int i = 0; i < b.length; i++) {
                b[i] = Hakmem.malloc(size);
            }
            int victim = -1;
            for (int i = 1; i < b.length && victim < 0; i++) {
                if (b[i] >>> 16 == b[i - 1] >>> 16) {
                    victim = i; // b[i - 1] stays live in the same 64 KiB slab, so the span is kept
                }
            }
            assertTrue(victim > 0, "no two of eight " + size + "-byte blocks in one slab");
            long v = b[victim];
            Hakmem.free(v);
            Hakmem.trim(); // empties this thread's cache into the spans
            IllegalStateException inSpan = assertThrows(IllegalStateException.class, () -> Hakmem.free(v));
            String m = inSpan.getMessage();
            // with lending, the block may have been lent out of a larger class's span: back in its
            // lease now, which the message names as lent memory holding no live block
            assertTrue(m.toLowerCase(Locale.ROOT).contains(hex(v))
                    && (m.endsWith("is already free (double free?): it is among its span's free blocks")
                        || m.contains("): address lies in lent memory that holds no live block (a block freed already")), m);
            for (int i = 0; i < b.length; i++) {
                if (i != victim) {
                    Hakmem.free(b[i]);
                }
            }
        }
    }

    /** Two threads free the same block at the same moment: exactly one succeeds, the other gets IllegalStateException. */
    @Test
    void racingDoubleFree() throws Exception {
        int rounds = 2000;
        long[] sizes = {16, 64, 512, 4000, 50_000, 3 * MiB};
        long[] blocks = new long[rounds];
        for (int i = 0; i < rounds; i++) blocks[i] = Hakmem.malloc(sizes[i % sizes.length]);
        CyclicBarrier barrier = new CyclicBarrier(2);
        AtomicInteger ok = new AtomicInteger(), ise = new AtomicInteger();
        AtomicReference<Throwable> other = new AtomicReference<>();
        Runnable racer = () -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    barrier.await(10, TimeUnit.SECONDS);
                    try {
                        Hakmem.free(blocks[i]);
                        ok.incrementAndGet();
                    } catch (IllegalStateException e) {
                        if (e.getClass() != IllegalStateException.class
                                || !e.getMessage().toLowerCase(Locale.ROOT).contains(hex(blocks[i]))) {
                            other.compareAndSet(null, e);
                        }
                        ise.incrementAndGet();
                    }
                }
            } catch (Throwable e) {
                other.compareAndSet(null, e);
            }
        };
        Thread t1 = new Thread(racer, "racer-1"), t2 = new Thread(racer, "racer-2");
        t1.start();
        t2.start();
        t1.join(50_000);
        t2.join(50_000);
        if (other.get() != null) throw new AssertionError("racer failed: " + other.get(), other.get());
        assertEquals(rounds, ok.get(), "successful frees (both racers freed the same block?)");
        assertEquals(rounds, ise.get(), "IllegalStateExceptions");
        // No block may now be handed out twice.
        Set<Long> seen = new HashSet<>();
        long[] a = new long[rounds * 2];
        for (int i = 0; i < a.length; i++) {
            a[i] = Hakmem.malloc(sizes[i % sizes.length]);
            assertTrue(seen.add(a[i]), "address " + hex(a[i]) + " handed out twice after racing double frees");
        }
        for (long x : a) Hakmem.free(x);
    }

    // ------------------------------------------------------------------ racing realloc and free

    /**
     * One thread reallocs a block while another frees it. Whatever the interleaving, at most one
     * of them owns the block: either realloc moves it and the free gets IllegalStateException,
     * or the free wins and realloc gets IllegalStateException (or realloc returned the same
     * address and the free then freed the result), or, rarely, both are refused as the double
     * free they are, the block freed once (see {@code bothRefused}). Never both succeeding, never
     * a crash (the copy must not
     * read a mapping the other thread already returned to the OS). Runs in a child JVM, with the
     * default decay time or with 1 ms: then the decay thread empties the owner's heap (blocked on
     * the barrier) between the two, releases the span the first free emptied and gives its
     * SuperSlab back to the OS, so the second free meets a released span's shadow, which must still
     * report it (a release that erased its stale mark unlogged let both succeed), or no span at all
     * (an {@link IllegalStateException} too: the memory was hakmem's).
     */
    @ParameterizedTest(name = "realloc {0} -> {1} bytes racing {2}, decay {3} ms")
    @org.junit.jupiter.params.provider.CsvSource({"100, 100000, free, 1000", "5000, 300, free, 1000",
            "100000, 8388608, free, 1000", "3145728, 100, free, 1000", "1048576, 67108864, free, 1000",
            "100, 100000, realloc, 1000", "3145728, 100, realloc, 1000", "100000, 8388608, realloc, 1000",
            "100, 100000, realloc, 1", "100, 100000, free, 1", "1048576, 67108864, free, 1"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void racingReallocAndFree(long from, long to, String other, int decayMs) throws Exception {
        ChildJvm.Result c = child(RacingReallocFreeChild.class).jvmArgs("-Dhakmem.decayMs=" + decayMs)
                .args(Long.toString(from), Long.toString(to), other).run();
        if (c.exit() != 0) {
            fail("realloc(" + from + " -> " + to + ") racing " + other + ": " + (c.exit() == 5 ? "wrong outcome"
                    : c.exit() == -1 ? "child hung" : "child JVM died with exit code " + c.exit() + " (crash?)")
                    + "; child output:\n" + c.output());
        }
        System.out.println("racingReallocAndFree(" + from + ", " + to + ", " + other + ", decay " + decayMs + " ms): "
                + c.output().strip());
    }

    /** Child JVM for {@link #racingReallocAndFree}: exit 0 = correct, 5 = wrong outcome, else crash. */
    public static final class RacingReallocFreeChild {
        /** The counters of every class in use, for the report of a wrong outcome. */
        static String classCounters() {
            StringBuilder b = new StringBuilder();
            for (Stats.SizeClass c : Hakmem.stats().sizeClasses()) {
                if (c.allocations() > 0 || c.frees() > 0) {
                    b.append("\n  ").append(c);
                }
            }
            return b.toString();
        }

        /**
         * Both operations refused with {@link IllegalStateException} and the block free: a double
         * free both of whose frees are reported. The remote-free protocol allows it (StaleMarks:
         * a free whose mark a collect took is reported when, in its window, the other free's stale
         * mark on the freed block was dropped and logged, by a collect or the release of the span
         * the collect emptied); the block went back once. A block still live is a lost free.
         */
        static boolean bothRefused(Object r, Object f, long block, String what) {
            if (r == null || f == null || r.getClass() != IllegalStateException.class
                    || f.getClass() != IllegalStateException.class) {
                return false;
            }
            try {
                Hakmem.usableSize(block);
            } catch (IllegalStateException | IllegalArgumentException freed) {
                return true;
            }
            System.out.println("both refused and the block still live (a lost free): " + what);
            System.exit(5);
            return false;
        }

        public static void main(String[] args) throws Exception {
            long from = Long.parseLong(args[0]), to = Long.parseLong(args[1]);
            boolean otherReallocs = args.length > 2 && args[2].equals("realloc");
            int rounds = from >= MiB || to >= 8 * MiB ? 300 : 3000;
            long[] block = new long[1];
            Object[] reallocResult = new Object[1], freeResult = new Object[1];
            CyclicBarrier start = new CyclicBarrier(2), done = new CyclicBarrier(3);
            Thread reallocer = new Thread(() -> {
                try {
                    while (true) {
                        start.await();
                        if (block[0] == 0) return;
                        try {
                            reallocResult[0] = Hakmem.realloc(block[0], to);
                        } catch (Throwable e) {
                            reallocResult[0] = e;
                        }
                        done.await();
                    }
                } catch (Exception e) {
                    e.printStackTrace(System.out);
                    System.exit(6);
                }
            });
            reallocer.start();
            int reallocWon = 0, freeWon = 0, sameAddress = 0, refusedBoth = 0;
            for (int i = 0; i <= rounds; i++) {
                if (i == rounds) {
                    block[0] = 0;
                    start.await();
                    break;
                }
                block[0] = Hakmem.malloc(from);
                MemorySegment.ofAddress(block[0]).reinterpret(from).fill((byte) 7);
                Thread freer = new Thread(() -> {
                    try {
                        start.await();
                        try {
                            if (otherReallocs) {
                                freeResult[0] = Hakmem.realloc(block[0], to);
                            } else {
                                Hakmem.free(block[0]);
                                freeResult[0] = "ok";
                            }
                        } catch (Throwable e) {
                            freeResult[0] = e;
                        }
                        done.await();
                    } catch (Exception e) {
                        e.printStackTrace(System.out);
                        System.exit(6);
                    }
                });
                freer.start();
                done.await();
                freer.join();
                Object r = reallocResult[0], f = freeResult[0];
                String what = "round " + i + ": realloc(0x" + Long.toHexString(block[0]) + ", " + to + ") -> " + r
                        + (r instanceof Long l ? " (0x" + Long.toHexString(l) + ")" : "") + ", free -> " + f;
                if (otherReallocs) {
                    // Two reallocs of one block: one wins and the other gets IllegalStateException,
                    // unless the first kept the block in place (then the second reallocs the result).
                    boolean rOk = r instanceof Long, fOk = f instanceof Long;
                    long x = block[0];
                    if (rOk && fOk && (long) (Long) r != x && (long) (Long) f != x) {
                        System.out.println("both reallocs moved the same block: " + what);
                        System.exit(5);
                    } else if (rOk && fOk) {
                        sameAddress++;
                        Hakmem.free((long) (Long) r != x ? (Long) r : (Long) f);
                    } else if (rOk != fOk && (rOk ? f : r).getClass() == IllegalStateException.class) {
                        if (rOk) reallocWon++;
                        else freeWon++;
                        Hakmem.free(rOk ? (Long) r : (Long) f);
                    } else if (bothRefused(r, f, x, what)) {
                        refusedBoth++;
                    } else {
                        System.out.println("wrong outcome in " + what + classCounters());
                        System.exit(5);
                    }
                } else if (r instanceof Long moved && f instanceof IllegalStateException
                        && f.getClass() == IllegalStateException.class && moved != block[0]) {
                    reallocWon++;
                    Hakmem.free(moved);
                } else if (r instanceof IllegalStateException && r.getClass() == IllegalStateException.class
                        && "ok".equals(f)) {
                    freeWon++;
                } else if (r instanceof Long same && same == block[0] && "ok".equals(f)) {
                    sameAddress++;
                } else if (bothRefused(r, f, block[0], what)) {
                    refusedBoth++;
                } else {
                    System.out.println("wrong outcome in " + what + classCounters());
                    System.exit(5);
                }
            }
            reallocer.join();
            // The allocator still works and hands out no block twice.
            java.util.Set<Long> seen = new java.util.HashSet<>();
            long[] a = new long[2000];
            for (int i = 0; i < a.length; i++) {
                a[i] = Hakmem.malloc(i % 2 == 0 ? from : Math.min(to, 200_000));
                if (!seen.add(a[i])) {
                    System.out.println("0x" + Long.toHexString(a[i]) + " handed out twice after the races");
                    System.exit(5);
                }
            }
            for (long x : a) Hakmem.free(x);
            System.out.println("realloc won " + reallocWon + ", free won " + freeWon + ", in place " + sameAddress
                    + ", both refused " + refusedBoth);
            System.exit(0);
        }
    }
}
