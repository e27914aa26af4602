package dev.hakmem.bench.memory;

import dev.hakmem.bench.alloc.BlockTable;
import dev.hakmem.bench.driver.Memory;

/** Allocation and free as every memory driver does them: every byte written, every byte counted. */
final class Blocks {

    private Blocks() {}

    /** Allocates {@code size} bytes into {@code slot}, writes all of them and counts them live. */
    static void allocate(BlockTable table, int slot, long size, LiveBytes live) {
        long address = table.allocate(slot, size);
        Memory.fill(address, size, (byte) (slot | 1));
        live.allocated(size);
    }

    /** Frees the block of {@code size} bytes in {@code slot} and counts it freed. */
    static void free(BlockTable table, int slot, long size, LiveBytes live) {
        table.free(slot);
        live.freed(size);
    }
}
