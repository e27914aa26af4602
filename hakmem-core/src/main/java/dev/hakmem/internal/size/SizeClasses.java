package dev.hakmem.internal.size;

import dev.hakmem.internal.Config;

/**
 * The small size classes: tiny (up to 1 KiB) and mid (up to 32 KiB). Classes are at most 25 %
 * apart above 64 B (four per doubling), every class of 16 B or more is a multiple of 16 (so
 * every block is 16-byte aligned) and the 8 B class is 8-byte aligned.
 *
 * <pre>
 * tiny  8 16 32 48 64 80 96 112 128 160 192 224 256 320 384 448 512 640 768 896 1024
 * mid   1280 1536 1792 2048 2560 3072 3584 4096 5120 6144 7168 8192
 *       10240 12288 14336 16384 20480 24576 28672 32768
 * </pre>
 *
 * Each class is carved from a span of one or more 64 KiB slabs chosen so the span holds at
 * least eight blocks and wastes at most 1/32 of itself. Lookup is one byte load from a table
 * indexed by {@code (size + 7) >>> 3}.
 *
 * <p>Per class the thread cache holds up to {@link #cacheCapacity(int)} blocks and moves
 * {@link #batch(int)} blocks at a time to and from slabs. Defaults: capacity
 * {@code min(128, max(8, 256 KiB / size))}, batch {@code min(32, capacity / 2)}. Override with
 * {@code hakmem.cacheCapacity}, {@code hakmem.refillBatch} (all classes) or
 * {@code hakmem.cacheCapacity.C<i>}, {@code hakmem.refillBatch.C<i>} (class i), or the
 * matching {@code HAKMEM_CACHE_CAPACITY[_C<i>]}, {@code HAKMEM_REFILL_BATCH[_C<i>]}.
 */
public final class SizeClasses {
    private SizeClasses() {}

    /** Largest size served by a size class. */
    public static final int MAX_SIZE = 32768;
    /** Largest tiny size. */
    public static final int MAX_TINY = 1024;
    /** Size of one slab. */
    public static final int SLAB_SIZE = 1 << 16;
    public static final int SLAB_SHIFT = 16;

    private static final int[] SIZES = {
        8, 16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024,
        1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096, 5120, 6144, 7168, 8192,
        10240, 12288, 14336, 16384, 20480, 24576, 28672, 32768,
    };

    /** Number of classes. */
    public static final int COUNT = SIZES.length;
    /** Number of tiny classes (classes {@code 0 .. TINY_COUNT-1}). */
    public static final int TINY_COUNT;

    private static final byte[] CLASS_BY_8 = new byte[MAX_SIZE / 8 + 1];
    private static final int[] SPAN_SLABS = new int[COUNT];
    private static final int[] CAPACITY = new int[COUNT];
    private static final int[] BATCH = new int[COUNT];
    private static final long[] MAGIC = new long[COUNT];
    private static final int[] BLOCKS = new int[COUNT];

    static {
        int tiny = 0;
        for (int c = 0; c < COUNT; c++) {
            if (SIZES[c] <= MAX_TINY) {
                tiny++;
            }
        }
        TINY_COUNT = tiny;
        int c = 0;
        for (int i = 0; i < CLASS_BY_8.length; i++) {
            int size = i * 8;
            while (SIZES[c] < size) {
                c++;
            }
            CLASS_BY_8[i] = (byte) c;
        }
        int capAll = Config.integer("cacheCapacity", -1);
        int batchAll = Config.integer("refillBatch", -1);
        for (c = 0; c < COUNT; c++) {
            int s = SIZES[c];
            int k = 1;
            while (k < 16) {
                int span = k * SLAB_SIZE;
                int blocks = span / s;
                if (blocks >= 8 && (span - blocks * s) * 32 <= span) {
                    break;
                }
                k++;
            }
            SPAN_SLABS[c] = k;
            BLOCKS[c] = k * SLAB_SIZE / s;
            MAGIC[c] = ((1L << 40) + s - 1) / s;
            int cap = Config.integer("cacheCapacity.C" + c, capAll > 0 ? capAll
                    : Math.min(128, Math.max(8, (256 << 10) / s)));
            cap = Math.clamp(cap, 2, 4096);
            int batch = Config.integer("refillBatch.C" + c, batchAll > 0 ? batchAll : Math.min(32, cap / 2));
            CAPACITY[c] = cap;
            BATCH[c] = Math.clamp(batch, 1, cap);
        }
    }

    /** The class serving {@code size} bytes; {@code 0 <= size <= MAX_SIZE}. */
    public static int classOf(long size) {
        return CLASS_BY_8[(int) ((size + 7) >>> 3)];
    }

    /** Block size of class {@code c}. */
    public static int size(int c) {
        return SIZES[c];
    }

    /** Number of 64 KiB slabs in one span of class {@code c}. */
    public static int spanSlabs(int c) {
        return SPAN_SLABS[c];
    }

    /** Blocks in one span of class {@code c}. */
    public static int blocksPerSpan(int c) {
        return BLOCKS[c];
    }

    /**
     * {@code ceil(2^40 / size)}: for a byte offset {@code o < 2^21} into a span,
     * {@code (o * magic) >>> 40 == o / size} exactly (checked for every class by the tests).
     */
    public static long magic(int c) {
        return MAGIC[c];
    }

    public static int cacheCapacity(int c) {
        return CAPACITY[c];
    }

    public static int batch(int c) {
        return BATCH[c];
    }

    /**
     * The smallest class whose blocks hold {@code size} bytes and all start at a multiple of
     * {@code alignment} (a power of two), or -1 if none does.
     */
    public static int classOfAligned(long size, long alignment) {
        if (size > MAX_SIZE || alignment > MAX_SIZE) {
            return -1;
        }
        for (int c = classOf(size); c < COUNT; c++) {
            // spans start 64 KiB aligned, so block i is at i * size from an aligned base
            if ((SIZES[c] & (alignment - 1)) == 0 || (c == 0 && alignment <= 8)) {
                return c;
            }
        }
        return -1;
    }
}
