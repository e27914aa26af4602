package dev.hakmem.netty;

import io.netty.buffer.UnpooledUnsafeHeapByteBuf;

/**
 * Netty's unpooled heap buffer with {@code sun.misc.Unsafe} accessors, counted in its
 * allocator's used heap memory: chosen, as {@code UnpooledByteBufAllocator} chooses it, when
 * Netty can use {@code Unsafe}.
 */
final class HakmemUnsafeHeapByteBuf extends UnpooledUnsafeHeapByteBuf {

    HakmemUnsafeHeapByteBuf(HakmemByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
        super(alloc, initialCapacity, maxCapacity);
    }

    @Override
    protected byte[] allocateArray(int initialCapacity) {
        byte[] array = super.allocateArray(initialCapacity);
        ((HakmemByteBufAllocator) alloc()).countHeap(array.length);
        return array;
    }

    @Override
    protected void freeArray(byte[] array) {
        super.freeArray(array);
        ((HakmemByteBufAllocator) alloc()).countHeap(-array.length);
    }
}
