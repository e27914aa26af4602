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
 * The pool lock ({@link PoolLock}): a contender spins for {@code hakmem.poolSpinNanos}, and a
 * virtual thread then yields its carrier's CPU between tries for {@code hakmem.poolYieldNanos},
 * before it waits in the queue, so a virtual thread in a slow path keeps its carrier (and its
 * carrier's heap is BUSY only as long as the pool is held, with no other virtual thread on that
 * carrier to find it so), and it still waits when the lock is held longer. The times are read
 * once per JVM: child JVMs.
 */
class PoolLockTest {

    /**
     * Runs scenario {@code scenario} of {@link PoolLockChild} with spin time {@code spinNanos} and
     * yield time {@code yieldNanos} (null: the defaults) and expects {@code ok}.
     */
    static void assertChild(String scenario, String spinNanos, String yieldNanos, String ok) throws Exception {
        List<String> jvm = new ArrayList<>(List.of("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED", "-ea",
                "-Dhakmem.decayMs=0", "-Djdk.virtualThreadScheduler.parallelism=1"));
        if (spinNanos != null) {
            jvm.add("-Dhakmem.poolSpinNanos=" + spinNanos);
        }
        if (yieldNanos != null) {
            jvm.add("-Dhakmem.poolYieldNanos=" + yieldNanos);
        }
        ChildJvm.Result r = ChildJvm.of(PoolLockChild.class).jvmArgs(jvm).args(scenario).timeout(Duration.ofSeconds(60)).run();
        assertTrue(r.exit() == 0 && r.output().contains(ok), r.output());
    }

    @Test
    void aVirtualThreadSpinsOnItsCarrierWhileThePoolIsHeldForLessThanTheSpinTime() throws Exception {
        assertChild("spins", "2000000000", null, "OK spins queued=false otherRan=false");
    }

    @Test
    void aVirtualThreadYieldsTheCpuWithoutLeavingItsCarrierWhileThePoolIsHeldForLessThanTheYieldTime() throws Exception {
        assertChild("yields", "0", "2000000000", "OK yields queued=false otherRan=false spinNanos=0");
    }

    @Test
    void aVirtualThreadWaitsInTheQueueOnceTheDefaultSpinAndYieldTimesHavePassed() throws Exception {
        assertChild("parks", null, null, "OK parks queued=true otherRan=true spinNanos=200000 yieldNanos=10000000");
    }

    @Test
    void noSpinAndNoYieldWaitsAtOnce() throws Exception {
        assertChild("parks", "0", "0", "OK parks queued=true otherRan=true spinNanos=0 yieldNanos=0");
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
