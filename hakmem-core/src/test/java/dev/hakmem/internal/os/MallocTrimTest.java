package dev.hakmem.internal.os;

import dev.hakmem.Hakmem;
import dev.hakmem.testing.ChildJvm;
import dev.hakmem.testing.ProcFs;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link Os#mallocTrim}: the C library's {@code malloc_trim(0)}, which {@code Hakmem.trim()} calls
 * for the free memory the JVM's own native allocations leave in the C library's heaps, and the
 * decay thread once it has given all of hakmem's free memory back ({@link MallocTrimChild}). A block
 * freed inside glibc's heap between live ones (so neither its merging nor its trimming at free
 * returns it) stays resident until the call, and not after.
 */
class MallocTrimTest {

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MALLOC = LINKER.downcallHandle(LINKER.defaultLookup().find("malloc").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle FREE = LINKER.downcallHandle(LINKER.defaultLookup().find("free").orElseThrow(),
            FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    /**
     * Pages of glibc's heap inside a freed block that glibc keeps (its neighbours stay live, so it
     * merges with nothing, not even the heap's top): {from, to} of one such block. The live
     * neighbours are in {@link #kept}.
     */
    static long[] freedHeapPages() throws Throwable {
        assumeTrue(LINKER.defaultLookup().find("malloc_trim").isPresent(), "the C library has no malloc_trim (not glibc)");
        int n = 256;
        long size = 64 << 10; // below glibc's mmap threshold: from its heap
        long[] blocks = new long[n];
        for (int i = 0; i < n; i++) {
            blocks[i] = (long) MALLOC.invokeExact(size);
            ALL.asSlice(blocks[i], size).fill((byte) 1); // resident
        }
        kept = new long[n / 2];
        for (int i = 0; i < n; i++) {
            if (i % 2 == 0) {
                FREE.invokeExact(blocks[i]);
            } else {
                kept[i / 2] = blocks[i];
            }
        }
        // a freed block's pages but its first and last (chunk headers, free-list links)
        long probe = blocks[n / 2];
        long from = (probe + 8191) & ~4095L;
        long to = (probe + size - 4096) & ~4095L;
        assumeTrue(ProcFs.residentPages(from, to) > 0, "glibc gave the freed pages back at free already");
        return new long[] {from, to};
    }

    private static long[] kept;

    static void freeKept() throws Throwable {
        for (long a : kept) {
            FREE.invokeExact(a);
        }
    }

    @Test
    void givesBackTheCLibrarysFreeHeapPages() throws Throwable {
        long[] r = freedHeapPages();
        assertTrue(Os.mallocTrim(), "malloc_trim(0) gave memory back");
        assertEquals(0, ProcFs.residentPages(r[0], r[1]), "freed heap pages resident after malloc_trim");
        freeKept();
    }

    @Test
    void theDecayThreadCallsItOnceEverythingFreedIsBack() throws Exception {
        String out = decayChild(true, 10_000);
        assertTrue(out.contains("resident 0 "), out);
    }

    @Test
    void withoutTrimLibcTheDecayThreadLeavesTheCLibrarysPagesAlone() throws Exception {
        String out = decayChild(false, 2_000);
        assertFalse(out.contains("resident 0 "), out);
    }

    /** {@link MallocTrimChild}'s output, with {@code hakmem.trimLibc} set to {@code trimLibc}, waiting up to {@code waitMs}. */
    private static String decayChild(boolean trimLibc, long waitMs) throws Exception {
        ChildJvm.Result r = ChildJvm.of(MallocTrimChild.class)
                .jvmArgs("-Dhakmem.trimLibc=" + trimLibc, "-Dhakmem.decayMs=100", "-Dhakmem.jmx=false")
                .args(Long.toString(waitMs)).timeout(Duration.ofSeconds(60)).run();
        assumeFalse(r.output().contains("SKIP"), r.output());
        assertEquals(0, r.exit(), r.output());
        return r.output();
    }

    @Test
    void hakmemTrimCallsIt() throws Throwable {
        long[] r = freedHeapPages();
        Hakmem.trim();
        assertEquals(0, ProcFs.residentPages(r[0], r[1]), "freed heap pages resident after Hakmem.trim()");
        freeKept();
    }
}
