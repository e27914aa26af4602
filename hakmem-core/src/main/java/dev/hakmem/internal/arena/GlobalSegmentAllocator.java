package dev.hakmem.internal.arena;

import dev.hakmem.internal.Allocator;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * {@code Hakmem.allocator()}: segments of the global heap, in the global scope, not zeroed,
 * each freed by the caller with {@code Hakmem.free(MemorySegment)}.
 */
public final class GlobalSegmentAllocator implements SegmentAllocator {

    /** The one instance. */
    public static final GlobalSegmentAllocator INSTANCE = new GlobalSegmentAllocator();

    private GlobalSegmentAllocator() {}

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return MemorySegment.ofAddress(Allocator.alignedAlloc(byteAlignment, byteSize)).reinterpret(byteSize);
    }

    @Override
    public String toString() {
        return "Hakmem.allocator()";
    }
}
