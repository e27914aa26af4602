package dev.hakmem.internal.slab;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Leases}, a span's leases in address order, against a {@link TreeMap} model: random adds and removes, every look-up checked. */
class LeasesTest {

    @Test
    void everyLookUpAgreesWithASortedMapThroughRandomAddsAndRemoves() {
        // a span of 48-byte blocks at address 0 (no memory: the leases only need its base and block size)
        Span span = new Span(new SuperSlab(0), 0, 1, SizeClasses.classOf(48));
        assertEquals(48, span.blockSize);
        Random rnd = new Random(42);
        for (int trial = 0; trial < 20; trial++) {
            Leases leases = new Leases();
            TreeMap<Long, Lease> model = new TreeMap<>();
            boolean[] taken = new boolean[span.capacity];
            for (int step = 0; step < 2000; step++) {
                if (model.isEmpty() || rnd.nextInt(3) > 0) {
                    int first = rnd.nextInt(span.capacity);
                    int blocks = 1 + rnd.nextInt(4);
                    boolean free = first + blocks <= span.capacity;
                    for (int b = first; free && b < first + blocks; b++) {
                        free = !taken[b];
                    }
                    if (free) {
                        Lease l = new Lease(span, first, blocks, null);
                        for (int b = first; b < first + blocks; b++) {
                            taken[b] = true;
                        }
                        leases.add(l);
                        model.put(l.start, l);
                    }
                } else {
                    List<Lease> all = new ArrayList<>(model.values());
                    Lease l = all.get(rnd.nextInt(all.size()));
                    assertTrue(leases.contains(l));
                    leases.remove(l);
                    model.remove(l.start);
                    assertFalse(leases.contains(l));
                    for (int b = l.firstBlock; b < l.firstBlock + l.blocks; b++) {
                        taken[b] = false;
                    }
                }
                assertEquals(model.size(), leases.size());
                assertEquals(model.isEmpty(), leases.isEmpty());
                for (int k = 0; k < 8; k++) {
                    long a = span.base - 64 + rnd.nextInt(48 * span.capacity + 128);
                    Map.Entry<Long, Lease> floor = model.floorEntry(a);
                    assertSame(floor == null ? null : floor.getValue(), leases.floor(a), "floor of " + a);
                    assertSame(floor != null && a < floor.getValue().end ? floor.getValue() : null, leases.at(a), "at " + a);
                    Map.Entry<Long, Lease> lower = model.lowerEntry(a);
                    assertSame(lower == null ? null : lower.getValue(), leases.below(a), "below " + a);
                    Map.Entry<Long, Lease> higher = model.higherEntry(a);
                    assertSame(higher == null ? null : higher.getValue(), leases.above(a), "above " + a);
                    long to = a + rnd.nextInt(4096);
                    List<Lease> expected = new ArrayList<>();
                    Long from = model.floorKey(a);
                    expected.addAll(model.subMap(from != null ? from : a, true, to, false).values());
                    List<Lease> got = new ArrayList<>();
                    leases.from(a, to).forEach(got::add);
                    assertEquals(expected, got, "leases from " + a + " to " + to);
                }
                List<Lease> all = new ArrayList<>();
                leases.forEach(all::add);
                assertEquals(new ArrayList<>(model.values()), all);
            }
        }
        assertNull(new Leases().floor(span.base));
    }
}
