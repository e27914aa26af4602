package dev.hakmem.testing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/**
 * The tests' block contents: a block of {@code n} bytes is filled with {@code n} bytes of one
 * fixed random pattern from a pseudo-random offset, so every byte is checkable afterwards and two
 * blocks rarely hold the same bytes at the same offsets (a block handed out twice, or written
 * through a stale pointer, shows up as a mismatch).
 */
public final class BlockPattern {
    private BlockPattern() {}

    /** Offsets into the pattern lie in {@code [0, SPAN)}. */
    public static final int SPAN = 1 << 16;
    /** Longest block a pattern can fill. */
    public static final long MAX_BLOCK = 72L << 20;
    /** The random bytes ({@code MAX_BLOCK + SPAN} of them). */
    public static final MemorySegment PATTERN;

    static {
        byte[] p = new byte[(int) (MAX_BLOCK + SPAN)];
        new Random(0x5EED_0001L).nextBytes(p);
        PATTERN = MemorySegment.ofArray(p);
    }

    /** A pattern offset derived from any number. */
    public static int off(long i) {
        return (int) (((i + 1) * 0x9E3779B97F4A7C15L >>> 40) % SPAN);
    }

    /** The native memory {@code [address, address + size)}. */
    public static MemorySegment seg(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    /** Fills {@code size} bytes at {@code address} with the pattern from {@code off}. */
    public static void fill(long address, long size, int off) {
        if (size > 0) {
            MemorySegment.copy(PATTERN, off, seg(address, size), 0, size);
        }
    }

    /** The first offset at which the block differs from what {@link #fill} wrote, or -1. */
    public static long mismatch(long address, long size, int off) {
        return size <= 0 ? -1 : MemorySegment.mismatch(seg(address, size), 0, size, PATTERN, off, off + size);
    }

    /** Throws {@link AssertionError} naming the first byte that differs from what {@link #fill} wrote. */
    public static void verify(long address, long size, int off, String what) {
        long m = mismatch(address, size, off);
        if (m != -1) {
            throw new AssertionError(what + ": block " + hex(address) + " of " + size
                    + " bytes differs from its pattern at offset " + m + " (expected 0x"
                    + Integer.toHexString(PATTERN.get(ValueLayout.JAVA_BYTE, off + m) & 0xff) + ", found 0x"
                    + Integer.toHexString(seg(address, size).get(ValueLayout.JAVA_BYTE, m) & 0xff) + ")");
        }
    }

    /** The first of {@code size} bytes at {@code address} that is not {@code b}, or -1. */
    public static long firstNot(long address, long size, byte b) {
        MemorySegment s = seg(address, size);
        long i = 0;
        long word = (b & 0xFFL) * 0x0101010101010101L;
        for (; i + 8 <= size; i += 8) {
            if (s.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != word) {
                break;
            }
        }
        for (; i < size; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != b) {
                return i;
            }
        }
        return -1;
    }

    /** Throws {@link AssertionError} unless all {@code size} bytes at {@code address} are zero. */
    public static void verifyZero(long address, long size, String what) {
        long m = firstNot(address, size, (byte) 0);
        if (m != -1) {
            throw new AssertionError(what + ": block " + hex(address) + " of " + size + " bytes is not zero at offset " + m);
        }
    }

    public static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }
}
