package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizeClassesTest {

    @Test
    void everySizeMapsToTheSmallestClassThatHoldsIt() {
        for (int size = 0; size <= SizeClasses.MAX_SIZE; size++) {
            int c = SizeClasses.classOfAny(size);
            if (size <= SizeClasses.MAX_SMALL) {
                assertEquals(c, SizeClasses.classOf(size));
            } else {
                assertEquals(c, SizeClasses.classOfLarge(size));
            }
            assertTrue(SizeClasses.size(c) >= size, "class too small for " + size);
            if (c > 0) {
                assertTrue(SizeClasses.size(c - 1) < size, "a smaller class holds " + size);
            }
        }
    }

    @Test
    void classesAreAlignedAQuarterApartAboveSixtyFourAndAnEighthInTheMidTier() {
        assertEquals(8, SizeClasses.size(0));
        for (int c = 1; c < SizeClasses.COUNT; c++) {
            int s = SizeClasses.size(c);
            int prev = SizeClasses.size(c - 1);
            assertEquals(0, s % 16, "class " + c + " is not 16-byte aligned");
            assertTrue(s > prev);
            if (prev >= 64) {
                assertTrue((s - prev) * 4 <= prev, "classes " + prev + " and " + s + " are more than 25 % apart");
            }
            if (prev >= SizeClasses.MAX_TINY && s <= SizeClasses.MAX_SMALL) {
                assertTrue((s - prev) * 8 <= prev, "mid classes " + prev + " and " + s + " are more than 12.5 % apart");
            }
            if (s > SizeClasses.MAX_SMALL) {
                assertEquals(0, s % 4096, "large class " + s + " is not a multiple of 4 KiB (the lookup table's step)");
            }
        }
        assertEquals(1024, SizeClasses.size(SizeClasses.TINY_COUNT - 1));
        assertEquals(SizeClasses.MAX_SMALL, SizeClasses.size(SizeClasses.SMALL_COUNT - 1));
        assertEquals(SizeClasses.MAX_SIZE, SizeClasses.size(SizeClasses.COUNT - 1));
    }

    @Test
    void spansHoldEightBlocksAndWasteLittle() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            int span = SizeClasses.spanSlabs(c) * SizeClasses.SLAB_SIZE;
            int blocks = SizeClasses.blocksPerSpan(c);
            assertTrue(blocks >= (c < SizeClasses.SMALL_COUNT ? 8 : 1), "class " + c);
            int align = SizeClasses.spanAlignmentSlots(c);
            assertTrue(Integer.bitCount(align) == 1 && align <= 32);
            assertEquals(0, (long) SizeClasses.size(c) % Math.min((long) align * SizeClasses.SLAB_SIZE,
                    Integer.lowestOneBit(SizeClasses.size(c))), "class " + c + " alignment");
            assertTrue((span - blocks * SizeClasses.size(c)) * 32 <= span, "class " + c + " wastes more than 1/32");
            assertTrue(span <= 1 << 21);
        }
    }

    /** The multiply-shift division on the free path must equal o / size for every offset of a span. */
    @Test
    void divisionMagicIsExactForEveryOffsetOfEverySpan() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long size = SizeClasses.size(c);
            long magic = SizeClasses.magic(c);
            long span = (long) SizeClasses.spanSlabs(c) * SizeClasses.SLAB_SIZE;
            for (long o = 0; o < span; o++) {
                long q = (o * magic) >>> SizeClasses.MAGIC_SHIFT;
                if (q != o / size) {
                    throw new AssertionError("class " + c + " offset " + o + ": " + q + " != " + o / size);
                }
            }
        }
    }

    /** Every size 0..1 KiB: allocated from the right class, usable size = the class size, counted there. */
    @Test
    void everyTinySizeIsServedByItsClass() {
        for (int size = 0; size <= SizeClasses.MAX_TINY; size++) {
            int c = SizeClasses.classOf(size);
            Stats before = Hakmem.stats();
            long a = Hakmem.malloc(size);
            assertEquals(SizeClasses.size(c), Hakmem.usableSize(a), "size " + size);
            assertEquals(0, a % (SizeClasses.size(c) >= 16 ? 16 : 8), "alignment of size " + size);
            Stats during = Hakmem.stats();
            assertEquals(before.sizeClasses().get(c).allocations() + 1, during.sizeClasses().get(c).allocations(),
                    "size " + size + " not counted in class " + c);
            Hakmem.free(a);
            Stats after = Hakmem.stats();
            assertEquals(during.sizeClasses().get(c).frees() + 1, after.sizeClasses().get(c).frees());
        }
    }

    @Test
    void alignedClassLookup() {
        for (long align = 1; align <= SizeClasses.MAX_SIZE; align <<= 1) {
            for (long size = 0; size <= SizeClasses.MAX_SIZE; size += size < 65536 ? 61 : 4093) {
                int c = SizeClasses.classOfAligned(size, align);
                if (c >= 0) {
                    assertTrue(SizeClasses.size(c) >= size);
                    assertEquals(0, SizeClasses.size(c) % align, "class " + c + " for align " + align);
                } else {
                    assertTrue(size > SizeClasses.MAX_SIZE - align, size + " / " + align);
                }
            }
        }
    }
}
