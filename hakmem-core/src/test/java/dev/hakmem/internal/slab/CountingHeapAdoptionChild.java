package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Child JVM of {@link CountingHeapAdoptionTest}: a platform thread that only frees (so its heap is
 * a counting heap) dies; then virtual threads start, and their carriers adopt dead heaps. Every
 * carrier's heap must allocate as a normal heap (not a counting one), and the counts must balance
 * after churn on the virtual threads. Prints {@code OK} and exits 0, or throws.
 */
public final class CountingHeapAdoptionChild {
    private CountingHeapAdoptionChild() {}

    public static void main(String[] args) throws Exception {
        if (!Carriers.AVAILABLE) {
            throw new AssertionError("carriers not available: " + Carriers.UNAVAILABLE_REASON);
        }
        long live0 = Hakmem.stats().liveBytes();
        long[] blocks = new long[256];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = Hakmem.malloc(16 + 4 * i);
        }
        AtomicReference<Heap> counting = new AtomicReference<>();
        Thread freer = Thread.ofPlatform().start(() -> {
            for (long b : blocks) {
                Hakmem.free(b); // remote frees only: this thread gets a counting heap
            }
            counting.set(Heaps.fast(Thread.currentThread()));
        });
        freer.join();
        Heap dead = counting.get();
        if (dead == null || !dead.countsOnly) {
            throw new AssertionError("the freer's heap should be a counting heap: " + dead);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] vts = new Thread[8];
        for (int t = 0; t < vts.length; t++) {
            long seed = 10 + t;
            vts[t] = Thread.ofVirtual().start(() -> {
                try {
                    for (int k = 0; k < 20; k++) {
                        ChecksOffChild.churn(seed * 100 + k, 64, 5_000, null);
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
        boolean adopted = false;
        for (Heap h : Heaps.all()) {
            Thread p = h.platformThread();
            if (p != null && p != Thread.currentThread()) { // a carrier's heap
                if (h.countsOnly) {
                    throw new AssertionError("a carrier's heap is a counting heap: " + h);
                }
                adopted |= h == dead;
            }
        }
        if (!adopted) {
            throw new AssertionError("no carrier adopted the dead counting heap " + dead + " (the case this child is for)");
        }
        long live = Hakmem.stats().liveBytes();
        if (live != live0) {
            throw new AssertionError("live bytes " + live0 + " before, " + live + " after");
        }
        System.out.println("OK");
    }
}
