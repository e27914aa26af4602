package dev.hakmem.netty;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.util.internal.CleanableDirectBuffer;

/**
 * Netty's unpooled direct buffer over hakmem memory, for JVMs where Netty does not use {@code sun.misc.Unsafe}.
 *
 * <p>Netty allocates the first memory of an unpooled direct buffer through a method a subclass
 * cannot override, and every later block (on a capacity change) through
 * {@link #allocateDirectBuffer(int)}, which this class overrides. So the buffer starts out
 * wrapping a shared empty buffer that Netty never frees, and the constructor sets the initial
 * capacity at once, which takes the first hakmem block through the override. From then on Netty
 * calls {@link HakmemDirectBuffer#clean()} for every block it drops, on release and on capacity
 * changes alike.
 */
final class HakmemDirectByteBuf extends UnpooledDirectByteBuf {

    @SuppressWarnings("this-escape") // capacity(int) reaches only Netty's state and allocateDirectBuffer
    HakmemDirectByteBuf(ByteBufAllocator alloc, int initialCapacity, int maxCapacity) {
        super(alloc, HakmemDirectBuffer.EMPTY, maxCapacity);
        capacity(initialCapacity);
    }

    @Override
    protected CleanableDirectBuffer allocateDirectBuffer(int capacity) {
        return new HakmemDirectBuffer(capacity);
    }
}
