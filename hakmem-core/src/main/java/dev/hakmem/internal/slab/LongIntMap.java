package dev.hakmem.internal.slab;

import java.util.Arrays;

/**
 * An open-addressing map from non-zero longs to ints, values {@code >= 0} (linear probing with a
 * multiplicative hash, deletion by shifting the cluster back, no tombstones): no boxing, one array
 * probe for most lookups. Not thread-safe.
 */
final class LongIntMap {
    private long[] keys = new long[64];
    private int[] values = new int[64];
    private int size;

    private static int slot(long k, int mask) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    /** Java-heap bytes of an empty map. */
    static long footprint() {
        return 32 + 16 + 64 * 8L + 16 + 64 * 4L;
    }

    int size() {
        return size;
    }

    /** The value of {@code k}, or -1. */
    int get(long k) {
        int mask = keys.length - 1;
        for (int i = slot(k, mask); ; i = (i + 1) & mask) {
            long x = keys[i];
            if (x == k) {
                return values[i];
            }
            if (x == 0) {
                return -1;
            }
        }
    }

    void put(long k, int v) {
        assert k != 0;
        if (size * 2 >= keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = slot(k, mask);
        while (keys[i] != 0 && keys[i] != k) {
            i = (i + 1) & mask;
        }
        if (keys[i] == 0) {
            size++;
        }
        keys[i] = k;
        values[i] = v;
    }

    /** Removes {@code k}; returns its value, or -1. */
    int remove(long k) {
        int mask = keys.length - 1;
        int i = slot(k, mask);
        while (keys[i] != k) {
            if (keys[i] == 0) {
                return -1;
            }
            i = (i + 1) & mask;
        }
        int v = values[i];
        size--;
        // backward shift: move later entries of the cluster into the gap when their home allows it
        int gap = i;
        for (int j = (gap + 1) & mask; keys[j] != 0; j = (j + 1) & mask) {
            int home = slot(keys[j], mask);
            if (((j - home) & mask) >= ((j - gap) & mask)) {
                keys[gap] = keys[j];
                values[gap] = values[j];
                gap = j;
            }
        }
        keys[gap] = 0;
        return v;
    }

    private void grow() {
        long[] ok = keys;
        int[] ov = values;
        keys = new long[ok.length * 2];
        values = new int[ok.length * 2];
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (ok[i] != 0) {
                put(ok[i], ov[i]);
            }
        }
    }

    void clear() {
        Arrays.fill(keys, 0);
        size = 0;
    }
}
