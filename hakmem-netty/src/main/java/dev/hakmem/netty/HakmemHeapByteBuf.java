package dev.hakmem.netty;

import io.netty.buffer.UnpooledHeapByteBuf;

/**
 * Netty's unpooled heap buffer, counted in its allocator's used heap memory: chosen, as
 * {@code UnpooledByteBufAllocator} chooses it, when Netty cannot use {@code sun.misc.Unsafe}.
 */
final class HakmemHeapByteBuf extends UnpooledHeapByteBuf {

    HakmemHeapByteBuf(HakmemByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
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
