package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Reservation;

/**
 * A 2 MiB, 2 MiB-aligned piece of the {@link Reservation}, split into 32 slabs of 64 KiB.
 * Objects are created once per reservation slot and live for ever; the slot's memory comes
 * and goes (committed, cached, released) under the pool's lock.
 *
 * <pre>
 * base                                                         base + 2 MiB
 * | slab 0 | slab 1 | slab 2 | ...                         | slab 31 |
 *   64 KiB
 * </pre>
 * Spans of one or more slabs are found from addresses through {@link SlabMap}; the state of
 * every block lives in the {@link Shadow} bitmaps.
 */
public final class SuperSlab {
    public static final int SLABS = 32;

    /** Reservation slot number. */
    public final int index;
    /** First byte. */
    public final long base;

    // ---- owned by the slab pool, guarded by its lock ----
    /** Slots that belong to a span. */
    public int usedMask;
    /** Slots written to since the SuperSlab was last committed or purged (their pages are resident). */
    public int touchedMask;
    /**
     * Slots whose {@link Shadow} may hold set bits: set when a span is formatted on them, cleared
     * when the span is released (its blocks' bits cleared then) and when the SuperSlab's shadow
     * is purged. A span formatted on clean slots needs no clearing (fresh or purged shadow pages
     * are not even touched).
     */
    public int shadowDirty;
    /** One of {@link #RELEASED}, {@link #ACTIVE}, {@link #CACHED}. */
    public int state;
    /** {@code System.nanoTime()} when the SuperSlab or its last slot became free, for decay. */
    public long idleSince;

    public static final int RELEASED = 0;
    public static final int ACTIVE = 1;
    public static final int CACHED = 2;

    public SuperSlab(int index) {
        this.index = index;
        this.base = Reservation.slotAddress(index);
    }

    @Override
    public String toString() {
        return "SuperSlab#" + index + "@0x" + Long.toHexString(base);
    }
}
