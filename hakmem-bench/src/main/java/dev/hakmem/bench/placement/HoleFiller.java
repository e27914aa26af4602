package dev.hakmem.bench.placement;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * A coalescing fallback for a segregated placement: it knows every free block of every class as
 * byte ranges, merged with free neighbours whatever their class, and serves a request whose own
 * class would otherwise take a new span by best fit from those holes. A block it serves this way
 * is variable-sized (rounded to 16 bytes); the class blocks under it leave their free lists for
 * good (their bytes come back as holes when it is freed).
 *
 * <pre>
 * span of class A:  |A live|A free|A free|A live|      free class blocks: blocks (start -&gt; length)
 * span of class B:  |B free|B live|B free|B free|      holes: merged runs of free bytes (Holes)
 *                            the holes: [A free A free], [B free], [B free B free]
 * </pre>
 */
final class HoleFiller {

    private final Holes holes = new Holes();
    /** Free class blocks still on their class's free list: start -&gt; length. */
    private final TreeMap<Long, Long> blocks = new TreeMap<>();
    /** Blocks this filler served: start -&gt; length. */
    private final Map<Long, Long> served = new HashMap<>();

    /** A class block of {@code length} bytes at {@code start} was freed onto its class's list. */
    void freed(long start, long length) {
        blocks.put(start, length);
        holes.add(start, length);
    }

    /** The class's list handed out the free block at {@code start}. */
    void taken(long start) {
        holes.take(start, blocks.remove(start));
    }

    /**
     * A block of {@code size} bytes from the holes, or -1 if none is large enough; the class blocks
     * it covers, wholly or in part, leave their lists through {@code leftList}.
     */
    long fill(long size, LongConsumer leftList) {
        long need = BestFitPlacement.rounded(size);
        long at = holes.takeBestFit(need);
        if (at < 0) {
            return -1;
        }
        // the class blocks under [at, at + need) leave their lists
        Map.Entry<Long, Long> e = blocks.floorEntry(at);
        long from = e != null && e.getKey() + e.getValue() > at ? e.getKey() : at;
        Map<Long, Long> under = blocks.subMap(from, true, at + need, false);
        under.keySet().forEach(leftList::accept); // what of them lies outside the fill stays in the holes
        under.clear();
        served.put(at, need);
        return at;
    }

    /** Whether {@code start} is a block this filler served. */
    boolean served(long start) {
        return served.containsKey(start);
    }

    /** Frees a block this filler served. */
    void release(long start) {
        holes.add(start, served.remove(start));
    }
}
