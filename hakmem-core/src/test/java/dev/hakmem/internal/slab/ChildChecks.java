package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;

/** Checks the child JVMs of this package's tests share; each throws an {@link AssertionError}. */
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
}
