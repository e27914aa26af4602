package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Reservation;

/**
 * From any address to the span covering its 64 KiB slab, in two loads: a top array per GiB of
 * the reservation and, created when the first SuperSlab of that GiB is committed, a chunk of
 * 16384 span references (64 KiB of Java heap per GiB in use).
 *
 * <pre>
 * off = a - BASE            (unsigned; off &gt;= SIZE: not ours)
 * TOP[off &gt;&gt;&gt; 30][(off &gt;&gt;&gt; 16) &amp; 16383]  -&gt;  Span, or null for a free slab slot
 * </pre>
 * Written only under the span pool's lock, when a span is formatted or released; read without
 * synchronisation (a free of a live block happens after its allocation, which happened after
 * the span was formatted).
 *
 * <p>A span maps every slab in which one of its blocks starts: all of them for blocks under
 * 64 KiB, only those few for large blocks (a span of one 2 MiB block maps 1 slab, not 32), so
 * formatting and releasing large spans stays cheap. {@link #of} therefore finds the span of any
 * block start; an address inside a large block may find nothing, and the error paths use
 * {@link #covering} to name the block it lies in.
 */
final class SpanMap {
    private SpanMap() {}

    static final long BASE = Reservation.BASE;
    private static final int CHUNK_SHIFT = 30;
    private static final int PER_CHUNK = 1 << (CHUNK_SHIFT - SizeClasses.SLAB_SHIFT);
    /** One entry per GiB of the reservation, rounded up to a power of two. */
    private static final Span[][] TOP = new Span[topLength()][];
    private static final int TOP_MASK = TOP.length - 1;
    /** Offsets below this are covered by TOP. */
    private static final long LIMIT = (long) TOP.length << CHUNK_SHIFT;

    private static int topLength() {
        int n = (int) ((Reservation.SIZE + (1L << CHUNK_SHIFT) - 1) >>> CHUNK_SHIFT);
        return n <= 1 ? 1 : Integer.highestOneBit(n * 2 - 1);
    }

    /**
     * The span mapped at {@code a}'s slab: the span of every block start (and of every address of
     * a span of small blocks), or {@code null}.
     */
    static Span of(long a) {
        long off = a - BASE;
        if (Long.compareUnsigned(off, LIMIT) >= 0) {
            return null;
        }
        // off < LIMIT: the mask changes nothing, but lets the JIT drop the bounds check
        Span[] chunk = TOP[(int) (off >>> CHUNK_SHIFT) & TOP_MASK];
        return chunk == null ? null : chunk[(int) (off >>> SizeClasses.SLAB_SHIFT) & (PER_CHUNK - 1)];
    }

    /**
     * The span whose memory contains {@code a}, or {@code null}: {@link #of}, else a scan back
     * through the slabs of {@code a}'s SuperSlab to the nearest mapped one, whose span covers
     * {@code a} if any does (a span's first slab is always mapped, and the slabs between it and
     * {@code a} are all its own). Cold: error paths only.
     */
    static Span covering(long a) {
        Span s = of(a);
        if (s != null || Long.compareUnsigned(a - BASE, LIMIT) >= 0) {
            return s;
        }
        long superSlab = BASE + ((a - BASE) & -Reservation.UNIT);
        for (long x = (a & -(long) SizeClasses.SLAB_SIZE) - SizeClasses.SLAB_SIZE; x >= superSlab; x -= SizeClasses.SLAB_SIZE) {
            Span c = of(x);
            if (c != null) {
                return a - c.base < c.bytes() ? c : null;
            }
        }
        return null;
    }

    /** Maps (or unmaps) span {@code s} at every slab in which one of its blocks starts. Pool lock held. */
    static void map(Span s, boolean on) {
        Span v = on ? s : null;
        for (int k = 0, n = s.mappedSlabs(); k < n; k++) {
            set(s.mappedSlab(k), v);
        }
    }

    private static void set(long a, Span v) {
        long off = a - BASE;
        int top = (int) (off >>> CHUNK_SHIFT);
        Span[] chunk = TOP[top];
        if (chunk == null) {
            chunk = new Span[PER_CHUNK];
            TOP[top] = chunk;
        }
        chunk[(int) (off >>> SizeClasses.SLAB_SHIFT) & (PER_CHUNK - 1)] = v;
    }
}
