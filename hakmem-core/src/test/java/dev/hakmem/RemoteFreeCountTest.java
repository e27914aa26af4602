package dev.hakmem;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Remote frees are counted exactly, whoever makes them: a platform thread that only frees (it
 * gets a heap for its counters on its first remote free), a virtual thread (its carrier's heap),
 * before and after the freeing thread has ended; and a second free of each block is still caught.
 */
class RemoteFreeCountTest {

    private static final int N = 2_000;
    /** A size no other test of this class uses, so its counters move only here. */
    private static final long SIZE = 200;

    @Test
    void freeOnlyPlatformThreadCountsEveryRemoteFree() throws Exception {
        check(Thread.ofPlatform().name("free-only-platform").unstarted(() -> {}));
    }

    @Test
    void virtualThreadCountsEveryRemoteFree() throws Exception {
        check(Thread.ofVirtual().name("free-only-virtual").unstarted(() -> {}));
    }

    @Test
    void virtualThreadWhoseCarrierHasAHeapCountsEveryRemoteFree() throws Exception {
        // its first allocation gives the carrier a heap, so the frees are counted there (the
        // remote-free count's fast path: the carrier's magazines found idle, as the fast paths find them)
        check(Thread.ofVirtual().name("virtual-on-carrier-heap").unstarted(() -> {}), true);
    }

    private static void check(Thread template) throws Exception {
        check(template, false);
    }

    /**
     * Allocates N blocks here, frees them all on a thread built like {@code template} (which first
     * allocates and frees a block of its own if {@code allocateFirst}), checks the counts.
     */
    private static void check(Thread template, boolean allocateFirst) throws Exception {
        long[] blocks = new long[N];
        for (int i = 0; i < N; i++) {
            blocks[i] = Hakmem.malloc(SIZE);
        }
        long blockSize = Hakmem.usableSize(blocks[0]);
        Stats.SizeClass before = Hakmem.stats().sizeClassOfBlock(blockSize);
        CountDownLatch freed = new CountDownLatch(1);
        CountDownLatch exit = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable body = () -> {
            try {
                if (allocateFirst) {
                    Hakmem.free(Hakmem.malloc(16));
                }
                for (long b : blocks) {
                    Hakmem.free(b);
                }
                freed.countDown();
                assertTrue(exit.await(30, TimeUnit.SECONDS));
            } catch (Throwable e) {
                failure.set(e);
                freed.countDown();
            }
        };
        Thread t = template.isVirtual() ? Thread.ofVirtual().name(template.getName()).unstarted(body)
                : Thread.ofPlatform().name(template.getName()).unstarted(body);
        t.start();
        assertTrue(freed.await(30, TimeUnit.SECONDS));
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        Stats.SizeClass during = Hakmem.stats().sizeClassOfBlock(blockSize);
        assertEquals(N, during.remoteFrees() - before.remoteFrees(), "remote frees while the freeing thread lives");
        assertEquals(N, during.frees() - before.frees(), "frees while the freeing thread lives");
        exit.countDown();
        t.join(30_000);
        Stats.SizeClass after = Hakmem.stats().sizeClassOfBlock(blockSize);
        assertEquals(N, after.remoteFrees() - before.remoteFrees(), "remote frees after the freeing thread ended");
        assertEquals(N, after.frees() - before.frees(), "frees after the freeing thread ended");
        for (long b : blocks) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Hakmem.free(b));
            assertTrue(e.getMessage().contains(Long.toHexString(b)), e.getMessage());
        }
    }
}
