package dev.hakmem.internal.os;

import dev.hakmem.Hakmem;
import dev.hakmem.testing.ProcFs;
import org.opentest4j.TestAbortedException;

/**
 * For {@link MallocTrimTest}: a JVM whose C library keeps free pages between live blocks, and whose
 * hakmem then holds memory once and frees it. The decay thread gives hakmem's memory back; with
 * {@code hakmem.trimLibc} its last pass also calls {@code malloc_trim(0)}, so the C library's
 * free pages stop being resident. Prints "resident N pages" after at most {@code args[0]} ms
 * (waiting while any stays resident), or "SKIP reason".
 */
public final class MallocTrimChild {
    private MallocTrimChild() {}

    public static void main(String[] args) throws Throwable {
        long waitMs = Long.parseLong(args[0]);
        // hakmem started and idle first (its reservation, the decay thread), so that nothing of its
        // start-up lands in the C library's free block below
        Hakmem.free(Hakmem.malloc(100));
        Thread.sleep(1000);
        long[] r;
        try {
            r = MallocTrimTest.freedHeapPages();
        } catch (TestAbortedException e) {
            System.out.println("SKIP " + e.getMessage());
            return;
        }
        // memory held again, more than any cache of the first round keeps: new spans, so the decay
        // thread has passes to make until it is all back
        long[] held = new long[256];
        for (int i = 0; i < held.length; i++) {
            held[i] = Hakmem.malloc(100L << (i % 10)); // 100 B - 51 KiB
        }
        for (long a : held) {
            Hakmem.free(a);
        }
        long before = ProcFs.residentPages(r[0], r[1]);
        long end = System.nanoTime() + waitMs * 1_000_000;
        long resident = before;
        while (resident > 0 && System.nanoTime() < end) {
            Thread.sleep(50);
            resident = ProcFs.residentPages(r[0], r[1]);
        }
        System.out.println("resident " + resident + " pages of the C library's freed block (" + before
                + " before the wait; hakmem mapped " + Hakmem.stats().mappedBytes() + " B, madvise calls "
                + Hakmem.stats().madviseCalls() + ")");
        MallocTrimTest.freeKept();
    }
}
