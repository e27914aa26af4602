package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.DecayClock;
import dev.hakmem.internal.os.Os;
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
 * Spans of one or more slabs are found from addresses through {@link SpanMap}; the state of
 * every block lives in the {@link Shadow} bitmaps.
 */
final class SuperSlab {
    static final int SLABS = 32;

    /** Reservation slot number. */
    final int index;
    /** First byte. */
    final long base;

    // ---- guarded by the span pool's lock ----
    /** Slots that belong to a span. */
    int usedMask;
    /** Slots written to since the SuperSlab was last committed or purged (their pages are resident). */
    int touchedMask;
    /**
     * Slots a span was ever formatted on, in any life of this reservation slot (never cleared): an
     * address in one was handed out once, so a free of it with no span there now is a double free
     * or a stale pointer, not a foreign address ({@code Errors.noBlockAt}; read there unlocked).
     */
    int everUsedMask;
    /**
     * Slots whose {@link Shadow} may hold set bits: set when a span is formatted on them, cleared
     * when the span is released (its blocks' bits cleared then) and when the SuperSlab's shadow
     * is purged. A span formatted on clean slots needs no clearing (fresh or purged shadow pages
     * are not even touched).
     */
    int shadowDirty;
    /** One of {@link #RELEASED}, {@link #ACTIVE}, {@link #CACHED}. */
    int state;
    /** {@code System.nanoTime()} when the SuperSlab or its last slot became free, for decay. */
    long idleSince;

    static final int RELEASED = 0;
    static final int ACTIVE = 1;
    static final int CACHED = 2;

    SuperSlab(int index) {
        this.index = index;
        this.base = Reservation.slotAddress(index);
    }

    /** The mask of {@code k} slots from slot {@code first}. */
    static int runMask(int first, int k) {
        return (int) (((1L << k) - 1) << first);
    }

    /**
     * Length of the run of set bits of {@code mask} that starts at slot {@code first} (a set bit),
     * up to the last slot: the runs a purge or a populate covers with one call.
     */
    static int runLength(int mask, int first) {
        int len = Integer.numberOfTrailingZeros(~(mask >>> first));
        if (len == 0 || first + len > SLABS) {
            len = SLABS - first;
        }
        return len;
    }

    /** Slots whose pages are resident but belong to no span. */
    int idleSlots() {
        return touchedMask & ~usedMask;
    }

    /**
     * Gives the pages of every resident free slot back with {@code madvise(DONTNEED)}, in runs,
     * and the shadow pages of the slots purged where both slots a shadow page describes are free
     * ({@link Shadow#purgeSlotPairs}). Pool lock held.
     */
    void purgeIdleSlots() {
        int idle = idleSlots();
        int purged = 0;
        while (idle != 0) {
            int first = Integer.numberOfTrailingZeros(idle);
            int len = runLength(idle, first);
            if (Os.madvise(base + ((long) first << SizeClasses.SLAB_SHIFT),
                    (long) len << SizeClasses.SLAB_SHIFT, Os.MADV_DONTNEED)) {
                touchedMask &= ~runMask(first, len);
                purged |= runMask(first, len);
            }
            idle &= ~runMask(first, len);
        }
        if (purged != 0) {
            assert (shadowDirty & ~usedMask) == 0 : "free slots with shadow bits: " + this + " " + Integer.toHexString(shadowDirty & ~usedMask);
            Shadow.purgeSlotPairs(base, freePairs(usedMask, purged));
        }
    }

    /**
     * The slot pairs (2k, 2k + 1), as the bit of slot 2k, that are both free in {@code used} and of
     * which at least one is in {@code purged}: the pairs whose shadow page a purge may give back.
     *
     * <pre>
     * slots:        0 1 | 2 3 | 4 5 | ...     one shadow page (4 KiB) per pair = 128 KiB of slots
     * free pair:    bit 2k set  &lt;=&gt;  slots 2k and 2k + 1 are not used, and one of them was purged
     * </pre>
     */
    static int freePairs(int used, int purged) {
        int free = ~used;
        return free & (free >>> 1) & (purged | (purged >>> 1)) & 0x55555555;
    }

    /**
     * The decay of its resident free slots: purges them if they have been idle since before
     * {@code now - idleNanos} (the decay time for a SuperSlab in use, less for a cached one, see
     * {@link SuperSlabCache#RESIDENT_NANOS}). Pool lock held.
     *
     * @return when they will be due, or {@link DecayClock#NONE} if none is left resident
     */
    long decayIdleSlots(long now, long idleNanos) {
        if (idleSlots() == 0) {
            return DecayClock.NONE;
        }
        long due = idleSince + idleNanos;
        if (due - now > 0) {
            return due;
        }
        purgeIdleSlots();
        return DecayClock.NONE;
    }

    @Override
    public String toString() {
        return "SuperSlab#" + index + "@0x" + Long.toHexString(base);
    }
}
