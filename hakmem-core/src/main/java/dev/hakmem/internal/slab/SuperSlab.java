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
 * bits[]     two interleaved bitmaps, 1 bit per 8 bytes, so both words of an address share a
 *            cache line and one bounds check:
 *   bits[w]      LIVE:   bit set  &lt;=&gt;  a block starts there and is handed out to the user
 *   bits[w + 1]  REMOTE: bit set  &lt;=&gt;  the block was freed by a non-owner thread and the owner
 *                has not collected it yet (set with an atomic OR, taken with getAndSet)
 * the word pair w (even) covers bytes [w/2 * 512, (w/2 + 1) * 512) of the SuperSlab; bit b the
 * 8 bytes at w/2 * 512 + b * 8.  For an address a:  w = (a &gt;&gt;&gt; 8) &amp; 8190,  mask = 1L &lt;&lt; (a &gt;&gt;&gt; 3)
 * </pre>
 *
 * <p>Invariants: LIVE words are written only by the thread holding the owner of the span that
 * covers them (plain stores; other threads read them with at least opaque reads); a REMOTE bit
 * is only set while the LIVE bit of the same block is set.
 */
public final class SuperSlab {
    public static final int SLABS = 32;
    /** Word pairs: one per 512 bytes. */
    public static final int WORDS = 4096;

    /** Reservation slot number. */
    public final int index;
    /** First byte. */
    public final long base;
    public final long[] bits = new long[2 * WORDS];

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

    /** Index of the LIVE word for address {@code a} in {@link #bits}; the REMOTE word follows it. */
    public static int word(long a) {
        return (int) (a >>> 8) & (2 * WORDS - 2);
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
