package dev.hakmem.internal.slab;

import dev.hakmem.testing.ChildJvm;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Virtual threads on their carriers' heaps, with a slow path that blocks (see {@link Heap}'s BUSY
 * protocol): two virtual threads on one carrier, and a blocked one resuming on another carrier.
 * In child JVMs, because the virtual-thread scheduler's parallelism is a start-up setting.
 */
class CarrierHeapsTest {

    static ChildJvm.Result run(String scenario, int carriers) throws Exception {
        return ChildJvm.of(CarrierHeapsChild.class)
                // no decay thread: it could borrow an idle carrier's heap (BUSY too) in the middle of a round
                .jvmArgs("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED", "-ea", "-Dhakmem.decayMs=0",
                        "-Djdk.virtualThreadScheduler.parallelism=" + carriers,
                        "-Djdk.virtualThreadScheduler.maxPoolSize=" + carriers)
                .args(scenario).timeout(Duration.ofSeconds(120)).run();
    }

    @Test
    void twoVirtualThreadsOnOneCarrierWhileASlowPathBlocks() throws Exception {
        ChildJvm.Result r = run("oneCarrier", 1);
        System.out.println("carrier heaps, one carrier: " + r.output().strip());
        assertTrue(r.exit() == 0 && r.output().contains("OK oneCarrier"), r.output());
    }

    @Test
    void theCarrierIsReadAgainAfterAVirtualThreadMoves() throws Exception {
        ChildJvm.Result r = ChildJvm.of(CarrierReloadChild.class)
                .jvmArgs("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED", "-ea",
                        "-Djdk.virtualThreadScheduler.parallelism=2", "-Djdk.virtualThreadScheduler.maxPoolSize=2",
                        "-XX:CompileCommand=quiet",
                        "-XX:CompileCommand=dontinline,dev.hakmem.internal.slab.CarrierReloadChild::actual")
                .timeout(Duration.ofSeconds(120)).run();
        System.out.println("carrier reads after a move: " + r.output().strip());
        assertTrue(r.exit() == 0 && r.output().contains("OK iterations="), r.output());
    }

    @Test
    void aBlockedSlowPathResumesOnAnotherCarrier() throws Exception {
        ChildJvm.Result r = run("migrate", 2);
        System.out.println("carrier heaps, two carriers: " + r.output().strip());
        assertTrue(r.exit() == 0 && r.output().contains("OK migrate"), r.output());
    }
}
