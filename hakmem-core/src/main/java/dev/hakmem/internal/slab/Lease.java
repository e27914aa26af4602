package dev.hakmem.internal.slab;

/**
 * A run of a span's blocks taken out of it to be lent out byte by byte ({@link Lender}): bytes
 * {@code [start, end)}, blocks {@code [firstBlock, firstBlock + blocks)} of {@link #span}, which
 * counts them as out of the span ({@code used}) while the lease lasts.
 *
 * <pre>
 * span (class 1 KiB):  | live | lease: blocks 1-3                      | live |
 *                             [ lent 416 | free 608 | lent 1,024 | free 1,024 ]
 *                               ^ the span's lent table: class at start ^ holes, in the index of
 *                                                                        the heap that took it
 * </pre>
 * The span's holder (or the pool under its lock, for an orphan) changes it, under the span's
 * monitor for what other threads read.
 */
final class Lease {
    final Span span;
    final long start;
    final long end;
    final int firstBlock;
    final int blocks;
    /** Blocks lent out of it (handed out, or waiting in a magazine) and not freed yet. */
    int lent;
    /**
     * The lender whose hole index holds the lease's free bytes, or null: the heap that took the
     * lease died and its span went on without it; the free bytes then wait for the lease to end.
     */
    Lender index;

    Lease(Span span, int firstBlock, int blocks, Lender index) {
        this.span = span;
        this.firstBlock = firstBlock;
        this.blocks = blocks;
        this.start = span.base + (long) firstBlock * span.blockSize;
        this.end = start + (long) blocks * span.blockSize;
        this.index = index;
    }

    @Override
    public String toString() {
        return "lease@0x" + Long.toHexString(start) + "[" + (end - start) + " B of " + span + ", lent " + lent + "]";
    }
}
