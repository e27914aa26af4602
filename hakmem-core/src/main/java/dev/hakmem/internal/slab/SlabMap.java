package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Reservation;
import dev.hakmem.internal.size.SizeClasses;

/**
 * From any address to the span covering its 64 KiB slab, in two loads: a top array per GiB of
 * the reservation and, created when the first SuperSlab of that GiB is committed, a chunk of
 * 16384 span references (64 KiB of Java heap per GiB in use).
 *
 * <pre>
 * off = a - BASE            (unsigned; off &gt;= SIZE: not ours)
 * TOP[off &gt;&gt;&gt; 30][(off &gt;&gt;&gt; 16) &amp; 16383]  -&gt;  Slab, or null for a free slab slot
 * </pre>
 * Written only under the slab pool's lock, when a span is formatted or released; read without
 * synchronisation (a free of a live block happens after its allocation, which happened after
 * the span was formatted).
 */
public final class SlabMap {
    private SlabMap() {}

    public static final long BASE = Reservation.BASE;
    private static final int CHUNK_SHIFT = 30;
    private static final int PER_CHUNK = 1 << (CHUNK_SHIFT - SizeClasses.SLAB_SHIFT);
    /** One entry per GiB of the reservation, rounded up to a power of two. */
    static final Slab[][] TOP = new Slab[topLength()][];
    private static final int TOP_MASK = TOP.length - 1;
    /** Offsets below this are covered by TOP. */
    private static final long LIMIT = (long) TOP.length << CHUNK_SHIFT;

    private static int topLength() {
        int n = (int) ((Reservation.SIZE + (1L << CHUNK_SHIFT) - 1) >>> CHUNK_SHIFT);
        return n <= 1 ? 1 : Integer.highestOneBit(n * 2 - 1);
    }

    /** The span covering {@code a}, or {@code null} if none does (or {@code a} is not in the reservation). */
    public static Slab of(long a) {
        long off = a - BASE;
        if (Long.compareUnsigned(off, LIMIT) >= 0) {
            return null;
        }
        // off < LIMIT: the mask changes nothing, but lets the JIT drop the bounds check
        Slab[] chunk = TOP[(int) (off >>> CHUNK_SHIFT) & TOP_MASK];
        return chunk == null ? null : chunk[(int) (off >>> SizeClasses.SLAB_SHIFT) & (PER_CHUNK - 1)];
    }

    /** Maps the slab slots of span {@code s} to {@code s}, or to {@code null}. Pool lock held. */
    static void map(Slab s, boolean on) {
        for (int i = 0; i < s.slots; i++) {
            long off = s.base - BASE + ((long) i << SizeClasses.SLAB_SHIFT);
            int top = (int) (off >>> CHUNK_SHIFT);
            Slab[] chunk = TOP[top];
            if (chunk == null) {
                chunk = new Slab[PER_CHUNK];
                TOP[top] = chunk;
            }
            chunk[(int) (off >>> SizeClasses.SLAB_SHIFT) & (PER_CHUNK - 1)] = on ? s : null;
        }
    }
}
