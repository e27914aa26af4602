package dev.hakmem.internal.slab;

import dev.hakmem.testing.ChildJvm;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        ChildJvm.Result r = ChildJvm.of(CountingHeapAdoptionChild.class)
                .jvmArgs("-Dhakmem.checks=" + checks, "-ea", "--add-exports", "java.base/jdk.internal.access=ALL-UNNAMED")
                .timeout(Duration.ofSeconds(120)).run();
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("OK"), r.output());
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
