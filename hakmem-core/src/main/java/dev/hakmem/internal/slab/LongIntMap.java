package dev.hakmem.internal.slab;

import java.util.Arrays;

/**
 * An open-addressing map from non-zero longs to ints, values {@code >= 0} (linear probing,
 * deletion by shifting the cluster back, no tombstones): no boxing, one probe for most look-ups.
 * Not thread-safe.
 *
 * <pre>
 *   table: [key0, value0, key1, value1, ...]     a key and its value in one cache line
 *   slot(k) = (k / 16  XOR  mix(k / 65536)) mod capacity
 * </pre>
 * The keys are addresses, or addresses shifted left by a bit (the lender's hole starts and ends):
 * the low bits of the slot follow the key within 64 K of it (a slab, or half a slab of addresses),
 * so the look-ups of one free (the hole ending at the block, the one starting after it) and the
 * puts of the merged hole probe neighbouring slots, one or two cache lines, where a hash of the
 * whole key sent each to a line of its own in tables of megabytes; the 64 K blocks are spread by
 * a multiplicative hash.
 */
final class LongIntMap {
    private long[] table = new long[2 * 64];
    private int size;

    private static int slot(long k, int mask) {
        long mix = (k >>> 16) * 0x9E3779B97F4A7C15L;
        return (int) ((k >>> 4) ^ (mix >>> 40)) & mask;
    }

    /** Java-heap bytes of an empty map. */
    static long footprint() {
        return 32 + 16 + 2 * 64 * 8L;
    }

    int size() {
        return size;
    }

    /** The value of {@code k}, or -1. */
    int get(long k) {
        long[] t = table;
        int mask = (t.length >>> 1) - 1;
        for (int i = slot(k, mask); ; i = (i + 1) & mask) {
            long x = t[2 * i];
            if (x == k) {
                return (int) t[2 * i + 1];
            }
            if (x == 0) {
                return -1;
            }
        }
    }

    void put(long k, int v) {
        assert k != 0 && v >= 0;
        if (size * 4 >= table.length) { // load factor 1/2
            grow();
        }
        long[] t = table;
        int mask = (t.length >>> 1) - 1;
        int i = slot(k, mask);
        while (t[2 * i] != 0 && t[2 * i] != k) {
            i = (i + 1) & mask;
        }
        if (t[2 * i] == 0) {
            size++;
        }
        t[2 * i] = k;
        t[2 * i + 1] = v;
    }

    /** Removes {@code k}; returns its value, or -1. */
    int remove(long k) {
        long[] t = table;
        int mask = (t.length >>> 1) - 1;
        int i = slot(k, mask);
        while (t[2 * i] != k) {
            if (t[2 * i] == 0) {
                return -1;
            }
            i = (i + 1) & mask;
        }
        int v = (int) t[2 * i + 1];
        size--;
        // backward shift: move later entries of the cluster into the gap when their home allows it
        int gap = i;
        for (int j = (gap + 1) & mask; t[2 * j] != 0; j = (j + 1) & mask) {
            int home = slot(t[2 * j], mask);
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                t[2 * gap] = t[2 * j];
                t[2 * gap + 1] = t[2 * j + 1];
                gap = j;
            }
        }
        t[2 * gap] = 0;
        return v;
    }

    private void grow() {
        long[] old = table;
        table = new long[old.length * 2];
        size = 0;
        for (int i = 0; i < old.length; i += 2) {
            if (old[i] != 0) {
                put(old[i], (int) old[i + 1]);
            }
        }
    }

    void clear() {
        Arrays.fill(table, 0);
        size = 0;
    }
}
