package dev.hakmem.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.IllegalReferenceCountException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link HakmemByteBufAllocator} on its own: direct buffers are hakmem blocks, content survives
 * capacity changes, release frees the block, heap buffers stay on the heap, nothing leaks.
 * Both buffer kinds are checked: with Netty's {@code Unsafe} accessors (this JVM allows them)
 * and with its {@code ByteBuffer} ones.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class HakmemByteBufAllocatorTest {

    static final HakmemByteBufAllocator ALLOC = HakmemByteBufAllocator.DEFAULT;

    /** The two direct buffer kinds, made directly. */
    static final List<BiFunction<Integer, Integer, ByteBuf>> KINDS = List.of(
            (initial, max) -> new HakmemUnsafeDirectByteBuf(ALLOC, initial, max),
            (initial, max) -> new HakmemDirectByteBuf(ALLOC, initial, max));

    static long live() {
        return Hakmem.stats().liveBytes();
    }

    static void fill(ByteBuf b, int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        b.writeBytes(bytes);
    }

    static void check(ByteBuf b, int from, int n, long seed) {
        byte[] want = new byte[n];
        new Random(seed).nextBytes(want);
        byte[] got = new byte[n];
        b.getBytes(from, got);
        for (int i = 0; i < n; i++) {
            assertEquals(want[i], got[i], "byte " + i);
        }
    }

    @Test
    void directBuffersAreHakmemBlocksFreedOnRelease() {
        assertTrue(io.netty.util.internal.PlatformDependent.hasUnsafe(), "tests run with Unsafe allowed");
        long live0 = live();
        ByteBuf b = ALLOC.directBuffer(1000);
        assertTrue(b.isDirect());
        assertSame(ALLOC, b.alloc());
        assertTrue(b.hasMemoryAddress());
        assertTrue(Hakmem.usableSize(b.memoryAddress()) >= 1000, "the buffer's memory is a hakmem block");
        assertEquals(live0 + Hakmem.usableSize(b.memoryAddress()), live());
        assertEquals(1000, b.capacity());
        fill(b, 1000, 1);
        check(b, 0, 1000, 1);
        ByteBuffer nio = b.nioBuffer(0, 1000);
        assertTrue(nio.isDirect());
        assertEquals(b.getByte(999), nio.get(999));
        assertTrue(b.release());
        assertEquals(live0, live());
        assertThrows(IllegalReferenceCountException.class, b::release, "Netty rejects a second release");
        assertThrows(IllegalReferenceCountException.class, () -> b.getByte(0));
        assertEquals(live0, live());
    }

    @Test
    void capacityChangesKeepContentAndFreeTheOldBlock() {
        for (BiFunction<Integer, Integer, ByteBuf> kind : KINDS) {
            long live0 = live();
            ByteBuf b = kind.apply(16, 1 << 20);
            assertTrue(b.hasMemoryAddress());
            long first = b.memoryAddress();
            // grow by writing: 16 B -> 64 KiB+, crossing the small classes into huge blocks
            Random r = new Random(7);
            byte[] all = new byte[70_000];
            r.nextBytes(all);
            for (int off = 0; off < all.length; off += 1000) {
                b.writeBytes(all, off, Math.min(1000, all.length - off));
            }
            assertTrue(b.capacity() >= all.length);
            assertTrue(b.memoryAddress() != first, "grown into a new block");
            byte[] got = new byte[all.length];
            b.getBytes(0, got);
            assertTrue(java.util.Arrays.equals(all, got), "content survives growth");
            assertEquals(live0 + Hakmem.usableSize(b.memoryAddress()), live(), "old blocks were freed");
            // explicit growth and shrink
            b.capacity(200_000);
            assertEquals(200_000, b.capacity());
            b.getBytes(0, got);
            assertTrue(java.util.Arrays.equals(all, got));
            b.capacity(100);
            assertEquals(100, b.capacity());
            for (int i = 0; i < 100; i++) {
                assertEquals(all[i], b.getByte(i));
            }
            assertEquals(live0 + Hakmem.usableSize(b.memoryAddress()), live());
            b.release();
            assertEquals(live0, live(), kind.toString());
        }
    }

    @Test
    void zeroCapacityAndDerivedBuffers() {
        long live0 = live();
        ByteBuf z = ALLOC.directBuffer(0, 4096);
        assertEquals(0, z.capacity());
        z.writeLong(42);
        assertEquals(42, z.readLong());
        ByteBuf copy = z.copy(0, 8);
        assertTrue(copy.isDirect());
        assertSame(ALLOC, copy.alloc());
        ByteBuf slice = z.retainedSlice(0, 8);
        assertEquals(42, slice.getLong(0));
        z.release();
        assertEquals(42, slice.getLong(0), "the slice holds the memory");
        slice.release();
        assertEquals(42, copy.getLong(0));
        copy.release();
        CompositeByteBuf c = ALLOC.compositeDirectBuffer();
        c.addComponent(true, ALLOC.directBuffer(10).writeInt(1));
        c.addComponent(true, ALLOC.directBuffer(10).writeInt(2));
        assertEquals(1, c.readInt());
        assertEquals(2, c.readInt());
        c.release();
        assertEquals(live0, live());
    }

    @Test
    void heapBuffersAreDelegatedAndBufferKindsFollowThePreference() {
        long live0 = live();
        ByteBuf h = ALLOC.heapBuffer(100);
        assertFalse(h.isDirect());
        assertTrue(h.hasArray());
        assertSame(ALLOC, h.alloc());
        assertEquals(live0, live(), "heap buffers take no hakmem memory");
        h.writeInt(5);
        h.capacity(1000);
        assertEquals(5, h.getInt(0));
        h.release();

        List<ByteBuf> bufs = new ArrayList<>();
        bufs.add(ALLOC.buffer());
        bufs.add(ALLOC.ioBuffer(100));
        bufs.add(ALLOC.ioBuffer(10, 100));
        for (ByteBuf b : bufs) {
            assertTrue(b.isDirect(), b.toString());
            b.release();
        }
        HakmemByteBufAllocator heapFirst = new HakmemByteBufAllocator(false);
        ByteBuf hb = heapFirst.buffer(64);
        assertFalse(hb.isDirect());
        hb.release();
        ByteBuf io = heapFirst.ioBuffer(64);
        assertTrue(io.isDirect(), "I/O buffers are always direct");
        io.release();
        assertFalse(ALLOC.isDirectBufferPooled());
        assertEquals(live0, live());
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
