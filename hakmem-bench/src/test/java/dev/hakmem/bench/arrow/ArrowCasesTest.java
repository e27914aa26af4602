package dev.hakmem.bench.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hakmem.Hakmem;
import dev.hakmem.arrow.HakmemAllocationManager;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.unsafe.UnsafeAllocationManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every arrow-suite workload, a few operations each, on hakmem and on Arrow's Unsafe manager in
 * this JVM: both read the same checksum, release everything, and hakmem's live bytes come back.
 * (Arrow's Netty manager needs {@code --sun-misc-unsafe-memory-access=allow}, which this test JVM
 * does not have: without it Netty 4.2 does not use {@code Unsafe} and Arrow's patch fails with a
 * {@code ClassCastException}. The suite's own JVMs have it and run Netty, see {@link ArrowSuiteEndToEndTest}.)
 */
@Timeout(120)
class ArrowCasesTest {

    static BufferAllocator root(AllocationManager.Factory f) {
        return new RootAllocator(RootAllocator.configBuilder().allocationManagerFactory(f).build());
    }

    static long checksum(ArrowCase c, AllocationManager.Factory f, long ops) throws Exception {
        try (BufferAllocator root = root(f)) {
            long sum = c.run(root, ops);
            assertEquals(0, root.getAllocatedMemory(), c.label() + " released everything");
            return sum;
        }
    }

    static long ops(ArrowCase c) {
        return switch (c) {
            case READ_INT -> 2L << 20; // two passes
            case READ_VARCHAR -> 2L << 16;
            case LARGE_1_16M -> 7; // the window of four fills and turns over
            default -> 4;
        };
    }

    @Test
    void everyCaseReadsTheSameOnHakmemUnsafeAndTheCeilingAndReleasesAll() throws Exception {
        RootAllocator.configBuilder(); // Arrow's allocator classes before UnsafeAllocationManager's (see ArrowManagers.prepare)
        for (ArrowCase c : ArrowCase.values()) {
            long live0 = Hakmem.stats().liveBytes();
            long h = checksum(c, HakmemAllocationManager.FACTORY, ops(c));
            assertEquals(live0, Hakmem.stats().liveBytes(), c.label() + ": every hakmem block freed");
            long u = checksum(c, UnsafeAllocationManager.FACTORY, ops(c));
            assertEquals(u, h, c.label());
            assertEquals(u, checksum(c, NullAllocationManager.FACTORY, ops(c)), c.label() + " on the ceiling manager");
        }
    }

    @Test
    void theCeilingManagerReusesAReleasedBlockOfItsSizeOnTheSameThread() {
        try (BufferAllocator root = root(NullAllocationManager.FACTORY)) {
            long first;
            try (var b = root.buffer(1000)) {
                first = b.memoryAddress();
                b.setLong(992, 42); // the block holds the whole 1 KiB that Arrow's rounding asked for
            }
            try (var b = root.buffer(1024); var c = root.buffer(1024)) {
                assertEquals(first, b.memoryAddress(), "the released 1 KiB block is taken again");
                assertEquals(1024, c.capacity());
                org.junit.jupiter.api.Assertions.assertNotEquals(first, c.memoryAddress(), "a live block is not handed out twice");
            }
            assertEquals(0, root.getAllocatedMemory());
        }
        assertEquals(10, NullAllocationManager.slotOf(1000));
        assertEquals(10, NullAllocationManager.slotOf(1024));
        assertEquals(11, NullAllocationManager.slotOf(1025));
        assertEquals(3, NullAllocationManager.slotOf(1));
    }

    @Test
    void knownChecksums() throws Exception {
        // int-64, 2 vectors: sum of (op + i) over i < 64 for op 0 and 1
        assertEquals(2 * 2016 + 64, checksum(ArrowCase.INT_64, HakmemAllocationManager.FACTORY, 2));
        // read-int-1m, one pass: sum of 31 i over i < 2^20
        long n = 1 << 20;
        assertEquals(31 * (n * (n - 1) / 2), checksum(ArrowCase.READ_INT, HakmemAllocationManager.FACTORY, n));
    }

    @Test
    void valuesInFitsDataAndValidityInTheBudget() {
        for (long mib = 1; mib <= 16; mib *= 2) {
            long bytes = mib << 20;
            int n = ArrowCase.valuesIn(bytes);
            long used = 8L * n + (n + 7) / 8;
            assertEquals(0, n % 64);
            assertEquals(true, used <= bytes && used > bytes - 1024, mib + " MiB: " + used);
        }
    }

    @Test
    void labelsAreUniqueAndFound() {
        assertEquals(ArrowCase.values().length, ArrowCase.labels().stream().distinct().count());
        for (ArrowCase c : ArrowCase.values()) {
            assertEquals(c, ArrowCase.byLabel(c.label()));
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ArrowCase.byLabel("int-2"));
        assertEquals("unknown arrow case 'int-2'; known: " + ArrowCase.labels(), e.getMessage());
    }
}
