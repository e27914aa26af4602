package dev.hakmem.bench.alloc;

import dev.hakmem.netty.HakmemByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;

/**
 * The {@code hakmem-netty} adapter: Netty direct buffers from hakmem-netty's
 * {@code HakmemByteBufAllocator} ({@code directBuffer(n, n)} and {@code release()}), so the
 * comparison with {@code netty-pooled} and {@code netty-adaptive} runs through the same Netty
 * code. Blocks are direct {@code ByteBuf}s in a {@link ByteBufTable}.
 */
final class HakmemNettyAdapter implements Allocator {

    private final ByteBufAllocator netty = HakmemByteBufAllocator.DEFAULT;

    @Override
    public String name() {
        return "hakmem-netty";
    }

    @Override
    public BlockTable newTable(int capacity, boolean freedByOtherThreads) {
        return new ByteBufTable(netty, capacity, false); // hakmem blocks: 0 only for empty buffers
    }

    /** hakmem's own counters: the buffers are hakmem blocks. */
    @Override
    public AllocatorCounters counters() {
        return HakmemHeap.counters();
    }
}
