package dev.hakmem.bench.alloc;

/**
 * A fixed number of slots, each empty or holding one block of an {@link Allocator}.
 *
 * <p>An empty slot has address 0. A table may be filled by one thread and handed to another
 * (through anything that orders memory, such as a lock, a queue or {@code Thread.start}), but
 * a slot must not be used by two threads at once.
 */
public interface BlockTable {

    /** Number of slots. */
    int capacity();

    /**
     * Allocates a block of {@code size} bytes into the empty slot {@code slot} and returns its
     * address.
     *
     * @throws OutOfMemoryError if the allocator has no memory
     */
    long allocate(int slot, long size);

    /** Frees the block in {@code slot} and empties the slot. */
    void free(int slot);

    /** The address of the block in {@code slot}, or 0 if the slot is empty. */
    long address(int slot);

    /** Frees every block still held and empties every slot. */
    default void freeAll() {
        for (int i = 0, n = capacity(); i < n; i++) {
            if (address(i) != 0) {
                free(i);
            }
        }
    }
}
