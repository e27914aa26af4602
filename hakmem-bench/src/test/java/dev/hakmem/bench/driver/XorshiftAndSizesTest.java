package dev.hakmem.bench.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The spec's random numbers and the size/slot mappings built on them. */
class XorshiftAndSizesTest {

    @Test
    void generatorFollowsTheSpec() {
        long x = 42 * 0x9E3779B97F4A7C15L + 1;
        Xorshift64Star rng = new Xorshift64Star(42);
        for (int i = 0; i < 1000; i++) {
            x ^= x >>> 12;
            x ^= x << 25;
            x ^= x >>> 27;
            assertEquals(x * 0x2545F4914F6CDD1DL, rng.next());
        }
    }

    @Test
    void slotAndSizeAreTheSpecsModuloArithmetic() {
        Xorshift64Star rng = new Xorshift64Star(7);
        for (int i = 0; i < 100_000; i++) {
            long r = rng.next();
            assertEquals((int) Long.remainderUnsigned(r >>> 32, 131072), Xorshift64Star.slot(r, 131072));
            assertEquals((int) Long.remainderUnsigned(r >>> 32, 257), Xorshift64Star.slot(r, 257));
            assertEquals(16 + (r & 0xFFFFFFFFL) % 1009, Xorshift64Star.size(r, 16, 1024));
        }
    }

    @Test
    void allocTestSizesHaveHalvingOdds() {
        Xorshift64Star rng = new Xorshift64Star(1);
        int n = 1 << 20;
        int[] buckets = new int[8];
        for (int i = 0; i < n; i++) {
            int size = AllocTest.size(rng.next());
            assertTrue(size >= 5 && size <= 1024, "size " + size);
            buckets[size <= 8 ? 0 : 32 - Integer.numberOfLeadingZeros(size - 1) - 3]++;
        }
        double[] expected = {1 / 2.0, 1 / 4.0, 1 / 8.0, 1 / 16.0, 1 / 32.0, 1 / 64.0, 1 / 128.0, 1 / 128.0};
        for (int k = 0; k < 8; k++) {
            assertEquals(expected[k], buckets[k] / (double) n, expected[k] * 0.1, "bucket " + k);
        }
    }

    @Test
    void memoryFillAndCheckCoverEveryByte() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            long a = arena.allocate(64).address();
            for (int size = 1; size <= 40; size++) {
                Memory.fill(a, 64, (byte) 0);
                Memory.fill(a, size, (byte) 0x5A);
                assertEquals(0, Memory.check(a, size, (byte) 0x5A));
                assertEquals(0, Memory.readByte(a + size), "no write past the block");
                Memory.writeByte(a + size - 1, (byte) 1);
                assertTrue(Memory.check(a, size, (byte) 0x5A) != 0, "last byte checked, size " + size);
            }
        }
    }

    @Test
    void paramsTakeDefaultsAndRejectGarbage() {
        assertEquals("1000 256 42 16 1024", new RandomMixed().complete(Params.parse("1000")).toString());
        assertEquals("5 6", Params.parse("5,6").toString());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TinyHot().complete(Params.parse("16 x")));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TinyHot().complete(Params.parse("1 2 3 4")));
    }
}
