package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.event.Events;
import dev.hakmem.internal.os.DecayClock;
import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Reservation;

import java.util.ArrayDeque;

/**
 * SuperSlabs that hold no span: the committed ones kept for reuse (CACHED, at most
 * {@link #CACHE_MAX}, {@code hakmem.superSlabCache}, default 32, i.e. 64 MiB of address space
 * whose pages decay returns after a quarter of the decay time, {@link #RESIDENT_NANOS}) and the
 * reservation slots given back to the OS (RELEASED), reusable. Commits new SuperSlabs
 * ({@code mmap} over a reservation slot, charged to the memory budget) and releases them.
 * Everything here runs under {@link SpanPool}'s lock.
 *
 * <pre>
 * (slot never used) --commit--&gt; ACTIVE --last span gone--&gt; CACHED --past the bound, or trim--&gt; RELEASED
 *                                  ^                          |                                   |
 *                                  +---------- reuse ---------+-------------- commit -------------+
 * </pre>
 */
final class SuperSlabCache {
    private SuperSlabCache() {}

    /** Bound of the empty-SuperSlab cache. */
    static final int CACHE_MAX = Math.max(0, Config.integer("superSlabCache", 32));

    /**
     * How long a cached SuperSlab keeps its pages resident: a quarter of the decay time (250 ms by
     * default), while free slots of SuperSlabs in use wait the whole decay time. A SuperSlab that
     * emptied is reused within moments by a churn that empties and refills SuperSlabs (large
     * blocks at random sizes), or not for a while: a program's phase freed it and the next phase
     * grows elsewhere, in the holes of partly used spans, with those 2 MiB still resident beside
     * it. frag-phases' phases last about 250 ms on a fast machine, less than the decay time, and
     * peaked with up to 32 of them resident (docs/results/memory, stop 52). Purged, a cached
     * SuperSlab stays mapped: its reuse costs page faults, not an {@code mmap}.
     */
    static final long RESIDENT_NANOS = DecayClock.DECAY_NANOS / 4;

    /** CACHED SuperSlabs, most recently emptied last. */
    private static final ArrayDeque<SuperSlab> CACHE = new ArrayDeque<>();
    /** RELEASED reservation slots, reusable. */
    private static final ArrayDeque<SuperSlab> RELEASED = new ArrayDeque<>();
    private static int nextSlot;
    private static int committed;

    /** The most recently cached SuperSlab (committed, no span), or null. */
    static SuperSlab pollCached() {
        return CACHE.pollLast();
    }

    /**
     * Commits a new SuperSlab (stage 4).
     *
     * @throws OutOfMemoryError when the memory limit, the reservation or the OS refuses
     */
    static SuperSlab commitNew() {
        if (!MemoryBudget.tryCharge(Reservation.UNIT)) {
            throw new OutOfMemoryError(MemoryBudget.limitMessage(Reservation.UNIT));
        }
        SuperSlab ss = RELEASED.pollFirst();
        if (ss == null) {
            if (nextSlot >= SuperSlabs.SLOTS) {
                MemoryBudget.credit(Reservation.UNIT);
                throw new OutOfMemoryError(Reservation.FAILURE != null ? Reservation.FAILURE
                        : "hakmem: the reservation of " + (Reservation.SIZE >> 20) + " MiB is full (set hakmem.reserve higher)");
            }
            ss = SuperSlabs.slot(nextSlot++);
        }
        if (!Reservation.commit(ss.base, Reservation.UNIT)) {
            MemoryBudget.credit(Reservation.UNIT);
            RELEASED.addFirst(ss);
            throw new OutOfMemoryError("hakmem: mmap of a 2 MiB SuperSlab at 0x" + Long.toHexString(ss.base)
                    + " failed");
        }
        committed++;
        Events.superSlabMapped(ss.base, Reservation.UNIT);
        ss.usedMask = 0;
        ss.touchedMask = 0;
        return ss;
    }

    /** A SuperSlab whose last span was dissolved: cached while the cache has room, else given back to the OS. */
    static void emptied(SuperSlab ss) {
        assert ss.usedMask == 0 : "emptied SuperSlab still has spans: " + ss;
        if (CACHE.size() < CACHE_MAX) {
            ss.state = SuperSlab.CACHED;
            CACHE.addLast(ss);
            DecayClock.schedule(ss.idleSince + RESIDENT_NANOS);
        } else if (!decommit(ss)) {
            // could not give it back: keep it usable
            ss.state = SuperSlab.CACHED;
            CACHE.addLast(ss);
        }
    }

    /** Gives a wholly empty SuperSlab's memory (and its shadow) back to the OS; its slot stays reusable. */
    private static boolean decommit(SuperSlab ss) {
        if (!Reservation.decommit(ss.base, Reservation.UNIT)) {
            return false;
        }
        Shadow.purge(ss.base);
        PageOwners.purge(ss.base);
        ss.shadowDirty = 0;
        MemoryBudget.credit(Reservation.UNIT);
        committed--;
        Events.superSlabUnmapped(ss.base, Reservation.UNIT);
        ss.state = SuperSlab.RELEASED;
        ss.touchedMask = 0;
        RELEASED.addLast(ss);
        return true;
    }

    /** Gives every cached SuperSlab back to the OS (until the OS refuses one). */
    static void trim() {
        while (!CACHE.isEmpty()) {
            SuperSlab ss = CACHE.pollFirst();
            if (!decommit(ss)) {
                CACHE.addFirst(ss);
                break;
            }
        }
    }

    /**
     * Purges the pages of cached SuperSlabs idle since before {@code now - RESIDENT_NANOS} (they
     * stay mapped for reuse).
     *
     * @return the next deadline, or {@link DecayClock#NONE}
     */
    static long decay(long now) {
        long next = DecayClock.NONE;
        for (SuperSlab ss : CACHE) {
            next = DecayClock.earlier(next, ss.decayIdleSlots(now, RESIDENT_NANOS));
        }
        return next;
    }

    /** SuperSlabs committed now. */
    static int committed() {
        return committed;
    }
}
