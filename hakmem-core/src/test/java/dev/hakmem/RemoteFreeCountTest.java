package dev.hakmem;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

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

    /**
     * The free's fast path queues a remote free without looking the span up and counts it under
     * the class its slab's owner entry names: for every size class up to the large tier, blocks
     * allocated here and freed on a platform thread that has a heap of its own are counted in
     * exactly their class, and a second free names the block, its class and its size.
     */
    @Test
    void everyClassCountsItsRemoteFreesAndCatchesTheSecondFree() throws Exception {
        long[] sizes = LongStream.iterate(8, s -> s <= 2L << 20, s -> s + Math.max(8, s / 8)).toArray();
        long[][] blocks = new long[sizes.length][3];
        long[] usable = new long[sizes.length];
        Map<Long, Long> before = new HashMap<>();
        Map<Long, Long> expected = new HashMap<>();
        for (int k = 0; k < sizes.length; k++) {
            for (int j = 0; j < 3; j++) {
                blocks[k][j] = Hakmem.malloc(sizes[k]);
            }
            usable[k] = Hakmem.usableSize(blocks[k][0]);
            before.putIfAbsent(usable[k], Hakmem.stats().sizeClassOfBlock(usable[k]).remoteFrees());
            expected.merge(usable[k], 3L, Long::sum);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("remote-freer-with-heap").start(() -> {
            try {
                Hakmem.free(Hakmem.malloc(16)); // a heap of its own: the count's fast path
                for (long[] bs : blocks) {
                    for (long b : bs) {
                        Hakmem.free(b);
                    }
                }
                for (int k = 0; k < sizes.length; k++) {
                    long b = blocks[k][1];
                    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Hakmem.free(b));
                    assertTrue(e.getMessage().contains(Long.toHexString(b))
                            && e.getMessage().contains("(" + usable[k] + " B) is already free"), e.getMessage());
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join(60_000);
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        for (var e : expected.entrySet()) {
            long got = Hakmem.stats().sizeClassOfBlock(e.getKey()).remoteFrees() - before.get(e.getKey());
            assertEquals(e.getValue(), got, "remote frees of the " + e.getKey() + "-byte class");
        }
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
