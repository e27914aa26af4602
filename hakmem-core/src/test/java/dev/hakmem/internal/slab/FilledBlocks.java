package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.os.Os;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Blocks of one size, each filled with words derived from a key (a seed and the block's index at
 * allocation) and checked word by word before it is freed; and the heap-level helpers the
 * magazine tests share (a new thread, a class's capacity, the periodic sweep).
 */
final class FilledBlocks {
    private static final MemorySegment ALL = Os.ALL;

    /** Block size in bytes, a multiple of 8. */
    final int size;

    FilledBlocks(int size) {
        this.size = size;
    }

    /** Allocates {@code n} blocks and fills block {@code i} with key {@code seed * 1_000_003 + i}. */
    long[] allocate(int n, int seed) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = Hakmem.malloc(size);
            assertEquals(size, Hakmem.usableSize(a[i]));
            fill(a[i], seed * 1_000_003L + i);
        }
        return a;
    }

    /** Checks every block of {@link #allocate}'s {@code a} (in its order), then frees them in that order. */
    void freeChecked(long[] a, int seed) {
        for (int i = 0; i < a.length; i++) {
            check(a[i], seed * 1_000_003L + i);
        }
        for (long x : a) {
            Hakmem.free(x);
        }
    }

    void fill(long a, long key) {
        for (int o = 0; o < size; o += 8) {
            ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, a + o, key * 31 + o);
        }
    }

    void check(long a, long key) {
        for (int o = 0; o < size; o += 8) {
            long v = ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, a + o);
            if (v != key * 31 + o) {
                throw new AssertionError("block 0x" + Long.toHexString(a) + " byte " + o + ": " + v);
            }
        }
    }

    /** The addresses of {@code a}, each asserted to appear once ({@code what} names the blocks in the message). */
    static Set<Long> distinct(long[] a, String what) {
        Set<Long> seen = new HashSet<>();
        for (long x : a) {
            assertTrue(seen.add(x), "block 0x" + Long.toHexString(x) + " handed out twice" + what);
        }
        return seen;
    }

    /** The key block {@code a} was filled with (its first word), for blocks whose order was lost. */
    static long keyOf(long a) {
        return ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, a) / 31;
    }

    /** Class {@code c}'s magazine capacity in heap {@code h}. */
    static int capacity(Heap h, int c) {
        return Magazines.capacity(h.mag[Magazines.base(c)]);
    }

    /** The periodic sweep as the decay thread has the holder run it: inside the slow-path bracket. */
    static void sweep(Heap h) {
        long o = h.enterSlow();
        try {
            h.sweep(false);
        } finally {
            h.exitSlow(o);
        }
    }

    /** {@link FreshThread#run} of {@code body}, returning what it returned. */
    static String onNewThread(Callable<String> body) throws Exception {
        String[] out = new String[1];
        FreshThread.run(() -> out[0] = body.call());
        return out[0];
    }
}
