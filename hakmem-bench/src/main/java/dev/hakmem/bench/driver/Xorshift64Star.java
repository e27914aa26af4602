package dev.hakmem.bench.driver;

/**
 * The drivers' random numbers: xorshift64*, seeded with {@code seed * 0x9E3779B97F4A7C15 + 1}
 * (benchmarks.md). Thread {@code t} of a driver uses seed {@code seed + t}.
 */
public final class Xorshift64Star {

    private long x;

    /** A generator for {@code seed}. */
    public Xorshift64Star(long seed) {
        x = seed * 0x9E3779B97F4A7C15L + 1;
        if (x == 0) {
            x = 1; // the one seed that would make the generator stick at zero
        }
    }

    /** The next 64 random bits. */
    public long next() {
        long s = x;
        s ^= s >>> 12;
        s ^= s << 25;
        s ^= s >>> 27;
        x = s;
        return s * 0x2545F4914F6CDD1DL;
    }

    /**
     * The slot a draw picks among {@code slots}: {@code (r >>> 32) mod slots}, computed as a mask
     * when {@code slots} is a power of two (every working-set size benchmarks.md names), else as
     * an unsigned 32-bit remainder: the same value either way. The division would sit between
     * the draw and the driver's unpredictable "slot full?" branch and make every mispredicted
     * branch resolve ~12 cycles later, a cost of the driver, not of the allocator measured.
     */
    public static int slot(long r, int slots) {
        int hi = (int) (r >>> 32);
        return (slots & (slots - 1)) == 0 ? hi & (slots - 1) : Integer.remainderUnsigned(hi, slots);
    }

    /**
     * The size a draw picks in {@code [min, max]}: {@code min + (r & 0xFFFFFFFF) mod (max - min + 1)},
     * with a 32-bit remainder when the range fits in 32 bits.
     */
    public static long size(long r, long min, long max) {
        long range = max - min + 1;
        if (range <= Integer.MAX_VALUE) {
            return min + Integer.remainderUnsigned((int) r, (int) range);
        }
        return min + (r & 0xFFFFFFFFL) % range;
    }
}
