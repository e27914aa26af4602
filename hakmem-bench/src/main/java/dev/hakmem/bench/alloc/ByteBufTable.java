package dev.hakmem.bench.alloc;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.foreign.MemorySegment;

/**
 * A {@link BlockTable} of Netty direct buffers ({@code directBuffer(n, n)}, freed by
 * {@code release()}): the buffers beside their native addresses.
 */
final class ByteBufTable extends AddressSlots {

    private final ByteBufAllocator netty;
    private final boolean addressWithoutUnsafe;
    private final ByteBuf[] buffers;

    /**
     * @param addressWithoutUnsafe whether a buffer without {@code memoryAddress()} (a Netty that
     *                             runs without {@code sun.misc.Unsafe}) has its address taken from
     *                             its NIO buffer; if not, such a buffer's address is 0
     */
    ByteBufTable(ByteBufAllocator netty, int capacity, boolean addressWithoutUnsafe) {
        super(capacity);
        this.netty = netty;
        this.addressWithoutUnsafe = addressWithoutUnsafe;
        this.buffers = new ByteBuf[capacity];
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

    /** Slow path for a buffer with no {@code memoryAddress()}. */
    private long addressOf(ByteBuf buffer, int n) {
        if (!addressWithoutUnsafe) {
            return 0;
        }
        return MemorySegment.ofBuffer(buffer.internalNioBuffer(0, Math.max(n, 1))).address();
    }
}
