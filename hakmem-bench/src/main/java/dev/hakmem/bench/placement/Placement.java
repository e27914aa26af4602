package dev.hakmem.bench.placement;

/**
 * Where a placement policy puts blocks in a model address space (nothing is mapped: the
 * addresses only say which pages a block overlaps, see {@link PageLedger}). Not thread-safe.
 */
public interface Placement {

    /** Name in the model's table, e.g. {@code segregated}. */
    String name();

    /** The address for a new block of {@code size} bytes (1 up to {@link ModelAllocator#MAX_PLACED}). */
    long place(long size);

    /** The block of {@code size} bytes at {@code address}, placed by this policy, is free again. */
    void release(long address, long size);
}
