package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import dev.hakmem.internal.os.Os;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Child JVM for {@link ThreadLifecycleTest#aMillionVirtualThreadsKeepMemoryBoundedByCores}:
 * 1,000,000 virtual threads alive at once, each holding a block (16 B to 1 KiB) while parked,
 * then checking and freeing it. Prints the allocator's own memory while they all hold their
 * blocks: heaps, their Java-heap metadata and the bytes cached in their magazines.
 */
public final class MillionVirtualThreadsChild {
    private MillionVirtualThreadsChild() {}

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        long heapsBefore = Heaps.heapCounts()[0];
        Stats start = Hakmem.stats();
        CountDownLatch allocated = new CountDownLatch(n);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] ts = new Thread[n];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int id = i;
            ts[i] = Thread.ofVirtual().start(() -> {
                try {
                    long size = 16 + id % 1009;
                    long a = Hakmem.malloc(size);
                    Os.ALL.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, a, id);
                    allocated.countDown();
                    release.await();
                    if (Os.ALL.get(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, a) != id) {
                        throw new AssertionError("block of thread " + id + " changed");
                    }
                    Hakmem.free(a);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    allocated.countDown();
                }
            });
        }
        allocated.await();
        long metadata = Heaps.heapMetadataBytes();
        long heapsDuring = Heaps.heapCounts()[0];
        long cached = Heaps.cachedBytes();
        Stats during = Hakmem.stats();
        release.countDown();
        for (Thread t : ts) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        System.out.printf("threads=%d heapsBefore=%d heapsDuring=%d sharedHeaps=%d metadataBytes=%d cachedBytes=%d "
                        + "liveBytes=%d carriers=%b seconds=%.1f%n", n, heapsBefore, heapsDuring, SharedHeaps.STRIPES,
                metadata, cached, during.liveBytes() - start.liveBytes(), Carriers.AVAILABLE,
                (System.nanoTime() - t0) / 1e9);
        if (Hakmem.stats().liveBytes() != start.liveBytes()) {
            throw new AssertionError("live bytes " + Hakmem.stats().liveBytes() + " != " + start.liveBytes());
        }
        System.out.println("OK");
    }
}
