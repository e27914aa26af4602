package dev.hakmem.bench.alloc;

import dev.hakmem.netty.HakmemByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The {@code hakmem-netty} adapter: Netty direct buffers from hakmem-netty's
 * {@code HakmemByteBufAllocator} ({@code directBuffer(n, n)} and {@code release()}), so the
 * comparison with {@code netty-pooled} and {@code netty-adaptive} runs through the same Netty
 * code. Blocks are direct {@code ByteBuf}s; the table keeps them beside their addresses.
 */
final class HakmemNettyAdapter implements Allocator {

    private final ByteBufAllocator netty = HakmemByteBufAllocator.DEFAULT;

    @Override
    public String name() {
        return "hakmem-netty";
    }

    @Override
    public BlockTable newTable(int capacity, boolean freedByOtherThreads) {
        return new Table(netty, capacity);
    }

    /** hakmem's own counters: the buffers are hakmem blocks. */
    @Override
    public AllocatorCounters counters() {
        return HakmemHeap.counters();
    }

    /** Direct buffers and their native addresses (hakmem blocks, so always known). */
    private static final class Table implements BlockTable {
        private final ByteBufAllocator netty;
        private final ByteBuf[] buffers;
        private final long[] addresses;

        Table(ByteBufAllocator netty, int capacity) {
            this.netty = netty;
            this.buffers = new ByteBuf[capacity];
            this.addresses = new long[capacity];
        }

        @Override
        public int capacity() {
            return addresses.length;
        }

        @Override
        public long allocate(int slot, long size) {
            int n = Math.toIntExact(size);
            ByteBuf buffer = netty.directBuffer(n, n);
            buffers[slot] = buffer;
            long address = buffer.hasMemoryAddress() ? buffer.memoryAddress() : 0; // 0 only for empty buffers
            addresses[slot] = address;
            return address;
        }

        @Override
        public void free(int slot) {
            buffers[slot].release();
            buffers[slot] = null;
            addresses[slot] = 0;
        }

        @Override
        public long address(int slot) {
            return addresses[slot];
        }
    }
}
