package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.os.Reservation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shadow and the page-owner table at the reservation's addresses shifted right
 * ({@link Reservation#mapMetadata}, {@code hakmem.shiftedMetadata}), and the allocator with them
 * anywhere else, as where those addresses are taken.
 */
class ShiftedMetadataTest {

    @Test
    void theShadowAndThePageOwnerTableSitAtTheReservationShifted() {
        assertTrue(Reservation.SHIFTED_METADATA, "on by default");
        assertTrue(Reservation.SIZE > 0, "a reservation");
        // this machine's address space has those ranges free: the placement must have happened
        assertEquals(Reservation.BASE >>> 5, Shadow.SHADOW, "the shadow at BASE >>> 5");
        assertEquals(Reservation.BASE >>> 9, PageOwners.TABLE, "the page-owner table at BASE >>> 9");
        long a = Hakmem.malloc(48);
        try {
            assertEquals((a >>> 5) & ~15L, Shadow.word(a), "a block's LIVE word is its address shifted");
            assertEquals((a >>> 9) & ~7L, PageOwners.entryAddress(a), "a block's page entry is its address shifted");
            assertTrue(Shadow.isLive(a), "the block's bit is set there");
        } finally {
            Hakmem.free(a);
        }
        assertTrue(!Shadow.isLive(a), "and clear after the free");
    }

    @Test
    void theWindowIsAlignedToItsSizeAndTheSlotsStartPastAnOffset() {
        long size = 1L << Reservation.WINDOW_SHIFT;
        // 256 GiB by default, halved down to 1 GiB where the kernel refuses that much
        assertTrue(size == Long.highestOneBit(size) && size >= 1L << 30 && size <= 256L << 30, "window of " + size + " bytes");
        assertEquals(0, Reservation.WINDOW & (size - 1), "the window aligned to its size");
        long offset = Reservation.BASE - Reservation.WINDOW;
        assertTrue(offset >= Reservation.UNIT && offset <= 256 * Reservation.UNIT && offset % Reservation.UNIT == 0,
                "offset " + offset);
        assertEquals(Reservation.WINDOW + size, Reservation.BASE + Reservation.SIZE, "the slots run to the window's end");
        assertEquals(Reservation.SIZE >>> Reservation.UNIT_SHIFT, Reservation.SLOTS, "whole slots");
        assertTrue(Reservation.inWindow(Reservation.WINDOW) && Reservation.inWindow(Reservation.BASE)
                && Reservation.inWindow(Reservation.WINDOW + size - 8), "the window's addresses");
        assertFalse(Reservation.inWindow(Reservation.WINDOW - 8) || Reservation.inWindow(Reservation.WINDOW + size)
                || Reservation.inWindow(0) || Reservation.inWindow(-8), "addresses outside it");
    }

    @Test
    void aFreeInTheOffsetBeforeTheFirstSlotIsRefusedAsNoBlock() {
        long[] gap = {Reservation.WINDOW, Reservation.WINDOW + 4096, Reservation.BASE - 8, Reservation.BASE - 512};
        for (long a : gap) {
            // the fast path reads these words (the window test passes): they exist and read zero
            assertEquals(0, Shadow.get(Shadow.word(a)), "LIVE word of " + Long.toHexString(a));
            assertEquals(0, Shadow.get(Shadow.word(a) + 8), "REMOTE word of " + Long.toHexString(a));
            assertEquals(0, PageOwners.get(a), "page entry of " + Long.toHexString(a));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Hakmem.free(a));
            assertTrue(e.getMessage().contains(Long.toHexString(a)), e.getMessage());
        }
        long b = Hakmem.malloc(48);
        Hakmem.free(b); // and the allocator goes on
        assertFalse(Shadow.isLive(b));
    }

    @Test
    void aSmallReservationIsRoundedToAPowerOfTwoAndFilledToItsEnd() throws Exception {
        ChildRuns.runOk(SmallWindowChild.class, "OK", "-Dhakmem.reserve=200m");
    }

    @Test
    void theAllocatorWorksAndChecksWithTheRegionsAnywhere() throws Exception {
        ChildRuns.runOk(ShiftedMetadataChild.class, "OK", "-Dhakmem.shiftedMetadata=false");
    }
}
