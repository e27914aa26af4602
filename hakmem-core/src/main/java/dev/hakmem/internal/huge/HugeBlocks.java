package dev.hakmem.internal.huge;

import java.util.Map;

/**
 * The live huge blocks: start address to usable length and mapping length, in an open-addressing
 * table of primitive longs (linear probing, deletion by shifting the following entries back, so
 * there are no tombstones), and the bytes they hold. Nothing here allocates on the way in or out
 * of the table but its growth; guarded by {@link HugeTier#LOCK}, which every method asserts.
 *
 * <pre>
 * slot i:   KEYS[i] = block start (0: empty)   USABLE[i] = page-rounded request   MAPPED[i] = mapping length
 * probe:    home(a) = (a &gt;&gt;&gt; 12) * golden &gt;&gt;&gt; (64 - bits), then i + 1, i + 2, ... (mod capacity)
 * invariant: every key sits between its home slot and its slot with no empty slot in between;
 *            at most half the slots are full
 * </pre>
 */
final class HugeBlocks {
    private HugeBlocks() {}

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final int MIN_BITS = 6;

    private static int bits = MIN_BITS;
    private static long[] keys = new long[1 << MIN_BITS];
    private static long[] usable = new long[1 << MIN_BITS];
    private static long[] mapped = new long[1 << MIN_BITS];
    private static int count;
    /** Sum of the live blocks' usable lengths. */
    private static long liveBytes;

    private static int home(long a) {
        return (int) (((a >>> 12) * GOLDEN) >>> (64 - bits));
    }

    /** Slot of {@code a}, or -1. */
    private static int find(long a) {
        int mask = keys.length - 1;
        for (int i = home(a); ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == a) {
                return i;
            }
            if (k == 0) {
                return -1;
            }
        }
    }

    /** Registers the block at {@code a} (not registered yet, not 0). */
    static void put(long a, long usableLength, long mappedLength) {
        assert Thread.holdsLock(HugeTier.LOCK);
        assert a != 0 && find(a) < 0 : "block 0x" + Long.toHexString(a) + " registered twice";
        if (2 * (count + 1) > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = home(a);
        while (keys[i] != 0) {
            i = (i + 1) & mask;
        }
        keys[i] = a;
        usable[i] = usableLength;
        mapped[i] = mappedLength;
        count++;
        liveBytes += usableLength;
    }

    private static void grow() {
        long[] k = keys;
        long[] u = usable;
        long[] m = mapped;
        bits++;
        keys = new long[1 << bits];
        usable = new long[1 << bits];
        mapped = new long[1 << bits];
        int mask = keys.length - 1;
        for (int j = 0; j < k.length; j++) {
            if (k[j] != 0) {
                int i = home(k[j]);
                while (keys[i] != 0) {
                    i = (i + 1) & mask;
                }
                keys[i] = k[j];
                usable[i] = u[j];
                mapped[i] = m[j];
            }
        }
    }

    /** Usable length of the live block at {@code a}, or -1. */
    static long usable(long a) {
        assert Thread.holdsLock(HugeTier.LOCK);
        int i = find(a);
        return i < 0 ? -1 : usable[i];
    }

    /**
     * Takes the block at {@code a} out of the table and remembers it in the {@link FreedRing}.
     *
     * @return the length of its mapping, or -1 if {@code a} is not a live huge block
     */
    static long remove(long a) {
        assert Thread.holdsLock(HugeTier.LOCK);
        int i = find(a);
        if (i < 0) {
            return -1;
        }
        long m = mapped[i];
        liveBytes -= usable[i];
        count--;
        FreedRing.add(a);
        // shift back the entries after i whose home does not lie cyclically in (i, j]
        int mask = keys.length - 1;
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int h = home(keys[j]);
            boolean stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
            if (!stays) {
                keys[hole] = keys[j];
                usable[hole] = usable[j];
                mapped[hole] = mapped[j];
                hole = j;
            }
        }
        keys[hole] = 0;
        usable[hole] = 0;
        mapped[hole] = 0;
        return m;
    }

    /** The live block whose mapping contains {@code a} without starting there, as (start, usable), or null. A scan. */
    static Map.Entry<Long, Long> containing(long a) {
        assert Thread.holdsLock(HugeTier.LOCK);
        for (int i = 0; i < keys.length; i++) {
            long start = keys[i];
            if (start != 0 && start != a && Long.compareUnsigned(a - start, mapped[i]) < 0) {
                return Map.entry(start, usable[i]);
            }
        }
        return null;
    }

    /** Number of live huge blocks. */
    static int count() {
        assert Thread.holdsLock(HugeTier.LOCK);
        return count;
    }

    /** Bytes in live huge blocks. */
    static long liveBytes() {
        assert Thread.holdsLock(HugeTier.LOCK);
        return liveBytes;
    }
}
