package dev.hakmem.bench.placement;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A fallback for a segregated placement that lends runs of free blocks out byte by byte: a
 * request whose class would take a new span is served by best fit from the free bytes of the
 * leases taken so far (its size rounded to 16 bytes); when none holds it, the smallest run of
 * free blocks of another class that does becomes a new lease (its blocks leave their class).
 * Freed, a lent block's bytes merge with the free bytes around it; a lease whose bytes are all
 * free again ends, and its blocks go back to their class.
 *
 * <pre>
 * span of class 1 KiB:  |live|free|free|free|live|       lease: the run of 3 free blocks
 *                             [ 300 | 520 |  ...  ]       lent blocks cut out of it by best fit
 * </pre>
 * What an allocator needs for it: per lease its range and class; per lent block its size; the
 * free bytes of its leases with a best-fit index; a span's map of free blocks to find runs in.
 */
final class LeaseFiller {

    private final long[] sizes;
    private final RunFiller runs;
    private final boolean whole;
    /** Leases as hakmem's harvest finds them ({@link RunFiller#leaseFirst}) rather than the smallest run. */
    private final boolean first;
    /** Lent blocks of their class's size, as hakmem lends them, rather than the request rounded to 16 bytes. */
    private final boolean classSize;
    private final Holes holes = new Holes();
    /** Leases: start -&gt; {length, class, blocks}. */
    private final TreeMap<Long, long[]> leases = new TreeMap<>();
    /** Blocks lent: start -&gt; length. */
    private final Map<Long, Long> served = new HashMap<>();

    /**
     * The runs of free blocks per class are {@code runs}'; {@code whole}: a lease takes its whole
     * run; {@code first}: leases the first run found, as hakmem does; {@code classSize}: lends
     * blocks of the class's size.
     */
    LeaseFiller(long[] sizes, RunFiller runs, boolean whole, boolean first, boolean classSize) {
        this.sizes = sizes;
        this.runs = runs;
        this.whole = whole;
        this.first = first;
        this.classSize = classSize;
    }

    /** Receives the blocks of a new lease, to take them off their class's list. */
    interface ListExit {
        void left(int c, long block);
    }

    /** A block of {@code size} bytes for class {@code c}, or -1 if no lease and no run holds it. */
    long fill(int c, long size, ListExit exit) {
        long need = classSize ? sizes[c] : BestFitPlacement.rounded(size);
        long at = holes.takeBestFit(need);
        if (at < 0) {
            long[] r = first ? runs.leaseFirst(c, need) : runs.lease(c, need, whole);
            if (r == null) {
                return -1;
            }
            int d = (int) r[1];
            for (int j = 0; j < r[2]; j++) {
                exit.left(d, r[0] + j * sizes[d]);
            }
            leases.put(r[0], new long[] {r[2] * sizes[d], d, r[2]});
            holes.add(r[0], r[2] * sizes[d]);
            at = holes.takeBestFit(need);
        }
        served.put(at, need);
        return at;
    }

    /** Whether {@code start} is a block this filler lent. */
    boolean served(long start) {
        return served.containsKey(start);
    }

    /** Frees a lent block; returns the leases that ended, each {start, class, blocks}: their blocks go back to their class. */
    List<long[]> release(long start) {
        long length = served.remove(start);
        holes.add(start, length);
        List<long[]> ended = new ArrayList<>();
        Map.Entry<Long, long[]> e = leases.floorEntry(start + length - 1);
        while (e != null && e.getKey() + e.getValue()[0] > start) {
            long[] l = e.getValue();
            if (holes.covers(e.getKey(), l[0])) {
                holes.take(e.getKey(), l[0]);
                leases.remove(e.getKey());
                ended.add(new long[] {e.getKey(), l[1], l[2]});
            }
            e = leases.lowerEntry(e.getKey());
        }
        return ended;
    }

    /** Leases now (for tests). */
    int leases() {
        return leases.size();
    }
}
