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
 * slabOf[i]  the span (Slab object) covering slab slot i, or null when the slot is free
 * alloc[]    1 bit per 8 bytes: bit set  <=>  a block starts there and is handed out to the user
 * remote[]   1 bit per 8 bytes: bit set  <=>  the block was freed by a non-owner thread and the
 *            owner has not collected it yet (set with an atomic OR, taken with getAndSet)
 * word w of a bitmap covers bytes [w * 512, (w + 1) * 512) of the SuperSlab; bit b of it the
 * 8 bytes at w * 512 + b * 8.  For an address a:  w = (a >>> 9) & 4095,  mask = 1L << (a >>> 3)
 * </pre>
 *
 * <p>Invariants: {@code alloc} is written only by the thread holding the owner of the slab
 * that covers the word (plain stores; other threads read it with at least opaque reads);
 * {@code remote} bits of a block are only set while its {@code alloc} bit is set.
 */
public final class SuperSlab {
    public static final int SLABS = 32;
    public static final int WORDS = 4096;

    /** Reservation slot number. */
    public final int index;
    /** First byte. */
    public final long base;
    public final long[] alloc = new long[WORDS];
    public final long[] remote = new long[WORDS];
    public final Slab[] slabOf = new Slab[SLABS];

    // ---- owned by the slab pool, guarded by its lock ----
    /** Slots that belong to a span. */
    public int usedMask;
    /** Slots written to since the SuperSlab was last committed or purged (their pages are resident). */
    public int touchedMask;
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

    /** Word index in {@link #alloc}/{@link #remote} for address {@code a}. */
    public static int word(long a) {
        return (int) (a >>> 9) & (WORDS - 1);
    }

    /** Bit mask in the word for address {@code a}. */
    public static long bit(long a) {
        return 1L << (a >>> 3);
    }

    @Override
    public String toString() {
        return "SuperSlab#" + index + "@0x" + Long.toHexString(base);
    }
}
