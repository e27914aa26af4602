package dev.hakmem.bench.placement;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Size-segregated placement, as hakmem's slab tiers place blocks: a request takes a block of the
 * smallest class that holds it; a freed block serves only its own class again (the most recently
 * freed first, as a thread cache pops); a class without free blocks carves the next block of its
 * current span, and a class whose span is used up takes a new span from the top of the space.
 * A span is the fewest 64 KiB slabs that hold at least eight blocks and waste at most 1/32 of
 * themselves (at most 32 slabs), as hakmem's tiny and mid spans.
 *
 * <p>With a spill factor {@code f > 1}: a class that would take a new span first takes a free
 * block of the smallest larger class, of at most {@code f} times the request, that has one (the
 * hole of a larger class instead of fresh memory); freed, the block goes back to the class of its
 * span.
 *
 * <p>{@link #fillingHoles()}: a class that would take a new span (after any spill) first takes a
 * block of just its request (rounded to 16 bytes) by best fit from the free blocks of all classes,
 * merged with their free neighbours ({@link HoleFiller}): segregated while a class has blocks of
 * its own, coalescing only where it would grow.
 */
public final class SegregatedPlacement implements Placement {

    private static final int SLAB = 1 << 16;

    private final long[] sizes;
    private final long[] spanBytes;
    private final double spill;
    private final long[][] free;
    private final int[] count;
    private final long[] next;
    private final long[] end;
    private final long base;
    private long top;
    private HoleFiller filler;
    private RunFiller runs;
    /**
     * Splitting and carving: piece -&gt; its parent; parent -&gt; {parent blocks' class, pieces' class,
     * pieces, pieces free, parent blocks}.
     */
    private Map<Long, Long> pieceOf;
    private Map<Long, int[]> parents;
    private boolean carve;
    private LeaseFiller lease;
    /**
     * Blocks that a filler took while they were on their class's free list, with how many of the
     * list's entries for each to skip (a block taken, given back and taken again has two).
     */
    private final Map<Long, Integer> stale = new HashMap<>();
    /** Bytes left unused between spans in the model space, so that no hole runs from one span into the next. */
    private long spanGap;
    /** Class of the span each 64 KiB slab from {@code base} belongs to. */
    private short[] slabClass = new short[1024];

    /**
     * @param classSizes block sizes of the classes, ascending; the last is the largest request placed
     * @param spill      largest factor of the request a spilled block may have (1: no spill)
     * @param base       start of the model space the spans are taken from
     */
    public SegregatedPlacement(long[] classSizes, double spill, long base) {
        if (classSizes.length == 0 || spill < 1) {
            throw new IllegalArgumentException("classes " + classSizes.length + ", spill " + spill);
        }
        this.sizes = classSizes.clone();
        this.spill = spill;
        this.spanBytes = new long[sizes.length];
        for (int c = 0; c < sizes.length; c++) {
            if (c > 0 && sizes[c] <= sizes[c - 1]) {
                throw new IllegalArgumentException("class sizes must ascend: " + Arrays.toString(classSizes));
            }
            spanBytes[c] = spanBytes(sizes[c]);
        }
        this.free = new long[sizes.length][16];
        this.count = new int[sizes.length];
        this.next = new long[sizes.length];
        this.end = new long[sizes.length];
        this.base = base;
        this.top = base;
    }

    /** The fewest slabs holding at least eight blocks of {@code size} with at most 1/32 of the span unused (32 slabs at most). */
    static long spanBytes(long size) {
        for (long slabs = 1; slabs < 32; slabs++) {
            long bytes = slabs * SLAB;
            long blocks = bytes / size;
            if (blocks >= 8 && bytes - blocks * size <= bytes / 32) {
                return bytes;
            }
        }
        return 32L * SLAB;
    }

    /** This placement, filling holes across classes before a class takes a new span (see the class comment). */
    public SegregatedPlacement fillingHoles() {
        filler = new HoleFiller();
        return this;
    }

    /** This placement, with its spans a slab apart: holes then never merge across the end of a span. */
    public SegregatedPlacement spansApart() {
        spanGap = SLAB;
        return this;
    }

    /**
     * This placement, filling a class's growth with a run of free blocks of a smaller class (see
     * {@link RunFiller}); spans are then apart ({@link #spansApart()}), so runs stay inside one.
     */
    public SegregatedPlacement fillingRuns() {
        runs = new RunFiller(sizes);
        return spansApart();
    }

    /**
     * This placement, splitting before a class takes a new span: the class takes a free block of the
     * smallest larger class that has one (not itself a piece) and cuts it into as many blocks of its
     * own size as fit; the pieces serve the class like its own blocks, and when all of them are free
     * again the parent block goes back to its class. An allocator would need per parent block only
     * its pieces' class and a count, and no merging of neighbours.
     */
    public SegregatedPlacement splittingBlocks() {
        pieceOf = new HashMap<>();
        parents = new HashMap<>();
        return this;
    }

    /**
     * This placement, carving before a class takes a new span: the class takes the smallest run of
     * consecutive free blocks of another class inside one span that holds one of its blocks, and
     * cuts as many of its blocks out of the run as fit (the run's blocks leave their class until
     * every piece is free again). Needs per carved run its pieces' class and a count, and a span's
     * map of free blocks to find runs in.
     */
    public SegregatedPlacement carvingRuns() {
        carve = true;
        runs = new RunFiller(sizes);
        spansApart();
        return splittingBlocks();
    }

    /**
     * This placement, lending runs of free blocks out byte by byte before a class takes a new span
     * (see {@link LeaseFiller}); {@code whole}: a lease takes the whole run it is cut from.
     */
    public SegregatedPlacement leasingRuns(boolean whole) {
        return leasingRuns(whole, false, false);
    }

    /**
     * {@link #leasingRuns(boolean)} with whole runs, and as hakmem's lending differs from the
     * model's: the first run found rather than the smallest ({@code first}), blocks of the class's
     * size rather than the request's ({@code classSize}).
     */
    public SegregatedPlacement leasingRuns(boolean whole, boolean first, boolean classSize) {
        runs = new RunFiller(sizes);
        lease = new LeaseFiller(sizes, runs, whole, first, classSize);
        return spansApart();
    }

    @Override
    public String name() {
        return "segregated" + (spill > 1 ? ", spill up to " + spill + "x" : "")
                + (filler != null ? ", holes of all classes filled (best fit) before a new span" : "")
                + (lease != null ? ", runs of free blocks leased and lent byte by byte before a new span" : "")
                + (runs != null && lease == null && !carve ? ", runs of a smaller class's free blocks before a new span" : "")
                + (carve ? ", a run of another class's free blocks carved before a new span"
                        : parents != null ? ", a larger class's free block split before a new span" : "")
                + (spanGap > 0 ? " (holes inside one span)" : "");
    }

    /** The class of a request of {@code size} bytes. */
    int classOf(long size) {
        int c = Arrays.binarySearch(sizes, size);
        c = c >= 0 ? c : -c - 1;
        if (c == sizes.length) {
            throw new IllegalArgumentException(size + " bytes: above the largest class, " + sizes[sizes.length - 1]);
        }
        return c;
    }

    @Override
    public long place(long size) {
        int c = classOf(size);
        long a = pop(c);
        if (a >= 0) {
            return a;
        }
        if (next[c] >= end[c]) {
            for (int d = c + 1; d < sizes.length && sizes[d] <= spill * size; d++) {
                a = pop(d);
                if (a >= 0) {
                    return a;
                }
            }
            if (filler != null && (a = filler.fill(size, this::leftList)) >= 0) {
                return a;
            }
            if (lease != null) {
                if ((a = lease.fill(c, size, this::leftList)) >= 0) {
                    return a;
                }
            } else if (carve) {
                if ((a = carve(c)) >= 0) {
                    return a;
                }
            } else if (runs != null && (a = runs.fill(c, size, this::leftList)) >= 0) {
                return a;
            }
            if (parents != null && !carve && (a = split(c)) >= 0) {
                return a;
            }
            next[c] = top;
            end[c] = top + spanBytes[c] / sizes[c] * sizes[c];
            recordSpan(top, spanBytes[c], c);
            top += spanBytes[c] + spanGap;
        }
        a = next[c];
        next[c] += sizes[c];
        return a;
    }

    /** A piece of a split free block of a larger class, the rest of its pieces on class {@code c}'s list; or -1. */
    private long split(int c) {
        for (int d = c + 1; d < sizes.length; d++) {
            long p = pop(d);
            if (p < 0) {
                continue;
            }
            if (pieceOf.containsKey(p)) { // pieces are not split again
                push(d, p);
                pieceTaken(p, -1); // push counted it free again
                continue;
            }
            return cutIntoPieces(p, d, 1, c, (int) (sizes[d] / sizes[c]));
        }
        return -1;
    }

    /** Pieces of class {@code c} carved out of a run of free blocks of another class (see {@link #carvingRuns()}); or -1. */
    private long carve(int c) {
        long[] r = runs.carve(c);
        if (r == null) {
            return -1;
        }
        long at = r[0];
        int d = (int) r[1];
        int k = (int) r[2];
        int n = (int) r[3];
        for (int j = 0; j < k; j++) {
            leftList(d, at + j * sizes[d]);
        }
        return cutIntoPieces(at, d, k, c, n);
    }

    /**
     * Makes the {@code k} blocks of class {@code d} at {@code parent} (off their list) {@code n}
     * pieces of class {@code c}: the first is returned, the others go on the class's list.
     */
    private long cutIntoPieces(long parent, int d, int k, int c, int n) {
        parents.put(parent, new int[] {d, c, n, 0, k});
        for (int i = 0; i < n; i++) {
            pieceOf.put(parent + i * sizes[c], parent);
        }
        for (int i = n - 1; i >= 1; i--) {
            push(c, parent + i * sizes[c]);
            pieceTaken(parent + i * sizes[c], -1);
        }
        return parent;
    }

    /** Adjusts the free-piece count of {@code piece}'s parent by {@code -delta} if it is a piece. */
    private void pieceTaken(long piece, int delta) {
        Long parent = pieceOf.get(piece);
        if (parent != null) {
            parents.get(parent)[3] -= delta;
        }
    }

    /** The most recently freed block of class {@code c} that is still free, or -1. */
    private long pop(int c) {
        while (count[c] > 0) {
            long a = free[c][--count[c]];
            if (!skipStale(c, a)) {
                if (filler != null) {
                    filler.taken(a);
                }
                if (parents != null && pieceOf.containsKey(a)) {
                    pieceTaken(a, 1);
                } else if (runs != null) {
                    runs.taken(c, a);
                }
                return a;
            }
        }
        return -1;
    }

    /** Whether this entry of block {@code a} on its class's list is stale (a filler took the block): then it is used up. */
    private boolean skipStale(int c, long a) {
        long key = staleKey(c, a);
        Integer n = stale.get(key);
        if (n == null) {
            return false;
        }
        if (n == 1) {
            stale.remove(key);
        } else {
            stale.put(key, n - 1);
        }
        return true;
    }

    /** A filler took block {@code a} while it was on its class's list: the list skips one entry of it. */
    private void leftList(long a) {
        leftList(classAt(a), a);
    }

    /** Block {@code a} left the list of class {@code c} while on it: the list skips one entry of it. */
    private void leftList(int c, long a) {
        stale.merge(staleKey(c, a), 1, Integer::sum);
    }

    /** The key of block {@code a} on the list of class {@code c} (a block can be on two lists: a piece and its parent start alike). */
    private static long staleKey(int c, long a) {
        return a | (long) c << 48;
    }

    @Override
    public void release(long address, long size) {
        if (filler != null && filler.served(address)) {
            filler.release(address);
            return;
        }
        if (lease != null && lease.served(address)) {
            for (long[] l : lease.release(address)) {
                int d = (int) l[1];
                for (int j = 0; j < l[2]; j++) {
                    push(d, l[0] + j * sizes[d]);
                }
            }
            return;
        }
        if (runs != null && runs.served(address)) {
            int[] run = runs.release(address);
            for (int i = 0; i < run[1]; i++) {
                push(run[0], address + i * sizes[run[0]]);
            }
            return;
        }
        if (parents != null && pieceOf.containsKey(address)) {
            long parent = pieceOf.get(address);
            int[] r = parents.get(parent);
            push(r[1], address);
            pieceTaken(address, -1);
            if (r[3] == r[2]) { // every piece free: the parent goes back to its class
                for (int i = 0; i < r[2]; i++) {
                    long piece = parent + i * sizes[r[1]];
                    pieceOf.remove(piece);
                    leftList(r[1], piece);
                }
                parents.remove(parent);
                for (int j = 0; j < r[4]; j++) {
                    push(r[0], parent + j * sizes[r[0]]);
                }
            }
            return;
        }
        push(classAt(address), address); // a spilled block goes back to the class of its span
    }

    /** Puts free block {@code address} of class {@code c} on the class's list. */
    private void push(int c, long address) {
        if (count[c] == free[c].length) {
            free[c] = Arrays.copyOf(free[c], count[c] * 2);
        }
        free[c][count[c]++] = address;
        if (filler != null) {
            filler.freed(address, sizes[c]);
        }
        if (runs != null && (pieceOf == null || !pieceOf.containsKey(address))) {
            runs.freed(c, address);
        }
    }

    /** Records that the slabs of {@code [from, from + bytes)} make a span of class {@code c}. */
    private void recordSpan(long from, long bytes, int c) {
        int last = (int) ((from + bytes - base) >>> 16);
        if (last > slabClass.length) {
            slabClass = Arrays.copyOf(slabClass, Math.max(last, slabClass.length * 2));
        }
        Arrays.fill(slabClass, (int) ((from - base) >>> 16), last, (short) c);
    }

    /** The class of the span that holds {@code address}. */
    int classAt(long address) {
        long slab = (address - base) >>> 16;
        if (address < base || address >= top) {
            throw new IllegalArgumentException("0x" + Long.toHexString(address) + " is not in a span of this placement");
        }
        return slabClass[(int) slab];
    }
}
