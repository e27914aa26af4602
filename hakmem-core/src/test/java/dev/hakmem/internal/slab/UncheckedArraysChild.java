package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;

/**
 * Child JVM of {@link UncheckedArraysTest}: reports whether the magazines' accesses skip the range
 * check, then runs allocations and frees through every small class's magazine (refills, pushes up
 * to the capacity, flushes) and checks every block's first and last byte.
 */
public final class UncheckedArraysChild {
    private UncheckedArraysChild() {}

    public static void main(String[] args) {
        int classes = SizeClasses.SMALL_COUNT;
        long[][] blocks = new long[classes][];
        for (int round = 0; round < 3; round++) {
            for (int c = 0; c < classes; c++) {
                int n = 2 * SizeClasses.cacheCapacity(c) + 3;
                int size = SizeClasses.size(c);
                blocks[c] = new long[n];
                for (int k = 0; k < n; k++) {
                    long a = Hakmem.malloc(size);
                    byte tag = (byte) (c * 31 + k);
                    dev.hakmem.internal.os.Os.ALL.set(java.lang.foreign.ValueLayout.JAVA_BYTE, a, tag);
                    dev.hakmem.internal.os.Os.ALL.set(java.lang.foreign.ValueLayout.JAVA_BYTE, a + size - 1, tag);
                    blocks[c][k] = a;
                }
            }
            for (int c = 0; c < classes; c++) {
                int size = SizeClasses.size(c);
                for (int k = blocks[c].length - 1; k >= 0; k--) {
                    long a = blocks[c][k];
                    byte tag = (byte) (c * 31 + k);
                    byte first = dev.hakmem.internal.os.Os.ALL.get(java.lang.foreign.ValueLayout.JAVA_BYTE, a);
                    byte last = dev.hakmem.internal.os.Os.ALL.get(java.lang.foreign.ValueLayout.JAVA_BYTE, a + size - 1);
                    if (first != tag || last != tag) {
                        throw new AssertionError("class " + c + " block " + k + " at 0x" + Long.toHexString(a) + " overwritten");
                    }
                    Hakmem.free(a);
                }
            }
        }
        try {
            Hakmem.free(blocks[0][0]);
            throw new AssertionError("a double free went through");
        } catch (IllegalStateException expected) {
            // the check still refuses it
        }
        System.out.println("unchecked=" + UncheckedArrays.AVAILABLE + " reason=" + UncheckedArrays.UNAVAILABLE_REASON
                + " liveBytes=" + Hakmem.stats().liveBytes());
    }
}
