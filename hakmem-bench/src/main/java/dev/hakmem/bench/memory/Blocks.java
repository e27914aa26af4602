package dev.hakmem.bench.memory;

import dev.hakmem.bench.alloc.BlockTable;
import dev.hakmem.bench.driver.Memory;

/**
 * Allocation and free as every memory driver does them: every page of a block touched, every
 * byte counted.
 */
final class Blocks {

    private static final long PAGE = 4096;

    private Blocks() {}

    /**
     * Allocates {@code size} bytes into {@code slot}, writes its first and last byte and one byte
     * in every page in between (so every page the block overlaps is resident, as if it had been
     * filled, at a fraction of the cost for large blocks) and counts it live.
     */
    static void allocate(BlockTable table, int slot, long size, LiveBytes live) {
        long address = table.allocate(slot, size);
        touch(address, size, (byte) (slot | 1));
        live.allocated(size);
    }

    /** Frees the block of {@code size} bytes in {@code slot} and counts it freed. */
    static void free(BlockTable table, int slot, long size, LiveBytes live) {
        table.free(slot);
        live.freed(size);
    }

    /** Writes {@code value} at {@code address}, at every page start inside the block, and at its last byte. */
    static void touch(long address, long size, byte value) {
        Memory.writeByte(address, value);
        long end = address + size;
        for (long p = (address & -PAGE) + PAGE; p < end; p += PAGE) {
            Memory.writeByte(p, value);
        }
        Memory.writeByte(end - 1, value);
    }
}
