package dev.hakmem.internal.os;

import dev.hakmem.Hakmem;
import dev.hakmem.testing.ProcFs;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link Os#mallocTrim}: the C library's {@code malloc_trim(0)}, which {@code Hakmem.trim()} calls
 * for the free memory the JVM's own native allocations leave in the C library's heaps. Memory
 * freed inside glibc's heap (below its top, so its own trimming at free does not return it) stays
 * resident until the call, and not after.
 */
class MallocTrimTest {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(LINKER.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /** Pages of glibc's heap freed below its top and still resident: [from, to) of a freed block; its neighbours freed too. */
    private static long[] freedHeapPages() throws Throwable {
        assumeTrue(LINKER.defaultLookup().find("malloc_trim").isPresent(), "the C library has no malloc_trim (not glibc)");
        int n = 256;
        long size = 64 << 10; // below glibc's mmap threshold: from its heap
        long[] blocks = new long[n];
        for (int i = 0; i < n; i++) {
            blocks[i] = (long) MALLOC.invokeExact(size);
            ALL.asSlice(blocks[i], size).fill((byte) 1); // resident
        }
        KEEP = (long) MALLOC.invokeExact(64L); // keeps the heap's top above the freed blocks
        for (int i = 0; i < n; i++) {
            FREE.invokeExact(blocks[i]);
        }
        // a freed block's pages but its first and last (chunk headers, free-list links) stay resident
        long probe = blocks[n / 2];
        long from = (probe + 8191) & ~4095L;
        long to = (probe + size - 4096) & ~4095L;
        assumeTrue(ProcFs.residentPages(from, to) > 0, "glibc gave the freed pages back at free already");
        return new long[] {from, to};
    }

    private static long KEEP;

    @Test
    void givesBackTheCLibrarysFreeHeapPages() throws Throwable {
        long[] r = freedHeapPages();
        assertTrue(Os.mallocTrim(), "malloc_trim(0) gave memory back");
        assertEquals(0, ProcFs.residentPages(r[0], r[1]), "freed heap pages resident after malloc_trim");
        FREE.invokeExact(KEEP);
    }

    @Test
    void hakmemTrimCallsIt() throws Throwable {
        long[] r = freedHeapPages();
        Hakmem.trim();
        assertEquals(0, ProcFs.residentPages(r[0], r[1]), "freed heap pages resident after Hakmem.trim()");
        FREE.invokeExact(KEEP);
    }
}
