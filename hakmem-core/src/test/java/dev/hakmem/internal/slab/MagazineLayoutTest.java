package dev.hakmem.internal.slab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The magazine array's layout: each class takes the room of its own largest capacity (the one it
 * may grow to in a burst, plus its header and push counter), classes one after another, and every index fits the owner entry of a slab.
 */
class MagazineLayoutTest {

    @Test
    void everyClassHasTheRoomOfItsLargestCapacityAndNoMore() {
        assertEquals(1, Magazines.base(0), "the owner word comes first");
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            int end = c + 1 < SizeClasses.COUNT ? Magazines.base(c + 1) : Magazines.SLOTS;
            assertEquals(SizeClasses.burstCapacity(c) + 2, end - Magazines.base(c), "class " + c);
            assertTrue(SizeClasses.burstCapacity(c) >= SizeClasses.cacheCapacity(c), "class " + c);
            assertEquals(c, Magazines.classOfBase(Magazines.base(c)), "class " + c);
        }
        long[] m = Magazines.create();
        assertEquals(Magazines.SLOTS, m.length);
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            assertEquals(0, Magazines.count(m, c));
            assertEquals(SizeClasses.cacheCapacity(c), Magazines.capacity(m[Magazines.base(c)]));
        }
    }

    @Test
    void everySmallSizeFindsTheMagazineOfItsClassInOneLoad() {
        for (long size = 0; size <= SizeClasses.MAX_SMALL; size++) {
            int c = SizeClasses.classOf(size);
            assertEquals(Magazines.base(c), Magazines.baseOfSmall(size), "size " + size);
            assertTrue(SizeClasses.size(c) >= size, "size " + size + " in class " + c);
        }
    }

    @Test
    void aFullMagazineRefusesAPushAndLeavesItsNeighbourAlone() {
        long[] m = Magazines.create();
        int c = 3;
        int b = Magazines.base(c);
        int cap = SizeClasses.cacheCapacity(c);
        for (int k = 0; k < cap; k++) {
            assertTrue(Magazines.push(m, b, 0x1000L * (k + 1)));
        }
        assertTrue(!Magazines.push(m, b, 0x9999_0000L), "pushed past the capacity");
        assertEquals(cap, Magazines.count(m, c));
        assertEquals(0, Magazines.count(m, c + 1));
        assertEquals(SizeClasses.cacheCapacity(c + 1), Magazines.capacity(m[Magazines.base(c + 1)]));
    }

    /** Capacities of 4,096 for every class: indices past 16 bits, which a slab's owner entry must still hold. */
    @Test
    void theLargestCapacitiesStillFitTheOwnerEntries() throws Exception {
        ChildRuns.runOk(MagazineLayoutChild.class, "OK slots=", "-Dhakmem.cacheCapacity=4096");
    }
}
