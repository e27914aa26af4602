package dev.hakmem.bench.alloc;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.Optional;

/**
 * Netty's pooled or adaptive allocator: {@code directBuffer(n, n)} and {@code release()}.
 * Blocks are direct {@code ByteBuf}s in a {@link ByteBufTable}.
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
        return new ByteBufTable(netty, capacity, true);
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
}
