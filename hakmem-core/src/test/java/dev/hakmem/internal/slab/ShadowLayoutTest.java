package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.os.Reservation;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shadow's layout with one bit per 16-byte granule: every block of every class has a (word,
 * bit) of its own, a span's words are exactly the span's share of the shadow, and an address
 * inside a block's granule (which shares the block's bit) is refused by the alignment check.
 */
class ShadowLayoutTest {

    /** Every block start of one span of every class has a distinct (word, bit), inside the span's shadow. */
    @Test
    void everyBlockOfEveryClassHasABitOfItsOwn() {
        Heap owner = new Heap(-3100, true);
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Span s = SpanPool.acquire(owner, c);
            try {
                long first = Shadow.word(s.base);
                long end = first + (s.bytes() >>> 6);
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < s.capacity; i++) {
                    long a = s.base + (long) i * s.blockSize;
                    assertEquals(0, Shadow.misalignment(a), "class " + c + " block " + i + " is 16-byte aligned");
                    long w = Shadow.word(a);
                    assertTrue(w >= first && w < end, "class " + c + " block " + i + ": word inside the span's shadow");
                    assertTrue(seen.add(w + ":" + Long.numberOfTrailingZeros(Shadow.bit(a))),
                            "class " + c + " block " + i + " shares a bit with another block");
                }
            } finally {
                SpanPool.release(s);
            }
        }
    }

    /** A slab's shadow is 1 KiB (a 64th), so one 4 KiB shadow page describes four slots. */
    @Test
    void theShadowIsASixtyFourthOfTheReservation() {
        assertEquals(Reservation.UNIT / 64, Shadow.PER_SUPERSLAB);
        assertEquals(4, Shadow.SLOTS_PER_PAGE);
        long a = 0x10_0000_0000L;
        assertEquals(16, Shadow.word(a + Shadow.WORD_BYTES) - Shadow.word(a), "the next word pair describes the next KiB");
        assertEquals(Shadow.word(a), Shadow.word(a + Shadow.WORD_BYTES - 16));
        assertEquals(Long.MIN_VALUE, Shadow.bit(a + Shadow.WORD_BYTES - 16), "the KiB's last granule is the word's top bit");
    }

    /** free(a + 8) of a live 16-byte block: the same bit as a, refused by the alignment, and a stays live. */
    @Test
    void anAddressInsideABlocksGranuleIsRefused() {
        long a = Hakmem.malloc(16);
        try {
            assertEquals(Shadow.word(a), Shadow.word(a + 8));
            assertEquals(Shadow.bit(a), Shadow.bit(a + 8));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Hakmem.free(a + 8));
            assertTrue(e.getMessage().contains("interior address of the live block"), e.getMessage());
            assertTrue(Shadow.isLive(a), "the block is still live");
        } finally {
            Hakmem.free(a);
        }
    }
}
