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
        ChildChecks.requireCarriers();
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
        ChecksOffChild.churnOnVirtualThreads();
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
