package dev.hakmem.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.buffer.UnpooledUnsafeHeapByteBuf;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.PlatformDependent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link HakmemByteBufAllocator}'s buffers against the contract of Netty's own: direct buffers
 * are hakmem blocks freed on release and their objects recycled, reference counting, derived
 * buffers, NIO views, capacity changes, the heap buffer class, leak-aware wrapping. The JVM runs
 * with {@code io.netty.leakDetection.level=paranoid} (see the pom), so buffers come wrapped as
 * from Netty's allocators; {@link #inner} reaches the buffer itself.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class HakmemByteBufAllocatorTest {

    static final HakmemByteBufAllocator ALLOC = HakmemByteBufAllocator.DEFAULT;

    static long live() {
        return Hakmem.stats().liveBytes();
    }

    /** The buffer under Netty's leak-aware wrapper. */
    static ByteBuf inner(ByteBuf b) {
        ByteBuf u;
        while (!(b instanceof HakmemByteBuf) && (u = b.unwrap()) != null) {
            b = u;
        }
        return b;
    }

    static byte[] random(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static byte[] content(ByteBuf b, int from, int n) {
        byte[] got = new byte[n];
        b.getBytes(from, got);
        return got;
    }

    @Test
    void directBuffersAreHakmemBlocksFreedOnRelease() {
        assertTrue(PlatformDependent.hasUnsafe(), "tests run with Unsafe allowed");
        long live0 = live();
        ByteBuf b = ALLOC.directBuffer(1000);
        assertInstanceOf(HakmemByteBuf.class, inner(b));
        assertTrue(b.isDirect());
        assertSame(ALLOC, b.alloc());
        assertTrue(b.hasMemoryAddress());
        assertFalse(b.hasArray());
        assertTrue(b.isContiguous());
        assertTrue(Hakmem.usableSize(b.memoryAddress()) >= 1000, "the buffer's memory is a hakmem block");
        assertEquals(live0 + Hakmem.usableSize(b.memoryAddress()), live());
        assertEquals(1000, b.capacity());
        assertEquals(Integer.MAX_VALUE, b.maxCapacity());
        byte[] data = random(1000, 1);
        b.writeBytes(data);
        assertArrayEquals(data, content(b, 0, 1000));
        assertTrue(b.release());
        assertEquals(live0, live());
        assertEquals(0, b.refCnt());
        assertThrows(IllegalReferenceCountException.class, b::release, "Netty rejects a second release");
        assertThrows(IllegalReferenceCountException.class, () -> b.getByte(0));
        assertThrows(IllegalReferenceCountException.class, b::memoryAddress);
        assertThrows(IllegalReferenceCountException.class, () -> b.nioBuffer(0, 1));
        assertThrows(IllegalReferenceCountException.class, b::retain);
        assertEquals(live0, live());
    }

    @Test
    void releasedObjectsAreRecycledAsFreshBuffers() {
        ByteBuf a = ALLOC.directBuffer(64, 128);
        ByteBuf first = inner(a);
        a.writeLong(7).writeLong(8).readLong();
        a.markReaderIndex();
        a.markWriterIndex();
        a.release();
        assertThrows(IllegalReferenceCountException.class, () -> first.getLong(0), "released: not reachable");

        ByteBuf b = ALLOC.directBuffer(300, 1000);
        assertSame(first, inner(b), "the same thread's next buffer reuses the released object");
        assertEquals(1, b.refCnt());
        assertEquals(300, b.capacity());
        assertEquals(1000, b.maxCapacity());
        assertEquals(0, b.readerIndex());
        assertEquals(0, b.writerIndex());
        b.writeInt(1);
        b.resetWriterIndex();
        assertEquals(0, b.writerIndex(), "marks start at zero again");
        b.release();
    }

    @Test
    void capacityChangesReallocKeepingContent() {
        long live0 = live();
        ByteBuf b = ALLOC.directBuffer(100, 1 << 20);
        long first = b.memoryAddress();
        int usable = Math.toIntExact(Hakmem.usableSize(first));
        assertTrue(usable >= 100);
        b.writeBytes(random(100, 3));
        b.capacity(usable);
        assertEquals(first, b.memoryAddress(), "growth within the block's size class stays in place");
        assertEquals(usable, b.capacity());

        byte[] all = random(70_000, 7);
        b.clear();
        for (int off = 0; off < all.length; off += 1000) {
            b.writeBytes(all, off, Math.min(1000, all.length - off)); // grows by Netty's policy
        }
        assertTrue(b.capacity() >= all.length);
        assertNotEquals(first, b.memoryAddress(), "grown into another block");
        assertArrayEquals(all, content(b, 0, all.length), "content survives growth");
        assertEquals(live0 + Hakmem.usableSize(b.memoryAddress()), live(), "old blocks were freed");

        b.capacity(200_000);
        assertEquals(200_000, b.capacity());
        assertArrayEquals(all, content(b, 0, all.length));
        b.readerIndex(50);
        b.capacity(100);
        assertEquals(100, b.capacity());
        assertEquals(50, b.readerIndex());
        assertEquals(100, b.writerIndex(), "indices trimmed to the new capacity");
        assertArrayEquals(Arrays.copyOf(all, 100), content(b, 0, 100));
        assertThrows(IllegalArgumentException.class, () -> b.capacity((1 << 20) + 1));
        assertThrows(IllegalArgumentException.class, () -> b.capacity(-1));
        assertEquals(live0 + Hakmem.usableSize(b.memoryAddress()), live());
        b.release();
        assertEquals(live0, live());
        assertThrows(IllegalReferenceCountException.class, () -> b.capacity(10));
    }

    @Test
    void referenceCounting() {
        ByteBuf b = ALLOC.directBuffer(16);
        assertEquals(1, b.refCnt());
        b.retain();
        b.retain(3);
        assertEquals(5, b.refCnt());
        assertFalse(b.release(2));
        assertFalse(b.release());
        assertEquals(2, b.refCnt());
        assertThrows(IllegalReferenceCountException.class, () -> b.release(3));
        assertEquals(2, b.refCnt(), "a failed release changes nothing");
        assertThrows(IllegalArgumentException.class, () -> b.release(0));
        assertTrue(b.release(2));
        assertEquals(0, b.refCnt());
    }

    @Test
    void slicesAndDuplicatesShareMemoryAndCount() {
        HakmemByteBufAllocator alloc = new HakmemByteBufAllocator(true);
        ByteBuf b = alloc.directBuffer(64);
        for (int i = 0; i < 64; i++) {
            b.writeByte(i);
        }
        ByteBuf slice = b.slice(8, 16);
        assertEquals(16, slice.capacity());
        assertEquals(8, slice.getByte(0));
        assertEquals(b.memoryAddress() + 8, slice.memoryAddress());
        slice.setByte(0, 100);
        assertEquals(100, b.getByte(8), "a slice writes the parent's memory");
        assertEquals(1, slice.refCnt(), "a slice shares the parent's count");

        ByteBuf dup = b.duplicate();
        dup.readerIndex(10);
        assertEquals(0, b.readerIndex(), "a duplicate has its own indices");
        assertEquals(b.getLong(16), dup.getLong(16));

        ByteBuf retained = b.retainedSlice(32, 8);
        assertEquals(2, b.refCnt());
        ByteBuf retainedDup = b.retainedDuplicate();
        assertEquals(3, b.refCnt());
        b.release();
        retainedDup.release();
        assertEquals(32, retained.getByte(0), "the retained slice keeps the block");
        assertEquals(64, alloc.metric().usedDirectMemory());
        assertTrue(retained.release());
        assertEquals(0, alloc.metric().usedDirectMemory(), "the last release freed the buffer");
        assertThrows(IllegalReferenceCountException.class, () -> slice.getByte(0));
        assertThrows(IllegalReferenceCountException.class, () -> dup.getByte(0));
    }

    @Test
    void nioBuffersViewTheBlock() throws Exception {
        ByteBuf b = ALLOC.directBuffer(256);
        b.writeBytes(random(256, 11));
        assertEquals(1, b.nioBufferCount());
        ByteBuffer view = b.nioBuffer(10, 20);
        assertTrue(view.isDirect());
        assertEquals(0, view.position());
        assertEquals(20, view.remaining());
        assertEquals(b.getByte(10), view.get(0));
        view.put(5, (byte) 77);
        assertEquals(77, b.getByte(15), "writes through the view reach the buffer");
        assertEquals(b.memoryAddress() + 10, java.lang.foreign.MemorySegment.ofBuffer(view).address());
        ByteBuffer[] views = b.nioBuffers(0, 256);
        assertEquals(1, views.length);
        assertEquals(256, views[0].remaining());
        ByteBuffer internal = b.internalNioBuffer(4, 8);
        assertEquals(4, internal.position());
        assertEquals(12, internal.limit());
        assertSame(internal, b.internalNioBuffer(0, 1), "the internal buffer is kept");
        b.capacity(4096); // another block
        ByteBuffer moved = b.internalNioBuffer(0, 4096);
        assertEquals(4096, moved.remaining());
        assertEquals(b.getByte(255), moved.get(255));
        assertThrows(IndexOutOfBoundsException.class, () -> b.nioBuffer(4000, 200));

        // channel I/O goes through the views
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        try (var sink = pipe.sink(); var source = pipe.source()) {
            b.readerIndex(0).writerIndex(256);
            assertEquals(100, b.getBytes(0, sink, 100));
            assertEquals(0, b.readerIndex(), "getBytes leaves the indices");
            b.readerIndex(100);
            assertEquals(156, b.readBytes(sink, 156));
            assertEquals(256, b.readerIndex());
            ByteBuf in = ALLOC.directBuffer(16);
            int n = 0;
            while (n < 256) {
                n += in.writeBytes(source, 256 - n);
            }
            assertArrayEquals(content(b, 0, 256), content(in, 0, 256));
            in.release();
        }
        java.nio.file.Path file = java.nio.file.Files.createTempFile("hakmem-netty", ".bin");
        try (var fc = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            assertEquals(256, b.getBytes(0, fc, 1000, 256));
            ByteBuf back = ALLOC.directBuffer(256);
            assertEquals(256, back.setBytes(0, fc, 1000, 256));
            assertArrayEquals(content(b, 0, 256), content(back, 0, 256));
            back.release();
        } finally {
            java.nio.file.Files.delete(file);
        }
        b.release();
    }

    /** Every accessor against Netty's own heap buffer, on random operations. */
    @Test
    void accessorsMatchNettysHeapBuffer() throws Exception {
        Random r = new Random(5);
        ByteBuf ours = ALLOC.directBuffer(512);
        ByteBuf ref = UnpooledByteBufAllocator.DEFAULT.heapBuffer(512);
        ours.writerIndex(512);
        ref.writerIndex(512);
        ours.setZero(0, 512);
        ref.setZero(0, 512);
        for (int step = 0; step < 20_000; step++) {
            int i = r.nextInt(512 - 8);
            long v = r.nextLong();
            switch (r.nextInt(16)) {
                case 0 -> { ours.setByte(i, (int) v); ref.setByte(i, (int) v); }
                case 1 -> { ours.setShort(i, (int) v); ref.setShort(i, (int) v); }
                case 2 -> { ours.setShortLE(i, (int) v); ref.setShortLE(i, (int) v); }
                case 3 -> { ours.setMedium(i, (int) v); ref.setMedium(i, (int) v); }
                case 4 -> { ours.setMediumLE(i, (int) v); ref.setMediumLE(i, (int) v); }
                case 5 -> { ours.setInt(i, (int) v); ref.setInt(i, (int) v); }
                case 6 -> { ours.setIntLE(i, (int) v); ref.setIntLE(i, (int) v); }
                case 7 -> { ours.setLong(i, v); ref.setLong(i, v); }
                case 8 -> { ours.setLongLE(i, v); ref.setLongLE(i, v); }
                case 9 -> {
                    int n = r.nextInt(512 - i);
                    ours.setZero(i, n);
                    ref.setZero(i, n);
                }
                case 10 -> {
                    byte[] src = random(r.nextInt(512 - i), v);
                    ours.setBytes(i, src);
                    ref.setBytes(i, src);
                }
                case 11 -> {
                    int n = r.nextInt(512 - i);
                    ByteBuffer src = r.nextBoolean() ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n);
                    src.put(random(n, v)).flip();
                    ours.setBytes(i, src.duplicate());
                    ref.setBytes(i, src);
                }
                case 12 -> {
                    int n = r.nextInt(512 - i);
                    ByteBuf src = switch (r.nextInt(3)) {
                        case 0 -> ALLOC.directBuffer(n);
                        case 1 -> ALLOC.heapBuffer(n);
                        default -> ALLOC.compositeDirectBuffer().addComponent(true, ALLOC.directBuffer(n));
                    };
                    src.writeBytes(random(n, v));
                    if (src.writerIndex() < n) {
                        src.writerIndex(n);
                    }
                    ours.setBytes(i, src, 0, n);
                    ref.setBytes(i, src, 0, n);
                    src.release();
                }
                case 13 -> { // overlapping copy within the buffer
                    int n = r.nextInt(256);
                    int to = r.nextInt(512 - n);
                    int from = r.nextInt(512 - n);
                    ours.setBytes(to, ours, from, n);
                    ref.setBytes(to, ref, from, n);
                }
                case 14 -> {
                    int n = r.nextInt(512 - i);
                    byte[] src = random(n, v);
                    assertEquals(n == 0 ? -1 : n, ours.setBytes(i, new ByteArrayInputStream(src), n), "bytes read, -1 at the end");
                    ref.setBytes(i, src);
                }
                default -> {
                    int n = r.nextInt(512 - i);
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    ours.getBytes(i, out, n);
                    assertArrayEquals(content(ref, i, n), out.toByteArray());
                }
            }
            int j = r.nextInt(512 - 8);
            assertEquals(ref.getByte(j), ours.getByte(j));
            assertEquals(ref.getUnsignedByte(j), ours.getUnsignedByte(j));
            assertEquals(ref.getShort(j), ours.getShort(j));
            assertEquals(ref.getShortLE(j), ours.getShortLE(j));
            assertEquals(ref.getUnsignedMedium(j), ours.getUnsignedMedium(j));
            assertEquals(ref.getUnsignedMediumLE(j), ours.getUnsignedMediumLE(j));
            assertEquals(ref.getMedium(j), ours.getMedium(j));
            assertEquals(ref.getInt(j), ours.getInt(j));
            assertEquals(ref.getIntLE(j), ours.getIntLE(j));
            assertEquals(ref.getLong(j), ours.getLong(j));
            assertEquals(ref.getLongLE(j), ours.getLongLE(j));
        }
        assertArrayEquals(content(ref, 0, 512), content(ours, 0, 512));
        assertEquals(ref, ours, "ByteBuf.equals compares content");
        assertEquals(ref.hashCode(), ours.hashCode());

        // reads into every kind of destination
        ByteBuffer heapDst = ByteBuffer.allocate(100);
        ByteBuffer directDst = ByteBuffer.allocateDirect(100);
        ours.getBytes(50, heapDst);
        ours.getBytes(50, directDst);
        assertEquals(100, heapDst.position());
        assertEquals(100, directDst.position());
        assertArrayEquals(content(ref, 50, 100), heapDst.array());
        directDst.flip();
        byte[] fromDirect = new byte[100];
        directDst.get(fromDirect);
        assertArrayEquals(content(ref, 50, 100), fromDirect);
        assertThrows(ReadOnlyBufferException.class, () -> ours.getBytes(0, ByteBuffer.allocate(4).asReadOnlyBuffer()));
        ByteBuf heapBuf = ALLOC.heapBuffer(100);
        ByteBuf composite = ALLOC.compositeDirectBuffer().addComponents(true, ALLOC.directBuffer(60).writeZero(60),
                ALLOC.directBuffer(40).writeZero(40));
        ours.getBytes(7, heapBuf, 0, 100);
        ours.getBytes(7, composite, 0, 100);
        assertArrayEquals(content(ref, 7, 100), content(heapBuf, 0, 100));
        assertArrayEquals(content(ref, 7, 100), content(composite, 0, 100));
        ByteBuf copy = ours.copy(3, 200);
        assertInstanceOf(HakmemByteBuf.class, inner(copy));
        assertEquals(200, copy.readableBytes());
        assertArrayEquals(content(ref, 3, 200), content(copy, 0, 200));
        assertThrows(IndexOutOfBoundsException.class, () -> ours.getBytes(500, new byte[20]));
        assertThrows(IndexOutOfBoundsException.class, () -> ours.setLong(509, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ours.getInt(-1));
        for (ByteBuf x : List.of(copy, heapBuf, composite, ours, ref)) {
            x.release();
        }
    }

    @Test
    void streamsReadAndWriteTheBlock() throws Exception {
        ByteBuf b = ALLOC.directBuffer(0, 100_000);
        byte[] data = random(50_000, 13);
        ByteArrayInputStream in = new ByteArrayInputStream(data);
        while (b.writerIndex() < data.length) {
            assertTrue(b.writeBytes(in, data.length - b.writerIndex()) > 0, "the stream has more");
        }
        assertEquals(-1, b.writeBytes(in, 10), "end of stream");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.readBytes(out, 50_000);
        assertArrayEquals(data, out.toByteArray());
        assertEquals(50_000, b.readerIndex());
        b.release();
    }

    @Test
    void heapBuffersAreChosenAsByNettysUnpooledAllocator() {
        ByteBuf ours = inner(ALLOC.heapBuffer(100));
        ByteBuf netty = UnpooledByteBufAllocator.DEFAULT.heapBuffer(100);
        // Netty's are its private instrumented subclasses of these two public classes
        Class<?> expected = PlatformDependent.hasUnsafe() ? UnpooledUnsafeHeapByteBuf.class : UnpooledHeapByteBuf.class;
        assertSame(expected, netty.getClass().getSuperclass());
        assertSame(expected, ours.getClass().getSuperclass());
        assertInstanceOf(UnpooledUnsafeHeapByteBuf.class, ours, "this JVM allows Unsafe");
        assertFalse(ours.isDirect());
        assertTrue(ours.hasArray());
        assertSame(ALLOC, ours.alloc());
        ours.writeInt(5);
        ours.capacity(1000);
        assertEquals(5, ours.getInt(0));
        ours.release();
        netty.release();
    }

    @Test
    void bufferKindsFollowThePreference() {
        long live0 = live();
        List<ByteBuf> bufs = List.of(ALLOC.buffer(), ALLOC.buffer(10), ALLOC.buffer(10, 20), ALLOC.ioBuffer(),
                ALLOC.ioBuffer(100), ALLOC.ioBuffer(10, 100), ALLOC.directBuffer());
        for (ByteBuf b : bufs) {
            assertInstanceOf(HakmemByteBuf.class, inner(b), b.toString());
            b.release();
        }
        HakmemByteBufAllocator heapFirst = new HakmemByteBufAllocator(false);
        ByteBuf hb = heapFirst.buffer(64);
        assertFalse(hb.isDirect());
        hb.release();
        ByteBuf io = heapFirst.ioBuffer(64);
        assertTrue(io.isDirect(), "I/O buffers are always direct");
        io.release();
        assertTrue(ALLOC.isDirectBufferPooled());
        assertSame(ALLOC.directBuffer(0, 0), ALLOC.directBuffer(0, 0), "Netty's shared empty buffer");
        assertThrows(IllegalArgumentException.class, () -> ALLOC.directBuffer(10, 5));
        assertThrows(IllegalArgumentException.class, () -> ALLOC.directBuffer(-1));
        assertEquals(live0, live());
    }

    @Test
    void zeroCapacityAndCompositeBuffers() {
        long live0 = live();
        ByteBuf z = ALLOC.directBuffer(0, 4096);
        assertEquals(0, z.capacity());
        z.writeLong(42);
        assertEquals(42, z.readLong());
        ByteBuf slice = z.retainedSlice(0, 8);
        z.release();
        assertEquals(42, slice.getLong(0), "the slice holds the memory");
        slice.release();
        CompositeByteBuf c = ALLOC.compositeDirectBuffer();
        c.addComponent(true, ALLOC.directBuffer(10).writeInt(1));
        c.addComponent(true, ALLOC.directBuffer(10).writeInt(2));
        assertEquals(1, c.readInt());
        assertEquals(2, c.readInt());
        c.release();
        assertEquals(live0, live());
    }

    @Test
    void leakAwareWrappingIsNettys() {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        try {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
            ByteBuf ours = ALLOC.directBuffer(8);
            ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(8);
            assertSame(pooled.getClass(), ours.getClass(), "wrapped as Netty's allocators wrap");
            assertNotSame(ours, inner(ours));
            ours.release();
            pooled.release();
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
            ByteBuf bare = ALLOC.directBuffer(8);
            assertInstanceOf(HakmemByteBuf.class, bare, "no wrapper when detection is off");
            bare.release();
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
    }

    @Test
    void releaseOnAnotherThreadFrees() throws Exception {
        long live0 = live();
        List<ByteBuf> made = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            made.add(ALLOC.directBuffer(1 + i * 37 % 5000).writeInt(i));
        }
        Thread t = new Thread(() -> {
            for (int i = 0; i < made.size(); i++) {
                assertEquals(i, made.get(i).readInt());
                made.get(i).release();
            }
        });
        t.start();
        t.join();
        assertEquals(live0, live());
    }
}
