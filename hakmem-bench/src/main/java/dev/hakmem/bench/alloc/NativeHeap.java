package dev.hakmem.bench.alloc;

/** An allocator that hands out raw addresses and frees by address: malloc and free. */
public interface NativeHeap {

    /** Allocates {@code size} bytes; returns 0 when out of memory. */
    long malloc(long size);

    /** Frees a block returned by {@link #malloc}. */
    void free(long address);
}
