package dev.hakmem.internal.slab;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A lease's holes ({@link Lease#addHole}, {@link Lease#removeHole}, {@link Lease#holeEndingAt},
 * {@link Lease#holeStartingAt}) against a {@link TreeMap} model: random holes added and removed,
 * every look-up at every 8-byte offset of the lease checked.
 */
class LeaseHolesTest {

    @Test
    void everyLookUpAgreesWithASortedMapThroughRandomAddsAndRemoves() {
        // a lease of 64 blocks of 64 bytes in a span at address 0 (no memory: only the bounds count)
        Span span = new Span(new SuperSlab(0), 0, 1, SizeClasses.classOf(64));
        Lease l = new Lease(span, 10, 64, null);
        int granules = (int) ((l.end - l.start) / 8);
        Random rnd = new Random(5);
        TreeMap<Long, long[]> model = new TreeMap<>(); // start -> {end, record}
        boolean[] taken = new boolean[granules];
        int nextRecord = 0;
        for (int step = 0; step < 20_000; step++) {
            if (model.isEmpty() || rnd.nextInt(2) == 0) {
                int g = rnd.nextInt(granules);
                int n = 1 + rnd.nextInt(6);
                boolean free = g + n <= granules;
                for (int k = g; free && k < g + n; k++) {
                    free = !taken[k];
                }
                if (free) {
                    long a = l.start + 8L * g;
                    int record = nextRecord++;
                    l.addHole(a, 8 * n, record);
                    model.put(a, new long[] {a + 8L * n, record});
                    Arrays.fill(taken, g, g + n, true);
                }
            } else {
                Long[] starts = model.keySet().toArray(new Long[0]);
                long a = starts[rnd.nextInt(starts.length)];
                long[] h = model.remove(a);
                l.removeHole(a);
                Arrays.fill(taken, (int) ((a - l.start) / 8), (int) ((h[0] - l.start) / 8), false);
            }
            assertEquals(model.size(), l.holeCount());
            for (long a = l.start; a <= l.end; a += 8) {
                long[] starting = model.get(a);
                assertEquals(starting == null ? -1 : (int) starting[1], l.holeStartingAt(a), "step " + step + ": a hole starting at " + a);
                int ending = -1;
                Map.Entry<Long, long[]> below = model.lowerEntry(a);
                if (below != null && below.getValue()[0] == a) {
                    ending = (int) below.getValue()[1];
                }
                assertEquals(ending, l.holeEndingAt(a), "step " + step + ": a hole ending at " + a);
            }
        }
    }
}
