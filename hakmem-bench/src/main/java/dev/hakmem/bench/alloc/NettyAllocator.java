package dev.hakmem.bench.alloc;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Netty's pooled or adaptive allocator: {@code directBuffer(n, n)} and {@code release()}.
 * Blocks are direct {@code ByteBuf}s; the table keeps them beside their addresses.
 */
final class NettyAllocator implements Allocator {

    private final String name;
    private final ByteBufAllocator netty;

    private NettyAllocator(String name, ByteBufAllocator netty) {
        this.name = name;
        this.netty = netty;
    }

    /** {@code PooledByteBufAllocator.DEFAULT}. */
    static NettyAllocator pooled() {
        return new NettyAllocator("netty-pooled", PooledByteBufAllocator.DEFAULT);
    }

    /** A new {@code AdaptiveByteBufAllocator} with its default settings. */
    static NettyAllocator adaptive() {
        return new NettyAllocator("netty-adaptive", new AdaptiveByteBufAllocator());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BlockTable newTable(int capacity, boolean freedByOtherThreads) {
        return new Table(netty, capacity);
    }

    /**
     * Pooled: {@code PooledByteBufAllocator.trimCurrentThreadCache()}, the only trim its API has:
     * it empties the calling thread's cache back into the arenas, so per thread. A chunk goes back
     * to the JDK (which frees its memory) when it empties after having been more than a quarter
     * used, never on request. Adaptive: none.
     */
    @Override
    public Optional<Trim> trim() {
        if (netty instanceof PooledByteBufAllocator pooled) {
            return Optional.of(new Trim("PooledByteBufAllocator.trimCurrentThreadCache()", true,
                    pooled::trimCurrentThreadCache));
        }
        return Optional.empty();
    }

    /** Direct buffers and their native addresses. */
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
            long address = buffer.hasMemoryAddress() ? buffer.memoryAddress() : addressOf(buffer, n);
            buffers[slot] = buffer;
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

        /** Slow path for a Netty that runs without {@code sun.misc.Unsafe}. */
        private static long addressOf(ByteBuf buffer, int n) {
            return MemorySegment.ofBuffer(buffer.internalNioBuffer(0, Math.max(n, 1))).address();
        }
    }
}
