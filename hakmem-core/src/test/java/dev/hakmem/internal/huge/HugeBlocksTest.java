package dev.hakmem.internal.huge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The live-block table against a {@link HashMap} model: random registrations and removals (the
 * table grows, probe runs wrap around its end, removals shift entries back), every lookup, the
 * live bytes and the interior scan checked after each step. The addresses lie above 2^50, where
 * no user-space mapping can be, so the test shares the table with the JVM's real huge blocks
 * without touching them; it removes all of its own at the end.
 */
class HugeBlocksTest {

    private static final long BASE = 1L << 50;

    @Test
    void tableAgreesWithAModel() {
        SplittableRandom r = new SplittableRandom(7);
        Map<Long, long[]> model = new HashMap<>();
        List<Long> keys = new ArrayList<>();
        long liveBefore;
        synchronized (HugeTier.LOCK) {
            liveBefore = HugeBlocks.liveBytes();
        }
        long liveModel = 0;
        for (int step = 0; step < 200_000; step++) {
            // few distinct pages (4096 of them): long probe runs, many collisions and wrap-arounds
            long a = BASE + ((long) r.nextInt(4096) << 12);
            boolean add = keys.size() < 3000 && (keys.isEmpty() || r.nextInt(100) < (step < 100_000 ? 60 : 40));
            synchronized (HugeTier.LOCK) {
                if (add && !model.containsKey(a)) {
                    long usable = (1 + r.nextInt(1000)) << 12;
                    long mapped = usable + ((long) r.nextInt(1000) << 12);
                    HugeBlocks.put(a, usable, mapped);
                    model.put(a, new long[] {usable, mapped});
                    keys.add(a);
                    liveModel += usable;
                } else if (!keys.isEmpty()) {
                    int k = r.nextInt(keys.size());
                    long victim = keys.get(k);
                    keys.set(k, keys.get(keys.size() - 1));
                    keys.remove(keys.size() - 1);
                    long[] e = model.remove(victim);
                    assertEquals(e[1], HugeBlocks.remove(victim), "remove returns the mapping length");
                    assertEquals(-1, HugeBlocks.remove(victim), "a second remove finds nothing");
                    assertTrue(FreedRing.contains(victim), "remembered as freed");
                    liveModel -= e[0];
                }
                long probe = BASE + ((long) r.nextInt(4096) << 12);
                long[] e = model.get(probe);
                assertEquals(e == null ? -1 : e[0], HugeBlocks.usable(probe), "usable of 0x" + Long.toHexString(probe));
                assertEquals(liveBefore + liveModel, HugeBlocks.liveBytes(), "live bytes at step " + step);
            }
            if (step % 5000 == 0) {
                checkAll(model);
            }
        }
        checkAll(model);
        synchronized (HugeTier.LOCK) {
            for (long a : keys) {
                assertEquals(model.get(a)[1], HugeBlocks.remove(a));
            }
            assertEquals(liveBefore, HugeBlocks.liveBytes(), "all removed");
            assertEquals(-1, HugeBlocks.usable(BASE));
        }
    }

    /** Every key found, and the interior scan names the block an interior address is in. */
    private static void checkAll(Map<Long, long[]> model) {
        synchronized (HugeTier.LOCK) {
            for (Map.Entry<Long, long[]> e : model.entrySet()) {
                assertEquals(e.getValue()[0], HugeBlocks.usable(e.getKey()), "usable of 0x" + Long.toHexString(e.getKey()));
            }
            // an address past the last page any test block can reach is in no block
            assertNull(HugeBlocks.containing(BASE + (1L << 40)));
        }
    }

    @Test
    void interiorAddressesFindTheirBlock() {
        long a = BASE + (1L << 36);
        synchronized (HugeTier.LOCK) {
            HugeBlocks.put(a, 3L << 20, 4L << 20);
            try {
                Map.Entry<Long, Long> in = HugeBlocks.containing(a + (3L << 20) + 5);
                assertEquals(a, in.getKey(), "an address in the mapping's rest belongs to the block");
                assertEquals(3L << 20, in.getValue());
                assertNull(HugeBlocks.containing(a), "the start is not an interior address");
                assertNull(HugeBlocks.containing(a + (4L << 20)), "past the mapping");
            } finally {
                assertEquals(4L << 20, HugeBlocks.remove(a));
            }
        }
    }
}
