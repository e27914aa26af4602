package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.testing.BlockPattern;

/**
 * Child JVM of {@link UncheckedArraysTest}: reports whether the magazines' accesses skip the range
 * check, then runs allocations and frees through every small class's magazine (refills, pushes up
 * to the capacity, flushes) and checks every byte of every block before its free.
 */
public final class UncheckedArraysChild {
    private UncheckedArraysChild() {}

    public static void main(String[] args) {
        int classes = SizeClasses.SMALL_COUNT;
        long[][] blocks = new long[classes][];
        for (int round = 0; round < 3; round++) {
            for (int c = 0; c < classes; c++) {
                int n = 2 * SizeClasses.cacheCapacity(c) + 3;
                blocks[c] = new long[n];
                for (int k = 0; k < n; k++) {
                    long a = Hakmem.malloc(SizeClasses.size(c));
                    BlockPattern.fill(a, SizeClasses.size(c), BlockPattern.off(a));
                    blocks[c][k] = a;
                }
            }
            for (int c = 0; c < classes; c++) {
                for (int k = blocks[c].length - 1; k >= 0; k--) {
                    long a = blocks[c][k];
                    BlockPattern.verify(a, SizeClasses.size(c), BlockPattern.off(a), "class " + c + " block " + k);
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
