package dev.hakmem.internal.slab;

import org.junit.jupiter.api.Test;



/**
 * A carrier that adopts the heap of a dead thread that only freed (a counting heap) allocates from
 * it as from any heap: its virtual threads never run the counting heap's first-refill swap, which
 * is for the owner thread only (it once lost a refill batch per class from the counts, about one
 * run in five of this scenario with the checks off: six child JVMs catch it with a probability of
 * about 0.74). In child JVMs, so that the carriers are new; with the checks off (where it showed)
 * and on.
 */
class CountingHeapAdoptionTest {

    private static void run(String checks) throws Exception {
        ChildRuns.runOk(CountingHeapAdoptionChild.class, "OK", "-Dhakmem.checks=" + checks);
    }

    @Test
    void checksOff() throws Exception {
        for (int i = 0; i < 6; i++) {
            run("off");
        }
    }

    @Test
    void checksOn() throws Exception {
        run("on");
    }
}
