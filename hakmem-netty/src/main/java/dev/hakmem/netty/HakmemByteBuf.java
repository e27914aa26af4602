package dev.hakmem.netty;

import dev.hakmem.Hakmem;
import io.netty.buffer.AbstractReferenceCountedByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A direct buffer that is one hakmem block: the raw address and the capacity, nothing else.
 *
 * <p>Instances are recycled: {@link #deallocate()} (the reference count reached zero) frees the
 * block and hands the object back to its allocator's {@link BufferCaches}, and the next buffer
 * of any size reuses it. A released buffer's reference count is zero, so every access through
 * it throws {@link io.netty.util.IllegalReferenceCountException}, as on Netty's own buffers,
 * until the object is handed out again; like Netty's pooled buffers, a reference kept past
 * {@code release()} may then see the new owner's buffer.
 *
 * <p>An NIO {@link ByteBuffer} over the block is made only when Netty asks for one
 * ({@link #nioBuffer}, {@link #internalNioBuffer}, channel I/O); the one behind
 * {@link #internalNioBuffer} is kept until the block changes; each is one object with the JDK's
 * access exported ({@link NioViews}). Capacity changes go through
 * {@link Hakmem#realloc(long, long)}, which keeps the block when the new capacity stays in its
 * size class.
 */
final class HakmemByteBuf extends AbstractReferenceCountedByteBuf {

    /** Bytes copied through a temporary array per step for streams. */
    private static final int STREAM_CHUNK = 8192;

    private final HakmemByteBufAllocator alloc;
    private final BufferCaches caches;
    private long address;
    private int capacity;
    private ByteBuffer tmpNioBuf;
    /** The cache of the thread that allocated this buffer (null: the shared one); set by {@link BufferCaches#take}. */
    BufferCaches.Local owner;

    HakmemByteBuf(HakmemByteBufAllocator alloc, BufferCaches caches) {
        super(0);
        this.alloc = alloc;
        this.caches = caches;
    }

    /** Makes this (new or recycled) object a live buffer over the block at {@code address}. */
    HakmemByteBuf init(long address, int capacity, int maxCapacity) {
        this.address = address;
        this.capacity = capacity;
        maxCapacity(maxCapacity);
        resetRefCnt();
        setIndex(0, 0);
        markReaderIndex();
        markWriterIndex();
        return this;
    }

    @Override
    protected void deallocate() {
        long a = address;
        int c = capacity;
        address = 0;
        capacity = 0;
        tmpNioBuf = null;
        Hakmem.free(a);
        caches.give(this, c);
    }

    private long addr(int index) {
        return address + index;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        checkNewCapacity(newCapacity);
        int old = capacity;
        if (newCapacity == old) {
            return this;
        }
        address = Hakmem.realloc(address, newCapacity);
        capacity = newCapacity;
        tmpNioBuf = null;
        if (newCapacity < old) {
            trimIndicesToCapacity(newCapacity);
        }
        caches.countDirect(this, (long) newCapacity - old);
        return this;
    }

    @Override
    public ByteBufAllocator alloc() {
        return alloc;
    }

    @Override
    public ByteOrder order() {
        return ByteOrder.BIG_ENDIAN;
    }

    @Override
    public ByteBuf unwrap() {
        return null;
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    @Override
    public boolean isContiguous() {
        return true;
    }

    @Override
    public boolean hasArray() {
        return false;
    }

    @Override
    public byte[] array() {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public int arrayOffset() {
        throw new UnsupportedOperationException("direct buffer");
    }

    @Override
    public boolean hasMemoryAddress() {
        return true;
    }

    @Override
    public long memoryAddress() {
        ensureAccessible();
        return address;
    }

    // ---- single values ----

    @Override
    protected byte _getByte(int index) {
        return Native.getByte(addr(index));
    }

    @Override
    protected short _getShort(int index) {
        return Native.getShort(addr(index));
    }

    @Override
    protected short _getShortLE(int index) {
        return Native.getShortLE(addr(index));
    }

    @Override
    protected int _getUnsignedMedium(int index) {
        return Native.getUnsignedMedium(addr(index));
    }

    @Override
    protected int _getUnsignedMediumLE(int index) {
        return Native.getUnsignedMediumLE(addr(index));
    }

    @Override
    protected int _getInt(int index) {
        return Native.getInt(addr(index));
    }

    @Override
    protected int _getIntLE(int index) {
        return Native.getIntLE(addr(index));
    }

    @Override
    protected long _getLong(int index) {
        return Native.getLong(addr(index));
    }

    @Override
    protected long _getLongLE(int index) {
        return Native.getLongLE(addr(index));
    }

    @Override
    protected void _setByte(int index, int value) {
        Native.putByte(addr(index), (byte) value);
    }

    @Override
    protected void _setShort(int index, int value) {
        Native.putShort(addr(index), (short) value);
    }

    @Override
    protected void _setShortLE(int index, int value) {
        Native.putShortLE(addr(index), (short) value);
    }

    @Override
    protected void _setMedium(int index, int value) {
        Native.putMedium(addr(index), value);
    }

    @Override
    protected void _setMediumLE(int index, int value) {
        Native.putMediumLE(addr(index), value);
    }

    @Override
    protected void _setInt(int index, int value) {
        Native.putInt(addr(index), value);
    }

    @Override
    protected void _setIntLE(int index, int value) {
        Native.putIntLE(addr(index), value);
    }

    @Override
    protected void _setLong(int index, long value) {
        Native.putLong(addr(index), value);
    }

    @Override
    protected void _setLongLE(int index, long value) {
        Native.putLongLE(addr(index), value);
    }

    // ---- bulk transfers ----

    @Override
    public ByteBuf getBytes(int index, ByteBuf dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.capacity());
        if (length == 0) {
            return this;
        }
        if (dst.hasMemoryAddress()) {
            Native.copy(addr(index), dst.memoryAddress() + dstIndex, length);
        } else if (dst.hasArray()) {
            Native.toArray(addr(index), dst.array(), dst.arrayOffset() + dstIndex, length);
        } else {
            dst.setBytes(dstIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, byte[] dst, int dstIndex, int length) {
        checkDstIndex(index, length, dstIndex, dst.length);
        Native.toArray(addr(index), dst, dstIndex, length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, ByteBuffer dst) {
        int length = dst.remaining();
        checkIndex(index, length);
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (length == 0) {
            return this;
        }
        MemorySegment.copy(Native.ALL, addr(index), MemorySegment.ofBuffer(dst), 0, length);
        dst.position(dst.position() + length);
        return this;
    }

    @Override
    public ByteBuf getBytes(int index, OutputStream out, int length) throws IOException {
        checkIndex(index, length);
        if (length == 0) {
            return this;
        }
        byte[] tmp = new byte[Math.min(length, STREAM_CHUNK)];
        for (int done = 0; done < length; ) {
            int n = Math.min(tmp.length, length - done);
            Native.toArray(addr(index + done), tmp, 0, n);
            out.write(tmp, 0, n);
            done += n;
        }
        return this;
    }

    @Override
    public int getBytes(int index, GatheringByteChannel out, int length) throws IOException {
        checkIndex(index, length);
        if (length == 0) {
            return 0;
        }
        return out.write(newNioBuffer(index, length));
    }

    @Override
    public int getBytes(int index, FileChannel out, long position, int length) throws IOException {
        checkIndex(index, length);
        if (length == 0) {
            return 0;
        }
        return out.write(newNioBuffer(index, length), position);
    }

    @Override
    public int readBytes(GatheringByteChannel out, int length) throws IOException {
        checkReadableBytes(length);
        if (length == 0) {
            return 0;
        }
        int index = readerIndex();
        int n = out.write(internalNioBuffer0(index, length));
        readerIndex(index + n);
        return n;
    }

    @Override
    public int readBytes(FileChannel out, long position, int length) throws IOException {
        checkReadableBytes(length);
        if (length == 0) {
            return 0;
        }
        int index = readerIndex();
        int n = out.write(internalNioBuffer0(index, length), position);
        readerIndex(index + n);
        return n;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuf src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.capacity());
        if (length == 0) {
            return this;
        }
        if (src.hasMemoryAddress()) {
            Native.copy(src.memoryAddress() + srcIndex, addr(index), length);
        } else if (src.hasArray()) {
            Native.fromArray(src.array(), src.arrayOffset() + srcIndex, addr(index), length);
        } else {
            src.getBytes(srcIndex, this, index, length);
        }
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, byte[] src, int srcIndex, int length) {
        checkSrcIndex(index, length, srcIndex, src.length);
        Native.fromArray(src, srcIndex, addr(index), length);
        return this;
    }

    @Override
    public ByteBuf setBytes(int index, ByteBuffer src) {
        int length = src.remaining();
        checkIndex(index, length);
        if (length == 0) {
            return this;
        }
        MemorySegment.copy(MemorySegment.ofBuffer(src), 0, Native.ALL, addr(index), length);
        src.position(src.position() + length);
        return this;
    }

    @Override
    public int setBytes(int index, InputStream in, int length) throws IOException {
        checkIndex(index, length);
        byte[] tmp = new byte[Math.min(length, STREAM_CHUNK)];
        int n = in.read(tmp, 0, tmp.length);
        if (n > 0) {
            Native.fromArray(tmp, 0, addr(index), n);
        }
        return n;
    }

    @Override
    public int setBytes(int index, ScatteringByteChannel in, int length) throws IOException {
        checkIndex(index, length);
        try {
            return in.read(internalNioBuffer0(index, length));
        } catch (ClosedChannelException ignored) {
            return -1;
        }
    }

    @Override
    public int setBytes(int index, FileChannel in, long position, int length) throws IOException {
        checkIndex(index, length);
        try {
            return in.read(internalNioBuffer0(index, length), position);
        } catch (ClosedChannelException ignored) {
            return -1;
        }
    }

    @Override
    public ByteBuf setZero(int index, int length) {
        checkIndex(index, length);
        if (length > 0) {
            Native.zero(addr(index), length);
        }
        return this;
    }

    @Override
    public ByteBuf copy(int index, int length) {
        checkIndex(index, length);
        ByteBuf copy = alloc.directBuffer(length, maxCapacity());
        if (length > 0) {
            copy.setBytes(0, this, index, length);
            copy.writerIndex(length);
        }
        return copy;
    }

    // ---- NIO views ----

    @Override
    public int nioBufferCount() {
        return 1;
    }

    @Override
    public ByteBuffer nioBuffer(int index, int length) {
        checkIndex(index, length);
        return newNioBuffer(index, length);
    }

    @Override
    public ByteBuffer[] nioBuffers(int index, int length) {
        return new ByteBuffer[] {nioBuffer(index, length)};
    }

    @Override
    public ByteBuffer internalNioBuffer(int index, int length) {
        checkIndex(index, length);
        return internalNioBuffer0(index, length);
    }

    /** A new direct ByteBuffer over {@code [index, index + length)}: its own position and limit. */
    private ByteBuffer newNioBuffer(int index, int length) {
        return NioViews.over(addr(index), length);
    }

    /** The kept ByteBuffer over the whole block, positioned at {@code [index, index + length)}. */
    private ByteBuffer internalNioBuffer0(int index, int length) {
        ByteBuffer b = tmpNioBuf;
        if (b == null) {
            tmpNioBuf = b = NioViews.over(address, capacity);
        }
        b.clear().position(index).limit(index + length);
        return b;
    }
}
