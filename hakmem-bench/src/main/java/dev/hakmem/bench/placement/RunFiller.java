package dev.hakmem.bench.placement;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * A fallback for a segregated placement that keeps every block a whole block of its span: a
 * request whose class would take a new span takes a run of consecutive free blocks of one span of
 * a smaller class instead (k blocks of that class, k x its size holding the request, the least
 * waste first), handed out as one block. Freed, the run's blocks go back to their class one by
 * one. So a span's geometry never changes; what an allocator would need besides is the run's
 * length per handed-out run.
 *
 * <pre>
 * span of class 288 B:  |live|free|free|free|free|live|free|      a 1,100-byte request:
 *                              [=== 4 x 288 = 1,152 B ===]        one run of 4 blocks
 * </pre>
 */
final class RunFiller {

    private final long[] sizes;
    /** Per class: runs of consecutive free blocks inside one span (the placement keeps spans apart). */
    private final Holes[] runs;
    /** Runs handed out: start -&gt; {class, blocks}. */
    private final Map<Long, int[]> served = new HashMap<>();

    RunFiller(long[] sizes) {
        this.sizes = sizes;
        this.runs = new Holes[sizes.length];
        for (int c = 0; c < sizes.length; c++) {
            runs[c] = new Holes();
        }
    }

    /** Block {@code start} of class {@code c} went onto its class's free list. */
    void freed(int c, long start) {
        runs[c].add(start, sizes[c]);
    }

    /** The list of class {@code c} handed out its free block {@code start}. */
    void taken(int c, long start) {
        runs[c].take(start, sizes[c]);
    }

    /**
     * A run of whole free blocks of a class below {@code c} holding {@code size} bytes, or -1; the
     * run's blocks leave their class's list through {@code leftList}.
     */
    long fill(int c, long size, LongConsumer leftList) {
        int best = -1;
        long bestBytes = Long.MAX_VALUE;
        for (int d = 0; d < c; d++) {
            long bytes = (size + sizes[d] - 1) / sizes[d] * sizes[d];
            if (bytes < bestBytes && runs[d].smallestAtLeast(bytes) >= 0) {
                best = d;
                bestBytes = bytes;
            }
        }
        if (best < 0) {
            return -1;
        }
        long at = runs[best].takeBestFit(bestBytes);
        int k = (int) (bestBytes / sizes[best]);
        for (int i = 0; i < k; i++) {
            leftList.accept(at + i * sizes[best]);
        }
        served.put(at, new int[] {best, k});
        return at;
    }

    /**
     * Carving: the smallest run of free blocks of any class but {@code c} that holds a block of
     * {@code c}; the fewest of its blocks that hold as many blocks of {@code c} as the run does are
     * taken out of the run (the caller takes them off their class's list). Returns {start, their
     * class, their number, blocks of c they hold}, or null.
     */
    long[] carve(int c) {
        int best = -1;
        long bestLength = Long.MAX_VALUE;
        for (int d = 0; d < sizes.length; d++) {
            long length = d == c ? -1 : runs[d].smallestAtLeast(sizes[c]);
            if (length >= 0 && length < bestLength) {
                best = d;
                bestLength = length;
            }
        }
        if (best < 0) {
            return null;
        }
        long pieces = bestLength / sizes[c];
        long k = (pieces * sizes[c] + sizes[best] - 1) / sizes[best];
        long at = runs[best].takeBestFit(k * sizes[best]);
        return new long[] {at, best, k, k * sizes[best] / sizes[c]};
    }

    /**
     * Leasing: the smallest run of free blocks of any class but {@code c} that holds {@code need}
     * bytes, taken out of its class's runs whole ({@code whole}) or as the fewest of its blocks
     * that hold them. Returns {start, their class, their number}, or null; the caller takes the
     * blocks off their class's list.
     */
    long[] lease(int c, long need, boolean whole) {
        int best = -1;
        long bestLength = Long.MAX_VALUE;
        for (int d = 0; d < sizes.length; d++) {
            long length = d == c ? -1 : runs[d].smallestAtLeast(need);
            if (length >= 0 && length < bestLength) {
                best = d;
                bestLength = length;
            }
        }
        if (best < 0) {
            return null;
        }
        long k = whole ? bestLength / sizes[best] : (need + sizes[best] - 1) / sizes[best];
        return new long[] {runs[best].takeBestFit(k * sizes[best]), best, k};
    }

    /** Where {@link #leaseFirst} goes on: the class it looks at first. */
    private int cursor;

    /**
     * Leasing as hakmem's harvest does it: the lowest run of free blocks of at least {@code need}
     * bytes of the first class, from where the last lease was found, that has one (not the
     * smallest of all classes), taken whole. Returns {start, its class, its blocks}, or null.
     */
    long[] leaseFirst(int c, long need) {
        for (int k = 0; k < sizes.length; k++) {
            int d = (cursor + k) % sizes.length;
            if (d == c) {
                continue;
            }
            long at = runs[d].firstAtLeast(need);
            if (at >= 0) {
                cursor = d;
                long length = runs[d].lengthAt(at);
                runs[d].take(at, length);
                return new long[] {at, d, length / sizes[d]};
            }
        }
        return null;
    }

    /** Whether {@code start} is a run this filler handed out. */
    boolean served(long start) {
        return served.containsKey(start);
    }

    /** Frees the run at {@code start}: returns {class, blocks}; the caller puts each block back on its class's list. */
    int[] release(long start) {
        return served.remove(start);
    }
}
