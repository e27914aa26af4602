package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Reservation;

/**
 * The registry from address to SuperSlab: a flat table indexed by reservation slot. An address
 * {@code a} is in a SuperSlab iff {@code (a - BASE) >>> 21} is below {@link #SLOTS} (unsigned)
 * and the table entry is not null. Entries are written once, under the pool lock, before any
 * block of the SuperSlab is handed out.
 */
public final class SuperSlabs {
    private SuperSlabs() {}

    public static final long BASE = Reservation.BASE;
    public static final int SLOTS = Reservation.SLOTS;
    static final SuperSlab[] TABLE = new SuperSlab[SLOTS];

    /** The SuperSlab holding {@code a}, or {@code null} if {@code a} is not in the reservation or its slot was never used. */
    public static SuperSlab of(long a) {
        long slot = (a - BASE) >>> Reservation.UNIT_SHIFT;
        if (slot >= SLOTS) {
            return null;
        }
        return TABLE[(int) slot];
    }

    /** Like {@link #of}, for addresses known to be ours (taken from a thread cache). */
    public static SuperSlab ofOwn(long a) {
        return TABLE[(int) ((a - BASE) >>> Reservation.UNIT_SHIFT)];
    }

    /** The object for slot {@code i}, created on first use. Caller holds the pool lock. */
    public static SuperSlab slot(int i) {
        SuperSlab s = TABLE[i];
        if (s == null) {
            s = new SuperSlab(i);
            TABLE[i] = s;
        }
        return s;
    }
}
