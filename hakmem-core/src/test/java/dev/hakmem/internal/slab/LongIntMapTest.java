package dev.hakmem.internal.slab;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lent-size map against {@link HashMap}: random puts, removes and gets over clustered keys. */
class LongIntMapTest {

    @Test
    void agreesWithAHashMapThroughGrowthAndBackwardShiftDeletes() {
        SplittableRandom r = new SplittableRandom(7);
        LongIntMap m = new LongIntMap();
        Map<Long, Integer> model = new HashMap<>();
        long base = 0x7f00_0000_0000L;
        for (int op = 0; op < 400_000; op++) {
            // addresses 8 bytes apart in a small range: long probe clusters, many deletes inside them
            long k = base + 8L * r.nextInt(op < 200_000 ? 5_000 : 300);
            switch (r.nextInt(3)) {
                case 0 -> {
                    int v = r.nextInt(1 << 20);
                    m.put(k, v);
                    model.put(k, v);
                }
                case 1 -> assertEquals(model.containsKey(k) ? model.remove(k) : -1, m.remove(k), "remove " + k);
                default -> assertEquals(model.getOrDefault(k, -1), m.get(k), "get " + k);
            }
            assertEquals(model.size(), m.size());
        }
        for (Map.Entry<Long, Integer> e : model.entrySet()) {
            assertEquals(e.getValue(), m.get(e.getKey()));
        }
    }

    @Test
    void clearEmptiesIt() {
        LongIntMap m = new LongIntMap();
        m.put(0x1000, 256);
        m.put(0x2000, 512);
        m.clear();
        assertEquals(0, m.size());
        assertEquals(-1, m.get(0x1000));
        m.put(0x1000, 7);
        assertEquals(7, m.get(0x1000));
    }
}
