package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Checks (each throws an {@link AssertionError}) and helpers the tests and child JVMs of this package share. */
final class ChildChecks {
    private ChildChecks() {}

    /** Fails unless virtual threads use their carriers' heaps in this JVM (the JVM options export the carrier). */
    static void requireCarriers() {
        if (!Carriers.AVAILABLE) {
            throw new AssertionError("carriers not available: " + Carriers.UNAVAILABLE_REASON);
        }
    }

    /** {@link Hakmem#trim()}, then fails unless no block is live. */
    static void trimAndRequireNothingLive() {
        Hakmem.trim();
        if (Hakmem.stats().liveBytes() != 0) {
            throw new AssertionError("live bytes left: " + Hakmem.stats());
        }
    }

    /** Spins until {@code done} holds; fails with {@code why} after 10 s. */
    static void awaitWithin10s(BooleanSupplier done, Supplier<String> why) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(why.get());
            }
            Thread.onSpinWait();
        }
    }

    /**
     * A new (unstarted) thread running {@code task} whose id falls on {@code other}'s heap table
     * slot (an id is given when a {@code Thread} is made, so up to a table's worth are made and
     * dropped), or null if none did.
     */
    static Thread onSlotOf(Thread other, Runnable task) {
        long slot = other.threadId() & Heaps.MASK;
        for (int i = 0; i <= Heaps.MASK; i++) {
            Thread t = new Thread(task);
            if ((t.threadId() & Heaps.MASK) == slot) {
                return t;
            }
        }
        return null;
    }

    /** Fails unless every heap in the table sits in its holder's slot (the table's invariant, see {@link Heaps}). */
    static void requireHeapsInTheirHoldersSlots() {
        for (int i = 0; i <= Heaps.MASK; i++) {
            Heap h = Heaps.HEAPS[i];
            Thread holder = h.holder();
            if (holder == null ? h.platformThread() != null : (holder.threadId() & Heaps.MASK) != i) {
                throw new AssertionError("table slot " + i + " holds a heap of " + holder + ": " + h);
            }
        }
    }
}
