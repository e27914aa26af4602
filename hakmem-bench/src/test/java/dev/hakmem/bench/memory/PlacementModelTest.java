package dev.hakmem.bench.memory;

import dev.hakmem.bench.placement.Placement;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The placement model on the real drivers, at a fiftieth of their volume. */
class PlacementModelTest {

    private static final double SCALE = 0.02;

    @Test
    void classesAreHakmemsUpTo32KiB() {
        long[] c = PlacementModelMain.hakmemClasses();
        assertEquals(8, c[0]);
        assertEquals(32768, c[c.length - 1]);
        assertEquals(73, c.length); // 33 tiny, 40 mid
    }

    @Test
    void fragRefillNeedsCoalescingToApproachGlibc() throws InterruptedException {
        Map<String, Supplier<Placement>> p = PlacementModelMain.policies();
        MemoryDriver d = MemoryDrivers.byName("frag-refill");
        double segregated = PlacementModelMain.peakOverLive(d, p.get("segregated").get(), SCALE, 42);
        double spill = PlacementModelMain.peakOverLive(d, p.get("spill2").get(), SCALE, 42);
        double bestFit = PlacementModelMain.peakOverLive(d, p.get("bestfit").get(), SCALE, 42);
        // pages overlapped by disjoint blocks hold at least their bytes: every ratio is at least 1
        assertTrue(bestFit >= 1 && bestFit < spill && spill < segregated,
                "best fit " + bestFit + " < spill " + spill + " < segregated " + segregated);
        assertTrue(segregated - bestFit > 0.3, "the random frees leave holes only coalescing refills: " + segregated + " vs " + bestFit);
        double fill = PlacementModelMain.peakOverLive(d, p.get("fill").get(), SCALE, 42);
        assertTrue(fill < spill && fill - bestFit < 0.1,
                "filling holes across classes before growth comes near best fit: " + fill + " vs " + bestFit);
        double lease = PlacementModelMain.peakOverLive(d, p.get("lease").get(), SCALE, 42);
        double split = PlacementModelMain.peakOverLive(d, p.get("split").get(), SCALE, 42);
        double carve = PlacementModelMain.peakOverLive(d, p.get("carve").get(), SCALE, 42);
        assertTrue(Math.abs(lease - fill) < 0.05,
                "leasing runs of free blocks and lending them byte by byte does what the fill does: " + lease + " vs " + fill);
        assertTrue(split - lease > 0.1 && carve - lease > 0.1,
                "pieces held by their class until all are free keep most of the holes: split " + split + ", carve " + carve
                        + ", lease " + lease);
    }

    @Test
    void fragPhasesSurvivorsPinPagesWhateverThePlacement() throws InterruptedException {
        Map<String, Supplier<Placement>> p = PlacementModelMain.policies();
        MemoryDriver d = MemoryDrivers.byName("frag-phases");
        for (String name : p.keySet()) {
            double r = PlacementModelMain.peakOverLive(d, p.get(name).get(), SCALE, 42);
            assertTrue(r > 1.5, name + ": " + r);
        }
    }
}
