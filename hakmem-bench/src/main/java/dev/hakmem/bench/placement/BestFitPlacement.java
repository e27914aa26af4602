package dev.hakmem.bench.placement;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Best fit with immediate coalescing, as a coalescing allocator (glibc's, without its chunk
 * headers) places blocks: requests are rounded up to 16 bytes; a request takes the smallest free
 * chunk that holds it (of equal ones, the most recently freed) and leaves the rest of the chunk
 * free; a freed block merges with free neighbours on both sides; a request no chunk holds is cut
 * from the top of the space, and a free chunk that reaches the top lowers it.
 *
 * <pre>
 * |--live--|====free====|--live--|-live-|=====free=====| top
 *          ^ bySize[len] holds start; starts: start -&gt; len; ends: start + len -&gt; start
 * </pre>
 */
public final class BestFitPlacement implements Placement {

    private static final long GRANULE = 16;

    private final TreeMap<Long, ArrayDeque<Long>> bySize = new TreeMap<>();
    private final Map<Long, Long> starts = new HashMap<>();
    private final Map<Long, Long> ends = new HashMap<>();
    private long top;

    /** @param base start of the model space it cuts chunks from */
    public BestFitPlacement(long base) {
        this.top = base;
    }

    @Override
    public String name() {
        return "best fit, coalescing";
    }

    static long rounded(long size) {
        return (size + GRANULE - 1) & -GRANULE;
    }

    @Override
    public long place(long size) {
        long need = rounded(size);
        Map.Entry<Long, ArrayDeque<Long>> fit = bySize.ceilingEntry(need);
        if (fit == null) {
            long a = top;
            top += need;
            return a;
        }
        long len = fit.getKey();
        long a = fit.getValue().peek();
        unlink(a, len);
        if (len > need) {
            link(a + need, len - need);
        }
        return a;
    }

    @Override
    public void release(long address, long size) {
        long from = address;
        long len = rounded(size);
        Long before = ends.get(from);
        if (before != null) {
            long l = starts.get(before);
            unlink(before, l);
            from = before;
            len += l;
        }
        Long after = starts.get(from + len);
        if (after != null) {
            unlink(from + len, after);
            len += after;
        }
        if (from + len == top) {
            top = from;
        } else {
            link(from, len);
        }
    }

    /** Free chunks now (for tests). */
    int freeChunks() {
        return starts.size();
    }

    /** The top of the space (for tests). */
    long top() {
        return top;
    }

    private void link(long start, long len) {
        bySize.computeIfAbsent(len, k -> new ArrayDeque<>()).push(start);
        starts.put(start, len);
        ends.put(start + len, start);
    }

    private void unlink(long start, long len) {
        ArrayDeque<Long> same = bySize.get(len);
        same.remove(start);
        if (same.isEmpty()) {
            bySize.remove(len);
        }
        starts.remove(start);
        ends.remove(start + len);
    }
}
