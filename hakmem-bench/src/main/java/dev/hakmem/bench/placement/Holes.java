package dev.hakmem.bench.placement;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * Free byte ranges of a model space, merged with their free neighbours: added ranges coalesce,
 * best fit takes the smallest range that holds a request (of equal ones the most recently
 * formed) and leaves its rest, and a given sub-range can be taken out of the range that holds it.
 *
 * <pre>
 * |--used--|=====hole=====|--used--|==hole==|
 *          ^ starts: start -&gt; length, bySize: length -&gt; starts (a stack)
 * </pre>
 */
final class Holes {

    private final TreeMap<Long, Long> starts = new TreeMap<>();
    private final TreeMap<Long, ArrayDeque<Long>> bySize = new TreeMap<>();

    /** Adds the free range {@code [start, start + length)}, merged with the holes next to it; returns the merged hole's start. */
    long add(long start, long length) {
        long from = start;
        long len = length;
        Map.Entry<Long, Long> before = starts.floorEntry(start);
        if (before != null && before.getKey() + before.getValue() == start) {
            unlink(before.getKey(), before.getValue());
            from = before.getKey();
            len += before.getValue();
        } else if (before != null && before.getKey() + before.getValue() > start) {
            throw new IllegalStateException("[" + start + ", +" + length + ") overlaps the hole at " + before.getKey());
        }
        Map.Entry<Long, Long> next = starts.higherEntry(start);
        if (next != null && next.getKey() < start + length) {
            throw new IllegalStateException("[" + start + ", +" + length + ") overlaps the hole at " + next.getKey());
        }
        Long after = starts.get(start + length);
        if (after != null) {
            unlink(start + length, after);
            len += after;
        }
        link(from, len);
        return from;
    }

    /** Length of the hole starting at {@code start}, or 0. */
    long lengthAt(long start) {
        Long len = starts.get(start);
        return len == null ? 0 : len;
    }

    /** Removes the whole hole at {@code start} (of length {@link #lengthAt}). */
    void remove(long start) {
        unlink(start, starts.get(start));
    }

    /** Takes {@code [start, start + length)}, which must lie inside one hole, out of it. */
    void take(long start, long length) {
        Map.Entry<Long, Long> h = starts.floorEntry(start);
        if (h == null || h.getKey() + h.getValue() < start + length) {
            throw new IllegalStateException("[" + start + ", +" + length + ") is not inside a hole");
        }
        long hs = h.getKey();
        long hl = h.getValue();
        unlink(hs, hl);
        if (start > hs) {
            link(hs, start - hs);
        }
        if (start + length < hs + hl) {
            link(start + length, hs + hl - start - length);
        }
    }

    /** Takes {@code need} bytes from the start of the smallest hole that holds them; returns their start, or -1. */
    long takeBestFit(long need) {
        Map.Entry<Long, ArrayDeque<Long>> fit = bySize.ceilingEntry(need);
        if (fit == null) {
            return -1;
        }
        long at = fit.getValue().peek();
        take(at, need);
        return at;
    }

    /** Whether {@code [start, start + length)} lies inside one hole. */
    boolean covers(long start, long length) {
        Map.Entry<Long, Long> h = starts.floorEntry(start);
        return h != null && h.getKey() + h.getValue() >= start + length;
    }

    /** Start of the lowest hole of at least {@code need} bytes, or -1 (a scan in address order). */
    long firstAtLeast(long need) {
        for (Map.Entry<Long, Long> h : starts.entrySet()) {
            if (h.getValue() >= need) {
                return h.getKey();
            }
        }
        return -1;
    }

    /** Length of the smallest hole of at least {@code need} bytes, or -1. */
    long smallestAtLeast(long need) {
        Long len = bySize.ceilingKey(need);
        return len == null ? -1 : len;
    }

    /** Holes now. */
    int count() {
        return starts.size();
    }

    private void link(long start, long len) {
        bySize.computeIfAbsent(len, k -> new ArrayDeque<>()).push(start);
        starts.put(start, len);
    }

    private void unlink(long start, long len) {
        ArrayDeque<Long> same = bySize.get(len);
        same.remove(start);
        if (same.isEmpty()) {
            bySize.remove(len);
        }
        starts.remove(start);
    }
}
