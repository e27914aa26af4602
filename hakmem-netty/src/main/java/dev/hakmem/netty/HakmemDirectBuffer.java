package dev.hakmem.netty;

import dev.hakmem.Hakmem;
import io.netty.util.internal.CleanableDirectBuffer;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One hakmem block seen as a direct {@link ByteBuffer}: what Netty's unpooled direct buffers
 * hold as their memory. {@link #clean()} frees the block; Netty calls it exactly once, when the
 * buffer is released or when a capacity change moves its content to a new block.
 */
final class HakmemDirectBuffer implements CleanableDirectBuffer {
    /** What a buffer wraps before its first block: empty, never freed, shared by all (each wraps its own slice). */
    static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

    private final long address;
    private final ByteBuffer buffer;

    HakmemDirectBuffer(int capacity) {
        long a = Hakmem.malloc(capacity);
        this.address = a;
        this.buffer = MemorySegment.ofAddress(a).reinterpret(capacity).asByteBuffer();
    }

    @Override
    public ByteBuffer buffer() {
        return buffer;
    }

    @Override
    public void clean() {
        Hakmem.free(address);
    }

    @Override
    public boolean hasMemoryAddress() {
        return true;
    }

    @Override
    public long memoryAddress() {
        return address;
    }
}
