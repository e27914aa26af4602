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

    /** A child JVM running {@code main} with carrier heaps on, assertions on and {@code carriers} carriers. */
    static ChildJvm onCarriers(Class<?> main, int carriers) {
        return ChildJvm.of(main)
                .jvmArgs("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED", "-ea",
                        "-Djdk.virtualThreadScheduler.parallelism=" + carriers,
                        "-Djdk.virtualThreadScheduler.maxPoolSize=" + carriers)
                .timeout(Duration.ofSeconds(120));
    }

    static ChildJvm.Result run(String scenario, int carriers) throws Exception {
        return onCarriers(CarrierHeapsChild.class, carriers)
                // no decay thread: it could borrow an idle carrier's heap (BUSY too) in the middle of a round
                .jvmArgs("-Dhakmem.decayMs=0")
                .args(scenario).run();
    }

    @Test
    void twoVirtualThreadsOnOneCarrierWhileASlowPathBlocks() throws Exception {
        ChildJvm.Result r = run("oneCarrier", 1);
        System.out.println("carrier heaps, one carrier: " + r.output().strip());
        assertTrue(r.exit() == 0 && r.output().contains("OK oneCarrier"), r.output());
    }

    static ChildJvm.Result reload(String mode, String... jvmArgs) throws Exception {
        return onCarriers(CarrierReloadChild.class, 2)
                .jvmArgs("-XX:CompileCommand=quiet",
                        "-XX:CompileCommand=dontinline,dev.hakmem.internal.slab.CarrierReloadChild::actual")
                .jvmArgs(jvmArgs)
                .args(mode).run();
    }

    @Test
    void theCarrierIsReadAgainAfterAVirtualThreadMoves() throws Exception {
        ChildJvm.Result r = reload("field");
        System.out.println("carrier reads after a move: " + r.output().strip());
        assertTrue(r.exit() == 0 && r.output().contains("OK iterations=")
                && r.output().contains("read from VirtualThread.carrierThread"), r.output());
    }

    @Test
    void theCarrierIsReadAgainAfterAVirtualThreadMovesThroughTheJdkCall() throws Exception {
        ChildJvm.Result r = reload("jdk", "-Dhakmem.carrierField=false");
        System.out.println("carrier reads after a move, currentCarrierThread(): " + r.output().strip());
        assertTrue(r.exit() == 0 && r.output().contains("OK iterations=")
                && r.output().contains("read from currentCarrierThread()"), r.output());
    }

    @Test
    void aBlockedSlowPathResumesOnAnotherCarrier() throws Exception {
        ChildJvm.Result r = run("migrate", 2);
        System.out.println("carrier heaps, two carriers: " + r.output().strip());
        assertTrue(r.exit() == 0 && r.output().contains("OK migrate"), r.output());
    }

    /**
     * A virtual thread whose first allocation makes its carrier's heap blocks on the registry lock
     * and goes on on the other carrier: its block comes from that carrier's heap or a shared one,
     * never from the heap made for the carrier it left (it once did: a block handed out twice).
     */
    @Test
    void aVirtualThreadThatMovedWhileItsCarriersHeapWasMadeDoesNotUseThatHeap() throws Exception {
        ChildJvm.Result r = onCarriers(CarrierPrepareChild.class, 2).jvmArgs("-Dhakmem.decayMs=0").run();
        System.out.println("a move while the carrier's heap is made: " + r.output().strip());
        assertTrue(r.exit() == 0 && r.output().contains("OK prepareMoves"), r.output());
    }

    /**
     * A carrier whose virtual thread is pinned and blocked reads as WAITING, as a blocked owner
     * does, but its heap is not borrowed: the virtual thread may be anywhere, a fast path of the
     * carrier's heap included (the decay thread would flush the magazines under it).
     */
    @Test
    void aCarrierWhoseVirtualThreadIsPinnedIsNotBorrowed() throws Exception {
        ChildJvm.Result r = onCarriers(PinnedCarrierChild.class, 1).jvmArgs("-Dhakmem.decayMs=0").run();
        System.out.println("a pinned virtual thread's carrier: " + r.output().strip());
        assertTrue(r.exit() == 0 && r.output().contains("OK pinned"), r.output());
    }
}
