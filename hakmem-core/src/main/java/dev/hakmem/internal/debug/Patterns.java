package dev.hakmem.internal.debug;

import dev.hakmem.internal.os.Os;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The byte patterns of debug mode, and filling and checking memory with them. */
final class Patterns {
    private Patterns() {}

    /** New blocks (calloc's are zero). */
    static final byte NEW = (byte) 0xA5;
    /** Freed blocks, in the quarantine. */
    static final byte FREED = (byte) 0xDD;
    /** The canary after every block. */
    static final byte GUARD = (byte) 0xCA;

    private static final MemorySegment ALL = Os.ALL;

    /** Fills {@code n} bytes at {@code a} with {@code v}. */
    static void fill(long a, long n, byte v) {
        if (n > 0) {
            ALL.asSlice(a, n).fill(v);
        }
    }

    /** Offset of the first byte in {@code [a, a+n)} that is not {@code v}, or -1. */
    static long firstNot(long a, long n, byte v) {
        MemorySegment s = ALL.asSlice(a, n);
        long i = 0;
        long pattern = (v & 0xFFL) * 0x0101010101010101L;
        for (; i + 8 <= n; i += 8) {
            if (s.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != pattern) {
                break;
            }
        }
        for (; i < n; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != v) {
                return i;
            }
        }
        return -1;
    }
}
