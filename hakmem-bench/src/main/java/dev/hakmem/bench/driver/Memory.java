package dev.hakmem.bench.driver;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Writes and reads blocks by raw address, through one segment spanning the address space. */
@SuppressWarnings("restricted") // a segment over all memory; the JVM runs with --enable-native-access
public final class Memory {

    /** All of memory. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private Memory() {}

    /** Writes one byte. */
    public static void writeByte(long address, byte value) {
        ALL.set(ValueLayout.JAVA_BYTE, address, value);
    }

    /** Reads one byte. */
    public static byte readByte(long address) {
        return ALL.get(ValueLayout.JAVA_BYTE, address);
    }

    /** Writes {@code value} into every byte of {@code [address, address + size)}, eight at a time. */
    public static void fill(long address, long size, byte value) {
        long pattern = (value & 0xFFL) * 0x0101010101010101L;
        long i = 0;
        for (long end = size - 7; i < end; i += 8) {
            ALL.set(LONG, address + i, pattern);
        }
        for (; i < size; i++) {
            ALL.set(ValueLayout.JAVA_BYTE, address + i, value);
        }
    }

    /**
     * Reads every byte of {@code [address, address + size)} back and returns the bits in which
     * they differ from {@code value}, or 0 if every byte still holds it.
     */
    public static long check(long address, long size, byte value) {
        long pattern = (value & 0xFFL) * 0x0101010101010101L;
        long diff = 0;
        long i = 0;
        for (long end = size - 7; i < end; i += 8) {
            diff |= ALL.get(LONG, address + i) ^ pattern;
        }
        for (; i < size; i++) {
            diff |= (ALL.get(ValueLayout.JAVA_BYTE, address + i) ^ value) & 0xFF;
        }
        return diff;
    }
}
