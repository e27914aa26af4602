package dev.hakmem.internal.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.testing.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The pool lock ({@link PoolLock}): a contender spins for {@code hakmem.poolSpinNanos} before it
 * waits in the queue, so a virtual thread in a slow path keeps its carrier (and its carrier's heap
 * is BUSY only as long as the pool is held), and it still waits when the lock is held longer.
 * The spin time is read once per JVM: child JVMs.
 */
class PoolLockTest {

    /** Runs scenario {@code scenario} of {@link PoolLockChild} with spin time {@code spinNanos} (null: default) and expects {@code ok}. */
    static void assertChild(String scenario, String spinNanos, String ok) throws Exception {
        List<String> jvm = new ArrayList<>(List.of("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED", "-ea",
                "-Dhakmem.decayMs=0"));
        if (spinNanos != null) {
            jvm.add("-Dhakmem.poolSpinNanos=" + spinNanos);
        }
        ChildJvm.Result r = ChildJvm.of(PoolLockChild.class).jvmArgs(jvm).args(scenario).timeout(Duration.ofSeconds(60)).run();
        assertTrue(r.exit() == 0 && r.output().contains(ok), r.output());
    }

    @Test
    void aVirtualThreadSpinsOnItsCarrierWhileThePoolIsHeldForLessThanTheSpinTime() throws Exception {
        assertChild("spins", "2000000000", "OK spins queued=false");
    }

    @Test
    void aVirtualThreadWaitsInTheQueueOnceTheDefaultSpinTimeHasPassed() throws Exception {
        assertChild("parks", null, "OK parks queued=true spinNanos=200000");
    }

    @Test
    void noSpinWaitsAtOnce() throws Exception {
        assertChild("parks", "0", "OK parks queued=true spinNanos=0");
    }

    @Test
    void mutualExclusionAndReentrancyUnderContention() throws Exception {
        int threads = 4;
        int rounds = 20_000;
        long[] counter = new long[1];
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread.Builder b = i % 2 == 0 ? Thread.ofPlatform() : Thread.ofVirtual();
            ts.add(b.start(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                for (int k = 0; k < rounds; k++) {
                    PoolLock.lock();
                    try {
                        PoolLock.lock(); // reentrant
                        try {
                            assertTrue(PoolLock.isHeldByCurrentThread());
                            counter[0]++; // plain: only correct under mutual exclusion
                        } finally {
                            PoolLock.unlock();
                        }
                        assertTrue(PoolLock.isHeldByCurrentThread());
                    } finally {
                        PoolLock.unlock();
                    }
                }
            }));
        }
        start.countDown();
        for (Thread t : ts) {
            t.join();
        }
        assertEquals((long) threads * rounds, counter[0]);
    }
}
