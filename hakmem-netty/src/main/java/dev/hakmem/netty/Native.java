package dev.hakmem.netty;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reads and writes native memory by raw address through one segment spanning the address
 * space, in both byte orders. The JIT compiles these accesses to plain loads and stores, with
 * or without {@code sun.misc.Unsafe}; the JVM needs native access, as hakmem itself does.
 */
@SuppressWarnings("restricted")
final class Native {

    /** All of memory, in the global scope (always alive). */
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Native() {}

    static byte getByte(long a) {
        return ALL.get(BYTE, a);
    }

    static void putByte(long a, byte v) {
        ALL.set(BYTE, a, v);
    }

    static short getShort(long a) {
        return ALL.get(SHORT_BE, a);
    }

    static short getShortLE(long a) {
        return ALL.get(SHORT_LE, a);
    }

    static void putShort(long a, short v) {
        ALL.set(SHORT_BE, a, v);
    }

    static void putShortLE(long a, short v) {
        ALL.set(SHORT_LE, a, v);
    }

    static int getUnsignedMedium(long a) {
        return (getByte(a) & 0xFF) << 16 | getShort(a + 1) & 0xFFFF;
    }

    static int getUnsignedMediumLE(long a) {
        return getShortLE(a) & 0xFFFF | (getByte(a + 2) & 0xFF) << 16;
    }

    static void putMedium(long a, int v) {
        putByte(a, (byte) (v >>> 16));
        putShort(a + 1, (short) v);
    }

    static void putMediumLE(long a, int v) {
        putShortLE(a, (short) v);
        putByte(a + 2, (byte) (v >>> 16));
    }

    static int getInt(long a) {
        return ALL.get(INT_BE, a);
    }

    static int getIntLE(long a) {
        return ALL.get(INT_LE, a);
    }

    static void putInt(long a, int v) {
        ALL.set(INT_BE, a, v);
    }

    static void putIntLE(long a, int v) {
        ALL.set(INT_LE, a, v);
    }

    static long getLong(long a) {
        return ALL.get(LONG_BE, a);
    }

    static long getLongLE(long a) {
        return ALL.get(LONG_LE, a);
    }

    static void putLong(long a, long v) {
        ALL.set(LONG_BE, a, v);
    }

    static void putLongLE(long a, long v) {
        ALL.set(LONG_LE, a, v);
    }

    /** Copies {@code n} bytes between native addresses; the ranges may overlap. */
    static void copy(long from, long to, long n) {
        MemorySegment.copy(ALL, from, ALL, to, n);
    }

    static void toArray(long from, byte[] to, int toIndex, int n) {
        MemorySegment.copy(ALL, BYTE, from, to, toIndex, n);
    }

    static void fromArray(byte[] from, int fromIndex, long to, int n) {
        MemorySegment.copy(from, fromIndex, ALL, BYTE, to, n);
    }

    static void zero(long a, long n) {
        ALL.asSlice(a, n).fill((byte) 0);
    }
}
