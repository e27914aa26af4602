package dev.hakmem.internal.slab;

import java.util.Arrays;

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

    // ---- its holes: the lender's records of its free bytes, in address order ----
    // (the holder of the heap whose index holds them; offsets from start, each hole [from, to))

    private int[] holeFrom = new int[4];
    private int[] holeTo = new int[4];
    private int[] holeRecord = new int[4];
    private int holes;

    /** Index of the last hole that starts before offset {@code o}, or -1 (the starts are distinct). */
    private int holeBefore(int o) {
        int i = Arrays.binarySearch(holeFrom, 0, holes, o);
        return i >= 0 ? i - 1 : -i - 2;
    }

    /** The record of the hole that ends at address {@code a}, or -1. */
    int holeEndingAt(long a) {
        int o = (int) (a - start);
        int i = holeBefore(o);
        return i >= 0 && holeTo[i] == o ? holeRecord[i] : -1;
    }

    /** The record of the hole that starts at address {@code a}, or -1. */
    int holeStartingAt(long a) {
        int o = (int) (a - start);
        int i = holeBefore(o) + 1;
        return i < holes && holeFrom[i] == o ? holeRecord[i] : -1;
    }

    /** Hole {@code [a, a + len)}, record {@code record}, which overlaps none of the others. */
    void addHole(long a, int len, int record) {
        assert a >= start && a + len <= end : "hole 0x" + Long.toHexString(a) + " + " + len + " outside " + this;
        int o = (int) (a - start);
        int i = holeBefore(o) + 1;
        assert (i == 0 || holeTo[i - 1] <= o) && (i == holes || o + len <= holeFrom[i]) : "overlapping holes in " + this;
        if (holes == holeFrom.length) {
            holeFrom = Arrays.copyOf(holeFrom, holes * 2);
            holeTo = Arrays.copyOf(holeTo, holes * 2);
            holeRecord = Arrays.copyOf(holeRecord, holes * 2);
        }
        System.arraycopy(holeFrom, i, holeFrom, i + 1, holes - i);
        System.arraycopy(holeTo, i, holeTo, i + 1, holes - i);
        System.arraycopy(holeRecord, i, holeRecord, i + 1, holes - i);
        holeFrom[i] = o;
        holeTo[i] = o + len;
        holeRecord[i] = record;
        holes++;
    }

    /** Removes the hole that starts at address {@code a}. */
    void removeHole(long a) {
        int i = holeBefore((int) (a - start)) + 1;
        assert i < holes && holeFrom[i] == a - start : "no hole at 0x" + Long.toHexString(a) + " in " + this;
        System.arraycopy(holeFrom, i + 1, holeFrom, i, holes - i - 1);
        System.arraycopy(holeTo, i + 1, holeTo, i, holes - i - 1);
        System.arraycopy(holeRecord, i + 1, holeRecord, i, holes - i - 1);
        holes--;
    }

    /** Forgets every hole: the lender that indexed them dropped all its records. */
    void clearHoles() {
        holes = 0;
    }

    /** Holes in the list (for asserts and tests). */
    int holeCount() {
        return holes;
    }

    @Override
    public String toString() {
        return "lease@0x" + Long.toHexString(start) + "[" + (end - start) + " B of " + span + ", lent " + lent + "]";
    }
}
