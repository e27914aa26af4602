package dev.hakmem.bench.alloc;

import java.lang.foreign.Arena;

/**
 * Returns one fixed address for every request and frees nothing: what remains is the cost
 * of the driver itself, the ceiling no allocator can beat. The address is that of a real
 * 4 MiB buffer, so the drivers' writes land somewhere harmless.
 */
public final class NullHeap implements NativeHeap {

    /** Largest block the null heap accepts. */
    public static final long MAX_BLOCK = 4L << 20;

    private static final long ADDRESS = Arena.global().allocate(MAX_BLOCK, 64).address();

    @Override
    public long malloc(long size) {
        if (size > MAX_BLOCK) {
            throw new IllegalArgumentException("the null adapter serves blocks up to " + MAX_BLOCK + " bytes");
        }
        return ADDRESS;
    }

    @Override
    public void free(long address) {
        // nothing to do
    }
}
