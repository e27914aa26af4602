package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.os.Reservation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void theAllocatorWorksAndChecksWithTheRegionsAnywhere() throws Exception {
        ChildRuns.runOk(ShiftedMetadataChild.class, "OK", "-Dhakmem.shiftedMetadata=false");
    }
}
