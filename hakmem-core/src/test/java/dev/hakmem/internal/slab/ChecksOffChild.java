package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.config.Checks;
import dev.hakmem.testing.BlockPattern;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Child JVM of {@link ChecksOffTest}, run with {@code -Dhakmem.checks=off}: model-based random
 * allocation and frees (every byte of every live block checked before it is freed) on the owner's
 * free path, with cross-thread frees, and on virtual threads; the live bytes come back to where
 * they started. Prints {@code OK} and exits 0, or throws.
 */
public final class ChecksOffChild {
    private ChecksOffChild() {}

    /** Random mallocs and frees over {@code slots} slots; frees either here or by {@code remote} (if not null). */
    static void churn(long seed, int slots, int steps, BlockingQueue<long[]> remote) throws InterruptedException {
        SplittableRandom r = new SplittableRandom(seed);
        long[] addr = new long[slots];
        long[] size = new long[slots];
        for (int step = 0; step < steps; step++) {
            int i = r.nextInt(slots);
            if (addr[i] != 0) {
                BlockPattern.verify(addr[i], size[i], BlockPattern.off(seed + i), "slot " + i);
                if (remote != null && r.nextBoolean()) {
                    remote.put(new long[] {addr[i], size[i], seed + i});
                } else {
                    Hakmem.free(addr[i]);
                }
                addr[i] = 0;
            } else {
                size[i] = r.nextInt(8) == 0 ? 1 + r.nextInt(40_000) : 1 + r.nextInt(1024);
                addr[i] = Hakmem.malloc(size[i]);
                BlockPattern.fill(addr[i], size[i], BlockPattern.off(seed + i));
            }
        }
        for (int i = 0; i < slots; i++) {
            if (addr[i] != 0) {
                BlockPattern.verify(addr[i], size[i], BlockPattern.off(seed + i), "slot " + i);
                Hakmem.free(addr[i]);
            }
        }
    }

    /** {@link #churn} on 512 slots, about half of its frees made by another platform thread (each block checked there first). */
    static void churnWithRemoteFrees(long seed) throws InterruptedException {
        BlockingQueue<long[]> q = new ArrayBlockingQueue<>(1024);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread freer = Thread.ofPlatform().start(() -> {
            try {
                for (long[] x; (x = q.take()).length == 3; ) {
                    BlockPattern.verify(x[0], x[1], BlockPattern.off(x[2]), "remote free");
                    Hakmem.free(x[0]);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        churn(seed, 512, 200_000, q);
        q.put(new long[0]);
        freer.join();
        if (failure.get() != null) {
            throw new AssertionError("remote freer failed", failure.get());
        }
    }

    /** 8 virtual threads, each 20 rounds of {@link #churn} on 64 slots, yielding between rounds (so they move between carriers). */
    static void churnOnVirtualThreads() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] vts = new Thread[8];
        for (int t = 0; t < vts.length; t++) {
            long seed = 10 + t;
            vts[t] = Thread.ofVirtual().start(() -> {
                try {
                    for (int k = 0; k < 20; k++) {
                        churn(seed * 100 + k, 64, 5_000, null);
                        Thread.yield(); // move between carriers
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
        }
        for (Thread t : vts) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("a virtual thread failed", failure.get());
        }
    }

    public static void main(String[] args) throws Exception {
        if (Checks.ON) {
            throw new AssertionError("the child must run with -Dhakmem.checks=off");
        }
        long live0 = Hakmem.stats().liveBytes();
        // the owner's free path: a freed block is the next one of its class handed out
        long a = Hakmem.malloc(48);
        Hakmem.free(a);
        long b = Hakmem.malloc(48);
        if (a != b) {
            throw new AssertionError("the owner's free did not reach its magazine: 0x" + Long.toHexString(a)
                    + " then 0x" + Long.toHexString(b));
        }
        Hakmem.free(b);
        churn(1, 512, 200_000, null);

        churnWithRemoteFrees(2);

        // virtual threads, which free into their carrier's heap
        churnOnVirtualThreads();
        long live = Hakmem.stats().liveBytes();
        if (live != live0) {
            throw new AssertionError("live bytes " + live0 + " before, " + live + " after");
        }
        System.out.println("OK");
    }
}
