package dev.hakmem.bench.placement;

import dev.hakmem.bench.alloc.BlockTable;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlacementTest {

    private static final long R0 = PageLedger.region(0);

    @Test
    void ledgerCountsEachPageOnceWhileABlockOverlapsIt() {
        PageLedger l = new PageLedger();
        l.add(R0 + 4000, 200);      // pages 0 and 1
        l.add(R0 + 4096 + 8, 16);   // page 1 again
        assertEquals(2, l.pagesInUse());
        l.add(R0 + 5 * 4096, 3 * 4096); // pages 5-7
        assertEquals(5, l.pagesInUse());
        l.remove(R0 + 4000, 200);   // page 0 empties, page 1 keeps the 16-byte block
        assertEquals(4, l.pagesInUse());
        l.remove(R0 + 5 * 4096, 3 * 4096);
        l.remove(R0 + 4096 + 8, 16);
        assertEquals(0, l.pagesInUse());
        assertEquals(5, l.peakPages());
    }

    @Test
    void ledgerRefusesWhatWasNotAdded() {
        PageLedger l = new PageLedger();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> l.remove(R0 + 8192, 64));
        assertEquals("page 2 of region 0 has no live block to remove (64 bytes at 0x2000)", e.getMessage());
        long edge = PageLedger.region(1) - 16;
        assertThrows(IllegalArgumentException.class, () -> l.add(edge, 32));
        assertThrows(IllegalArgumentException.class, () -> PageLedger.region(16));
    }

    @Test
    void bestFitTakesTheSmallestHoleAndCoalescesNeighbours() {
        BestFitPlacement p = new BestFitPlacement(R0);
        long a = p.place(100);   // 112 bytes
        long b = p.place(50);    // 64
        long c = p.place(300);   // 304
        long d = p.place(40);    // 48
        long e = p.place(16);
        assertEquals(R0, a);
        assertEquals(R0 + 112, b);
        assertEquals(R0 + 176, c);
        assertEquals(R0 + 480, d);
        p.release(c, 300);       // a 304-byte hole
        p.release(a, 100);       // a 112-byte hole
        assertEquals(a, p.place(60), "the 112-byte hole is the best fit for 64 bytes");
        assertEquals(R0 + 64, p.place(48), "its 48-byte rest next");
        p.release(b, 50);        // b merges with nothing live on its left, the 304-byte hole on its right
        assertEquals(1, p.freeChunks());
        assertEquals(R0 + 112, p.place(368), "one chunk of 64 + 304 bytes");
        p.release(e, 16);        // the top chunk: the top comes down
        assertEquals(R0 + 528, p.top());
    }

    @Test
    void segregatedReusesOnlyItsOwnClassUnlessItSpills() {
        long[] classes = {16, 32, 64};
        SegregatedPlacement strict = new SegregatedPlacement(classes, 1, R0);
        long x = strict.place(64);
        strict.release(x, 64);
        long y = strict.place(30);
        assertNotEquals(x, y, "a free 64-byte block does not serve a 32-byte class");
        assertEquals(x, strict.place(64), "it serves its own class again");

        SegregatedPlacement spill = new SegregatedPlacement(classes, 2, R0);
        long big = spill.place(64);
        spill.release(big, 64);
        long small = spill.place(32);
        assertEquals(big, small, "the free 64-byte block serves a 32-byte request, 2x at most");
        spill.release(small, 32);
        assertEquals(big, spill.place(64), "freed, it goes back to the 64-byte class");
        long tiny = spill.place(16);
        assertEquals(R0 + 65536, tiny, "32 B is more than 2x 16 B and the 64-byte block is taken: a span of its own");
        assertEquals(2, spill.classAt(big));
        assertEquals(0, spill.classAt(tiny));
    }

    @Test
    void spansHoldEightBlocksAndWasteAtMostAThirtySecond() {
        assertEquals(65536, SegregatedPlacement.spanBytes(16));
        assertEquals(65536, SegregatedPlacement.spanBytes(8192));
        assertEquals(131072, SegregatedPlacement.spanBytes(9216));  // 14 blocks, 2 KiB left over
        assertEquals(262144, SegregatedPlacement.spanBytes(32768));
    }

    @Test
    void modelTablesGiveOneScratchAddressAndCountModelPages() {
        ModelAllocator m = new ModelAllocator(new SegregatedPlacement(new long[] {16, 32768}, 1, R0));
        BlockTable t = m.newTable(4, false);
        long a = t.allocate(0, 16);
        long b = t.allocate(1, 100_000);   // a page run of its own: 25 pages
        assertEquals(a, b);
        assertEquals(a, t.address(1));
        assertEquals(0, t.address(2));
        assertEquals(26L * 4096, m.bytesInUse());
        t.free(1);
        assertEquals(4096, m.bytesInUse());
        assertThrows(IllegalStateException.class, () -> t.free(1));
        assertThrows(IllegalArgumentException.class, () -> t.allocate(2, ModelAllocator.MAX_BLOCK + 1));
        t.free(0);
        assertEquals(0, m.bytesInUse());
        assertEquals(26L * 4096, m.peakBytes());
    }

    @Test
    void holesMergeWithNeighboursAndSplitWhenTaken() {
        Holes h = new Holes();
        h.add(0, 16);
        h.add(32, 16);
        assertEquals(2, h.count());
        assertEquals(0, h.add(16, 16), "merged with the hole before");
        assertEquals(1, h.count());
        assertEquals(48, h.lengthAt(0));
        h.take(16, 16);
        assertEquals(16, h.lengthAt(0));
        assertEquals(16, h.lengthAt(32));
        assertThrows(IllegalStateException.class, () -> h.add(40, 16), "overlaps the hole at 32");
        assertThrows(IllegalStateException.class, () -> h.add(24, 16), "runs into the hole at 32");
        assertThrows(IllegalStateException.class, () -> h.take(8, 16), "not inside one hole");
        h.add(64, 64);
        assertEquals(32, h.takeBestFit(16), "of the three, a 16-byte hole, the most recent first");
        assertEquals(64, h.takeBestFit(20));
        assertEquals(44, h.lengthAt(84), "the rest of the 64-byte hole stays");
        assertEquals(-1, h.takeBestFit(64));
    }

    @Test
    void fillingHolesServesAClassAboutToGrowFromOtherClassesFreeNeighbours() {
        SegregatedPlacement p = new SegregatedPlacement(new long[] {16, 48}, 1, R0).fillingHoles();
        long a0 = p.place(16);
        long a1 = p.place(16);
        long a2 = p.place(16);
        assertEquals(R0 + 32, a2);
        int blocks = (int) (SegregatedPlacement.spanBytes(48) / 48);
        for (int i = 0; i < blocks; i++) {
            p.place(48);  // the 48-byte span is full
        }
        p.release(a1, 16);
        p.release(a0, 16);
        p.release(a2, 16);
        long filled = p.place(40);
        assertEquals(R0, filled, "three free 16-byte neighbours make one 48-byte hole");
        assertEquals(R0 + 48, p.place(16), "the 16-byte blocks under the fill left their list: carved anew");
        p.release(filled, 40);
        assertEquals(R0 + 64, p.place(16), "the fill's bytes are holes again, not 16-byte blocks");
        assertEquals(R0, p.place(48), "and fill the next 48-byte request that would grow");
    }

    @Test
    void runsOfASmallerClassServeAClassAboutToGrowAndGoBackBlockByBlock() {
        SegregatedPlacement p = new SegregatedPlacement(new long[] {16, 48}, 1, R0).fillingRuns();
        long[] small = new long[5];
        for (int i = 0; i < small.length; i++) {
            small[i] = p.place(16);
        }
        int blocks = (int) (SegregatedPlacement.spanBytes(48) / 48);
        for (int i = 0; i < blocks; i++) {
            p.place(48);  // the 48-byte span is full
        }
        p.release(small[0], 16);
        p.release(small[2], 16);
        p.release(small[3], 16);
        p.release(small[4], 16);
        long run = p.place(40);
        assertEquals(small[2], run, "three consecutive free 16-byte blocks: blocks 2-4 (block 0 is alone)");
        p.release(run, 40);
        assertEquals(small[2], p.place(40), "given back and taken again before the list reached its entries");
        assertEquals(small[0], p.place(16), "the list skips both runs' entries for blocks 2-4; block 0 is still the class's");
        assertEquals(R0 + 80, p.place(16), "nothing else on the list: carved anew");
        p.release(run, 40);
        assertEquals(small[4], p.place(16), "given back, the run's blocks are 16-byte blocks again");
        assertEquals(small[3], p.place(16));
        assertEquals(small[2], p.place(16));
        assertEquals(R0 + 96, p.place(16));
    }

    /** {@code n} blocks of {@code size} from {@code p}. */
    private static long[] place(SegregatedPlacement p, long size, int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = p.place(size);
        }
        return a;
    }

    /** Ten 16-byte blocks, of which 2 to {@code last} are then free, and the 48-byte span full. */
    private static long[] freeRunWith48Full(SegregatedPlacement p, int last) {
        int[] freed = new int[last - 1];
        for (int i = 2; i <= last; i++) {
            freed[i - 2] = i;
        }
        return smallWith48Full(p, 10, freed);
    }

    /** {@code n} 16-byte blocks and the 48-byte span full; then the 16-byte blocks at {@code freed} released. */
    private static long[] smallWith48Full(SegregatedPlacement p, int n, int... freed) {
        long[] small = place(p, 16, n);
        place(p, 48, (int) (SegregatedPlacement.spanBytes(48) / 48));
        for (int i : freed) {
            p.release(small[i], 16);
        }
        return small;
    }

    @Test
    void splittingCutsALargerClassBlockIntoPiecesAndReassemblesItWhenAllAreFree() {
        SegregatedPlacement p = new SegregatedPlacement(new long[] {16, 64}, 1, R0).splittingBlocks();
        long[] big = place(p, 64, 3);
        place(p, 16, (int) (SegregatedPlacement.spanBytes(16) / 16)); // the 16-byte span is full
        p.release(big[1], 64);
        long[] pieces = place(p, 16, 4);
        assertEquals(big[1], pieces[0], "the class about to grow split the free 64-byte block");
        assertEquals(big[1] + 16, pieces[1], "its other pieces serve the class as its own blocks");
        assertEquals(big[1] + 32, pieces[2]);
        assertEquals(big[1] + 48, pieces[3]);
        for (long piece : pieces) {
            p.release(piece, 16);
        }
        assertEquals(big[1], p.place(64), "every piece free: the parent is a 64-byte block again");
        long fresh = p.place(16);
        assertTrue(fresh != big[1] + 16 && fresh != big[1] + 32 && fresh != big[1] + 48,
                "the pieces left the 16-byte list with their parent: " + Long.toHexString(fresh));
    }

    @Test
    void carvingTakesARunOfAnotherClassAndGivesItBackWhenItsPiecesAreFree() {
        SegregatedPlacement p = new SegregatedPlacement(new long[] {16, 48}, 1, R0).carvingRuns();
        long[] small = place(p, 16, 6);
        place(p, 48, (int) (SegregatedPlacement.spanBytes(48) / 48)); // the 48-byte span is full
        for (int i = 1; i <= 4; i++) {
            p.release(small[i], 16);
        }
        long carved = p.place(48);
        assertEquals(small[1], carved, "64 free bytes: one 48-byte piece over the first three blocks");
        assertEquals(small[4], p.place(16), "the fourth block stayed on its list");
        p.release(carved, 48);
        assertEquals(small[3], p.place(16), "the piece free: its three blocks are 16-byte blocks again");
        assertEquals(small[2], p.place(16));
        assertEquals(small[1], p.place(16));
    }

    @Test
    void leasingLendsARunByteByByteAndEndsTheLeaseWhenAllItsBytesAreFree() {
        SegregatedPlacement p = new SegregatedPlacement(new long[] {16, 48}, 1, R0).leasingRuns(true);
        long[] small = freeRunWith48Full(p, 7);
        long first = p.place(40);
        assertEquals(small[2], first, "the run of six free 16-byte blocks became a lease; 48 bytes lent from its start");
        long second = p.place(20);
        assertEquals(small[2] + 48, second, "a 20-byte request takes 32 bytes of the lease's free 48, by best fit");
        long fresh = p.place(16);
        assertTrue(fresh < small[0] || fresh > small[9], "the leased blocks left the 16-byte list: " + Long.toHexString(fresh));
        p.release(first, 40);
        p.release(second, 20);
        assertEquals(small[7], p.place(16), "the lease's bytes all free: its blocks are 16-byte blocks again");
        assertEquals(small[6], p.place(16));
    }

    @Test
    void leasingTakesOnlyTheBlocksARequestNeedsUnlessWhole() {
        SegregatedPlacement p = new SegregatedPlacement(new long[] {16, 48}, 1, R0).leasingRuns(false);
        long[] small = freeRunWith48Full(p, 8);
        long first = p.place(40);
        assertEquals(small[2], first, "three blocks of the run of seven leased");
        assertEquals(small[5], p.place(40), "that lease is all lent: three more blocks make the next");
        assertEquals(small[8], p.place(16), "the run's last block stayed on its list");
        p.release(first, 40);
        assertEquals(small[4], p.place(16), "the first lease ended: its blocks are 16-byte blocks again");
    }

    /** Twelve 16-byte blocks and a full 48-byte span; blocks 1-5 (80 bytes) and 7-9 (48 bytes) freed: two runs. */
    private static long[] twoRunsWith48Full(SegregatedPlacement p) {
        return smallWith48Full(p, 12, 1, 2, 3, 4, 5, 7, 8, 9);
    }

    @Test
    void leasingTakesTheSmallestRunUnlessAsHakmemTheFirstFound() {
        SegregatedPlacement best = new SegregatedPlacement(new long[] {16, 48}, 1, R0).leasingRuns(true);
        long[] small = twoRunsWith48Full(best);
        assertEquals(small[7], best.place(40), "the smallest run that holds 48 bytes: blocks 7-9");
        SegregatedPlacement first = new SegregatedPlacement(new long[] {16, 48}, 1, R0).leasingRuns(true, true, false);
        small = twoRunsWith48Full(first);
        assertEquals(small[1], first.place(40), "as hakmem's harvest: the lowest run that holds 48 bytes, blocks 1-5");
    }

    @Test
    void leasingLendsTheRequestRoundedTo16UnlessAsHakmemTheClassSize() {
        SegregatedPlacement rounded = new SegregatedPlacement(new long[] {16, 48}, 1, R0).leasingRuns(true, true, false);
        long[] small = twoRunsWith48Full(rounded);
        assertEquals(small[1], rounded.place(40));
        assertEquals(small[1] + 48, rounded.place(20), "20 bytes take 32 of the 80-byte lease's 32 left");
        SegregatedPlacement classSize = new SegregatedPlacement(new long[] {16, 48}, 1, R0).leasingRuns(true, true, true);
        small = twoRunsWith48Full(classSize);
        assertEquals(small[1], classSize.place(40));
        assertEquals(small[7], classSize.place(20), "a 48-byte block does not fit the 32 bytes left: the next run is leased");
    }
}
