package dev.hakmem.netty;

import dev.hakmem.Hakmem;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;

/**
 * A Netty {@link io.netty.buffer.ByteBufAllocator} whose direct buffers are hakmem blocks.
 *
 * <pre>{@code
 * ServerBootstrap b = new ServerBootstrap()
 *         .option(ChannelOption.ALLOCATOR, HakmemByteBufAllocator.DEFAULT)
 *         .childOption(ChannelOption.ALLOCATOR, HakmemByteBufAllocator.DEFAULT)
 *         ...;
 * }</pre>
 *
 * <p><b>Direct buffers.</b> Each is one hakmem block ({@link Hakmem#malloc(long)}), given back
 * to hakmem ({@link Hakmem#free(long)}) the moment the buffer is released, so memory a server
 * no longer uses returns to hakmem's caches and, after {@code hakmem.decayMs}, to the OS. A
 * capacity change is a {@link Hakmem#realloc(long, long)}: in place while the new capacity
 * stays in the block's size class. The {@code ByteBuf} objects are recycled per thread
 * ({@code hakmem.netty.threadCache}, default 1024 per platform thread, and a shared
 * {@code hakmem.netty.sharedCache}, default 8192), so a buffer costs no JDK object beyond
 * those of Netty's pooled buffers; an NIO {@code ByteBuffer} over the block is made only when
 * Netty asks for one. Memory is accessed through the FFM API, with the same speed whether or
 * not Netty may use {@code sun.misc.Unsafe}.
 *
 * <p><b>Heap buffers</b> are Netty's unpooled heap buffers, chosen as
 * {@code UnpooledByteBufAllocator} chooses them: {@code UnpooledUnsafeHeapByteBuf} when Netty can
 * use {@code Unsafe}, else {@code UnpooledHeapByteBuf}.
 *
 * <p><b>Leak detection</b> wraps buffers exactly as Netty's allocators do
 * ({@code io.netty.leakDetection.level}). A buffer that is garbage collected unreleased leaks
 * its block, and the leak detector reports it.
 *
 * <p><b>Metrics.</b> {@link #metric()} reports the bytes of live buffers exactly: the sum of the
 * capacities of the live direct buffers and of the array lengths of the live heap buffers
 * (hakmem rounds a block up to its size class; {@link Hakmem#stats()} shows those bytes). Threads
 * count into their own counters, without atomic instructions; a reading sums them.
 */
public final class HakmemByteBufAllocator extends AbstractByteBufAllocator implements ByteBufAllocatorMetricProvider {

    /** The shared instance, preferring direct buffers. */
    public static final HakmemByteBufAllocator DEFAULT = new HakmemByteBufAllocator(true);

    private static final boolean UNSAFE_HEAP = PlatformDependent.hasUnsafe();

    private final boolean preferDirect;
    private final BufferCaches caches = new BufferCaches(this);
    private final ByteBufAllocatorMetric metric = new ByteBufAllocatorMetric() {
        @Override
        public long usedHeapMemory() {
            return caches.usedHeap();
        }

        @Override
        public long usedDirectMemory() {
            return caches.usedDirect();
        }

        @Override
        public String toString() {
            return "HakmemByteBufAllocatorMetric(usedHeapMemory: " + usedHeapMemory() + "; usedDirectMemory: "
                    + usedDirectMemory() + ')';
        }
    };

    /**
     * @param preferDirect whether {@link #buffer()} returns direct (hakmem) buffers; I/O buffers
     *                     are direct either way
     */
    public HakmemByteBufAllocator(boolean preferDirect) {
        super(preferDirect);
        this.preferDirect = preferDirect;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        long address = Hakmem.malloc(initialCapacity);
        HakmemByteBuf buf;
        try {
            buf = caches.take(initialCapacity);
        } catch (Throwable t) {
            Hakmem.free(address);
            throw t;
        }
        return toLeakAwareBuffer(buf.init(address, initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        ByteBuf buf = UNSAFE_HEAP ? new HakmemUnsafeHeapByteBuf(this, initialCapacity, maxCapacity)
                : new HakmemHeapByteBuf(this, initialCapacity, maxCapacity);
        return toLeakAwareBuffer(buf);
    }

    /** Called by the heap buffers when they take or drop an array. */
    void countHeap(long delta) {
        caches.countHeap(delta);
    }

    /** Buffer objects held for reuse, in the calling thread's cache and the shared one (for tests). */
    int cachedBuffers() {
        return caches.cachedHere();
    }

    /** Threads whose counters the metric sums one by one (for tests). */
    int registeredThreads() {
        return caches.registeredThreads();
    }

    /**
     * {@code true}: a direct buffer costs about what one from Netty's pooled allocator costs
     * (a block from hakmem's thread cache and a recycled object), which is what Netty asks this
     * for, e.g. before copying a heap buffer into a direct one for a socket write.
     */
    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    /** The bytes of live buffers, exact: see the class comment. */
    @Override
    public ByteBufAllocatorMetric metric() {
        return metric;
    }

    @Override
    public ByteBuf buffer() {
        return preferDirect ? directBuffer() : heapBuffer();
    }

    @Override
    public ByteBuf buffer(int initialCapacity) {
        return preferDirect ? directBuffer(initialCapacity) : heapBuffer(initialCapacity);
    }

    @Override
    public ByteBuf buffer(int initialCapacity, int maxCapacity) {
        return preferDirect ? directBuffer(initialCapacity, maxCapacity) : heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public ByteBuf ioBuffer() {
        return directBuffer();
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity) {
        return directBuffer(initialCapacity);
    }

    @Override
    public ByteBuf ioBuffer(int initialCapacity, int maxCapacity) {
        return directBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public String toString() {
        return "HakmemByteBufAllocator(preferDirect: " + preferDirect + ")";
    }
}
