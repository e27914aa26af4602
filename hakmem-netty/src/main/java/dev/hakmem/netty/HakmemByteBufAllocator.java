package dev.hakmem.netty;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.util.internal.PlatformDependent;

/**
 * A Netty {@link io.netty.buffer.ByteBufAllocator} whose direct buffers live in hakmem memory:
 * each is one hakmem block, freed the moment the buffer is released (its reference count
 * reaches zero), and moved to a new block when its capacity changes. Heap buffers are Netty's
 * unpooled heap buffers.
 *
 * <pre>{@code
 * ServerBootstrap b = new ServerBootstrap()
 *         .option(ChannelOption.ALLOCATOR, HakmemByteBufAllocator.DEFAULT)
 *         .childOption(ChannelOption.ALLOCATOR, HakmemByteBufAllocator.DEFAULT)
 *         ...;
 * }</pre>
 *
 * <p>I/O buffers ({@link #ioBuffer()}) are always direct, and {@link #buffer()} is direct when
 * the allocator prefers direct buffers (the default), whether or not Netty may use
 * {@code sun.misc.Unsafe}: hakmem's blocks are freed explicitly, never by a cleaner. With
 * {@code --sun-misc-unsafe-memory-access=allow} the buffers use Netty's {@code Unsafe}
 * accessors, otherwise its {@code ByteBuffer} ones.
 *
 * <p>Buffers must be released, as with any Netty allocator; one that is garbage collected
 * unreleased leaks its block (Netty's leak detector reports it).
 */
public final class HakmemByteBufAllocator extends AbstractByteBufAllocator {

    /** The shared instance, preferring direct buffers. */
    public static final HakmemByteBufAllocator DEFAULT = new HakmemByteBufAllocator(true);

    private static final boolean UNSAFE = PlatformDependent.hasUnsafe();

    private final boolean preferDirect;

    /**
     * @param preferDirect whether {@link #buffer()} returns direct (hakmem) buffers; I/O buffers
     *                     are direct either way
     */
    public HakmemByteBufAllocator(boolean preferDirect) {
        super(preferDirect);
        this.preferDirect = preferDirect;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return UNSAFE ? new HakmemUnsafeDirectByteBuf(this, initialCapacity, maxCapacity)
                : new HakmemDirectByteBuf(this, initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
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
