package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;

import java.util.Arrays;

/**
 * The size classes of the three slab tiers: tiny (up to 1 KiB), mid (up to 32 KiB) and large
 * (up to 2 MiB, hakmem's L2.5 page runs). Classes are at most 16 B apart up to 128 B, 12.5 %
 * apart from 128 B to 32 KiB (eight per doubling: a block wastes about 6 % of a random request
 * on average, not 12 %, which is what a working set holds resident beyond its live bytes; for the
 * tiny classes above 128 B this took the memory suite's frag-refill from 1.78 to 1.75 times its
 * live bytes, its round of 272 B - 1 KiB refills from 1.19 to 1.10) and at most 25 % apart above
 * 32 KiB (four per doubling); every class of 16 B or more is a multiple of 16 (so every block is
 * 16-byte aligned) and the 8 B class is 8-byte aligned. The large tier keeps four per doubling:
 * its magazines and parked spans are per class, and with eight a churn of random large sizes
 * found its own class empty twice as often (64 KiB - 2 MiB at random: 0.71x the throughput).
 *
 * <pre>
 * tiny   8 16 32 48 64 80 96 112 128 144 160 ... 256 288 320 ... 512 576 640 ... 1024
 * mid    1152 1280 1408 1536 1664 1792 1920 2048 2304 2560 ... 4096 4608 ... 8192 9216 ... 16384
 *        18432 20480 22528 24576 26624 28672 30720 32768              (steps of 1/8 of the doubling)
 * large  40K 48K 56K 64K 80K 96K 112K 128K 160K 192K 224K 256K 320K 384K 448K 512K
 *        640K 768K 896K 1M 1.25M 1.5M 1.75M 2M
 * </pre>
 *
 * Each class is carved from a span of one or more 64 KiB slabs: tiny and mid spans hold at
 * least eight blocks, large spans at least one, and no span wastes more than 1/32 of itself.
 * A span starts at a multiple of {@link #spanAlignment(int)}: the largest power of two dividing
 * the block size (at least 64 KiB), so every block of a class is aligned to that power of two
 * and aligned allocation up to 2 MiB is served from the normal classes.
 *
 * <p>Lookup is one byte load: from a table indexed by {@code (size + 7) >>> 3} up to 32 KiB,
 * from a second indexed by {@code (size + 4095) >>> 12} above (the large classes are multiples
 * of 4 KiB).
 *
 * <p>Per class the thread cache holds up to {@link #cacheCapacity(int)} blocks and moves
 * {@link #batch(int)} blocks at a time to and from slabs. Defaults: capacity
 * {@code min(128, max(8, 256 KiB / size))} up to 32 KiB and {@code max(1, 512 KiB / size)}
 * above, batch {@code min(64, max(1, capacity / 2))} (32 before: a burst of 4,096 allocations
 * then as many frees, as in xmalloc, paid a refill or a flush every 32 operations). Override with
 * {@code hakmem.cacheCapacity}, {@code hakmem.refillBatch} (all classes) or
 * {@code hakmem.cacheCapacity.C<i>}, {@code hakmem.refillBatch.C<i>} (class i), or the
 * matching {@code HAKMEM_CACHE_CAPACITY[_C<i>]}, {@code HAKMEM_REFILL_BATCH[_C<i>]}. In a burst a
 * magazine of the smallest classes grows up to {@link #burstCapacity(int)} ({@code hakmem.burstCapacity},
 * {@code hakmem.burstBytes}, {@code hakmem.burstMaxSize}; see {@link Bursts}).
 */
public final class SizeClasses {
    private SizeClasses() {}

    /** Largest size served by the mid tier (the fast path's table). */
    public static final int MAX_SMALL = 32768;
    /** Largest size served by a size class (the large tier's end). */
    public static final int MAX_SIZE = 2 << 20;
    /** Largest tiny size. */
    public static final int MAX_TINY = 1024;
    /** Shift of the multiply-shift division by a block size; see {@link #magic(int)}. */
    public static final int MAGIC_SHIFT = 44;
    /** Size of one slab. */
    public static final int SLAB_SIZE = 1 << 16;
    public static final int SLAB_SHIFT = 16;

    /** Tiny classes (eight per doubling from 128 B), then eight per doubling up to {@link #MAX_SMALL} and four above. */
    private static final int[] SIZES = sizes(
            8, 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256,
            288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 832, 896, 960, 1024);

    private static int[] sizes(int... tiny) {
        int mid = 8 * Integer.numberOfTrailingZeros(MAX_SMALL / MAX_TINY);
        int large = 4 * Integer.numberOfTrailingZeros(MAX_SIZE / MAX_SMALL);
        int[] s = Arrays.copyOf(tiny, tiny.length + mid + large);
        int i = tiny.length;
        for (int base = MAX_TINY; base < MAX_SIZE; base *= 2) {
            int steps = base < MAX_SMALL ? 8 : 4;
            for (int k = 1; k <= steps; k++) {
                s[i++] = base + k * (base / steps);
            }
        }
        return s;
    }

    /** Number of classes. */
    public static final int COUNT = SIZES.length;
    /** Number of tiny classes (classes {@code 0 .. TINY_COUNT-1}). */
    public static final int TINY_COUNT;
    /** Number of tiny and mid classes (classes {@code 0 .. SMALL_COUNT-1}). */
    public static final int SMALL_COUNT;

    private static final byte[] CLASS_BY_8 = new byte[MAX_SMALL / 8 + 1];
    private static final byte[] CLASS_BY_4K = new byte[MAX_SIZE / 4096 + 1];
    private static final int[] SPAN_ALIGN_SLOTS = new int[COUNT];
    private static final int[] SPAN_SLABS = new int[COUNT];
    private static final int[] CAPACITY = new int[COUNT];
    private static final int[] BATCH = new int[COUNT];
    private static final int[] BURST = new int[COUNT];
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
        int small = 0;
        for (int c = 0; c < COUNT; c++) {
            if (SIZES[c] <= MAX_SMALL) {
                small++;
            }
        }
        SMALL_COUNT = small;
        int c = 0;
        for (int i = 0; i < CLASS_BY_8.length; i++) {
            int size = i * 8;
            while (SIZES[c] < size) {
                c++;
            }
            CLASS_BY_8[i] = (byte) c;
        }
        c = 0;
        for (int i = 0; i < CLASS_BY_4K.length; i++) {
            int size = i * 4096;
            while (SIZES[c] < size) {
                c++;
            }
            CLASS_BY_4K[i] = (byte) c;
        }
        int capAll = Config.integer("cacheCapacity", -1);
        int batchAll = Config.integer("refillBatch", -1);
        int burstAll = Config.integer("burstCapacity", 1024);
        long burstBytes = Config.size("burstBytes", 64L << 10);
        long burstMaxSize = Config.size("burstMaxSize", 256);
        for (c = 0; c < COUNT; c++) {
            int s = SIZES[c];
            int minBlocks = s <= MAX_SMALL ? 8 : 1;
            int k = 1;
            while (k < 32) {
                int span = k * SLAB_SIZE;
                int blocks = span / s;
                if (blocks >= minBlocks && (span - blocks * s) * 32 <= span) {
                    break;
                }
                k++;
            }
            SPAN_SLABS[c] = k;
            BLOCKS[c] = k * SLAB_SIZE / s;
            MAGIC[c] = ((1L << MAGIC_SHIFT) + s - 1) / s;
            SPAN_ALIGN_SLOTS[c] = Math.max(1, Math.min(32, Integer.lowestOneBit(s) >>> SLAB_SHIFT));
            int dfltCap = s <= MAX_SMALL ? Math.min(128, Math.max(8, (256 << 10) / s)) : Math.max(1, (512 << 10) / s);
            int cap = Config.integer("cacheCapacity.C" + c, capAll > 0 ? capAll : dfltCap);
            cap = Math.clamp(cap, 1, 4096);
            int batch = Config.integer("refillBatch.C" + c, batchAll > 0 ? batchAll : Math.min(64, Math.max(1, cap / 2)));
            CAPACITY[c] = cap;
            BATCH[c] = Math.clamp(batch, 1, cap);
            int burst = s <= burstMaxSize ? (int) Math.min(burstAll, burstBytes / s) : 0;
            BURST[c] = Math.max(cap, Math.min(4096, burst));
        }
    }

    /** The class serving {@code size} bytes; {@code 0 <= size <= MAX_SMALL}. */
    public static int classOf(long size) {
        return CLASS_BY_8[((int) size + 7) >>> 3];
    }

    /** The class serving {@code size} bytes; {@code 0 <= size <= MAX_SIZE}. */
    public static int classOfAny(long size) {
        return size <= MAX_SMALL ? classOf(size) : classOfLarge(size);
    }

    /** The class serving {@code size} bytes; {@code MAX_SMALL < size <= MAX_SIZE} (the large classes are multiples of 4 KiB). */
    public static int classOfLarge(long size) {
        assert size > MAX_SMALL && size <= MAX_SIZE : "not a large size: " + size;
        return CLASS_BY_4K[(int) ((size + 4095) >>> 12)];
    }

    /** Spans of class {@code c} start at a multiple of this many 64 KiB slabs. */
    public static int spanAlignmentSlots(int c) {
        return SPAN_ALIGN_SLOTS[c];
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
     * {@code ceil(2^44 / size)}: for a byte offset {@code o <= 2^21} into a span,
     * {@code (o * magic) >>> 44 == o / size} exactly, since {@code o < 2^44 / size} for every
     * class (checked for every class and offset by the tests), and {@code o * magic < 2^63}.
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
     * The capacity class {@code c}'s magazine may grow to in a burst of frees ({@link Bursts}):
     * {@code hakmem.burstCapacity} blocks (default 1,024) holding at most {@code hakmem.burstBytes}
     * (default 64 KiB), for the classes of at most {@code hakmem.burstMaxSize} bytes (default 256),
     * at most 4,096 and never below {@link #cacheCapacity}: so by default the classes of 8-64 B may
     * grow to 1,024 blocks, those of 80-256 B to 64 KiB of blocks (819 down to 256), and the others
     * not at all. A magazine's array has the room of this capacity (with the defaults 64 KiB more
     * per heap; 35 KiB while only 8-64 B grew, up to stop 63).
     */
    public static int burstCapacity(int c) {
        return BURST[c];
    }

    /**
     * The smallest class whose blocks hold {@code size} bytes and all start at a multiple of
     * {@code alignment} (a power of two), or -1 if none does.
     */
    public static int classOfAligned(long size, long alignment) {
        if (size > MAX_SIZE || alignment > MAX_SIZE) {
            return -1;
        }
        for (int c = classOfAny(size); c < COUNT; c++) {
            // a span starts at a multiple of the block size's lowest set bit (>= 64 KiB),
            // so block i, at i * size from the span start, is aligned like the block size
            if ((SIZES[c] & (alignment - 1)) == 0) {
                return c;
            }
        }
        return -1;
    }
}
