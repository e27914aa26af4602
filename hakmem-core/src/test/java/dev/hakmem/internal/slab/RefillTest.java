package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

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
        // batches of 32 give ~1 refill per 32 allocations; the current span alone gave ~1 per 3.5
        assertTrue(refills * 12 < allocations, refills + " refills for " + allocations + " allocations");
    }
}
