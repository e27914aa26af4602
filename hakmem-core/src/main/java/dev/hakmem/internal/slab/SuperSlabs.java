package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Reservation;

/**
 * The registry from address to SuperSlab: a flat table indexed by reservation slot. An address
 * {@code a} is in a SuperSlab iff {@code (a - BASE) >>> 21} is below {@link #SLOTS} (unsigned)
 * and the table entry is not null. Entries are written once, under the pool lock, before any
 * block of the SuperSlab is handed out.
 */
final class SuperSlabs {
    private SuperSlabs() {}

    static final long BASE = Reservation.BASE;
    static final int SLOTS = Reservation.SLOTS;
    private static final SuperSlab[] TABLE = new SuperSlab[SLOTS];

    /** The SuperSlab holding {@code a}, or {@code null} if {@code a} is not in the reservation or its slot was never used. */
    static SuperSlab of(long a) {
        long slot = (a - BASE) >>> Reservation.UNIT_SHIFT;
        if (slot >= SLOTS) {
            return null;
        }
        return TABLE[(int) slot];
    }

    /** The object for slot {@code i}, created on first use. Caller holds the pool lock. */
    static SuperSlab slot(int i) {
        SuperSlab s = TABLE[i];
        if (s == null) {
            s = new SuperSlab(i);
            TABLE[i] = s;
        }
        return s;
    }
}
