package dev.hakmem.bench.alloc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The {@code hakmem-netty} adapter: Netty direct buffers from hakmem-netty's
 * {@code HakmemByteBufAllocator} ({@code directBuffer(n, n)} and {@code release()}), so the
 * comparison with {@code netty-pooled} and {@code netty-adaptive} runs through the same Netty
 * code. Blocks are direct {@code ByteBuf}s; the table keeps them beside their addresses.
 *
 * <p>The allocator is looked up by name once, when the adapter is made, so this module compiles
 * without hakmem-netty; it must be on the class path at run time (a dependency of this module).
 */
final class HakmemNettyAdapter implements Allocator {

    static final String ALLOCATOR_CLASS = "dev.hakmem.netty.HakmemByteBufAllocator";

    private final ByteBufAllocator netty;

    HakmemNettyAdapter() {
        this.netty = load();
    }

    private static ByteBufAllocator load() {
        try {
            return (ByteBufAllocator) Class.forName(ALLOCATOR_CLASS).getField("DEFAULT").get(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("hakmem-netty: " + ALLOCATOR_CLASS
                    + " is not on the class path (add the dev.hakmem:hakmem-netty dependency)", e);
        }
    }

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
