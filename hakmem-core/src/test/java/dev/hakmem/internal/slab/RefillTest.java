package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How often a thread cache refills, from the allocator's own counters (no timing): with a working
 * set spread over many spans, most frees go straight back to spans that are not current, so the
 * current span has few free blocks when the magazine runs dry; a refill must still bring a
 * whole batch rather than the two or three blocks the current span has left.
 */
class RefillTest {

    @Test
    void refillsBringWholeBatchesWhenTheWorkingSetSpansManySpans() throws Exception {
        int lo = SizeClasses.classOf(640);
        int hi = SizeClasses.classOf(1024);
        AtomicReference<long[]> result = new AtomicReference<>();
        // a fresh thread: a heap of its own, whose counters nothing else moves
        Thread t = new Thread(() -> {
            Stats before = Hakmem.stats();
            SplittableRandom r = new SplittableRandom(42);
            long[] slots = new long[8192];
            for (int i = 0; i < 400_000; i++) {
                int s = r.nextInt(slots.length);
                if (slots[s] != 0) {
                    Hakmem.free(slots[s]);
                    slots[s] = 0;
                } else {
                    slots[s] = Hakmem.malloc(577 + r.nextInt(448));
                }
            }
            for (long a : slots) {
                Hakmem.free(a);
            }
            Stats after = Hakmem.stats();
            long allocations = 0;
            long refills = 0;
            for (int c = lo; c <= hi; c++) {
                allocations += after.sizeClasses().get(c).allocations() - before.sizeClasses().get(c).allocations();
                refills += after.sizeClasses().get(c).refills() - before.sizeClasses().get(c).refills();
            }
            result.set(new long[] {allocations, refills});
        });
        t.start();
        t.join();
        long allocations = result.get()[0];
        long refills = result.get()[1];
        System.out.println("refillsBringWholeBatches: " + allocations + " allocations, " + refills + " refills");
        assertTrue(allocations > 150_000, "the loop allocated: " + allocations);
        // batches of 64 (32 before) give ~1 refill per 64 allocations; the current span alone gave ~1 per 3.5
        assertTrue(refills * 12 < allocations, refills + " refills for " + allocations + " allocations");
    }

    /**
     * A flush gives a magazine's blocks back run by run (one span lookup per run of blocks of one
     * span): blocks of three spans freed two by two in turn (A A B B C C A A ...) make every run
     * two blocks long and every flush cross span boundaries. Each block must reach its own span:
     * the spans' counts are checked by the {@code assert}s of every settle and of the final
     * flush, and the heap must end up holding nothing.
     */
    @Test
    void aFlushGivesEachRunOfBlocksBackToItsOwnSpan() throws Exception {
        int c = SizeClasses.classOf(64);
        int perSpan = SizeClasses.SLAB_SIZE / 64;
        AtomicReference<String> result = new AtomicReference<>();
        Thread t = new Thread(() -> {
            long[] a = new long[3 * perSpan];
            for (int i = 0; i < a.length; i++) {
                a[i] = Hakmem.malloc(64);
            }
            Stats before = Hakmem.stats();
            for (int k = 0; k < perSpan; k += 2) {
                for (int s = 0; s < 3; s++) {
                    Hakmem.free(a[s * perSpan + k]);
                    Hakmem.free(a[s * perSpan + k + 1]);
                }
            }
            Stats mid = Hakmem.stats();
            Hakmem.trim();
            Heap h = Heaps.fast(Thread.currentThread());
            result.set((mid.sizeClasses().get(c).allocations() - before.sizeClasses().get(c).allocations()) + " "
                    + (mid.sizeClasses().get(c).frees() - before.sizeClasses().get(c).frees()) + " "
                    + (h != null && !h.holdsMemory()));
        });
        t.start();
        t.join();
        assertEquals("0 " + 3 * perSpan + " true", result.get(),
                "allocations, frees between the two snapshots, and whether the heap holds nothing after trim()");
    }
}
