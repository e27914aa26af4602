package dev.hakmem;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_CHAR;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link Hakmem#allocator()} and the {@link SegmentAllocator} contracts that promise contents:
 * hakmem does not zero, so every {@code allocateFrom} must still return exactly the bytes it
 * documents even when the block it got was dirty. Blocks are made dirty first: the thread cache
 * hands recently freed blocks back first.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class SegmentAllocatorTest {

    /** Allocates and frees blocks of the sizes used below, filled with 0xFF, so the next allocations get dirty memory. */
    static void dirty() {
        List<Long> blocks = new ArrayList<>();
        for (long size : new long[] {8, 16, 24, 32, 48, 64, 100, 128, 256, 1000}) {
            for (int i = 0; i < 8; i++) {
                long a = Hakmem.malloc(size);
                MemorySegment.ofAddress(a).reinterpret(Hakmem.usableSize(a)).fill((byte) 0xFF);
                blocks.add(a);
            }
        }
        for (long a : blocks) {
            Hakmem.free(a);
        }
    }

    @Test
    void globalAllocatorHandsOutHakmemSegmentsFreedWithFree() {
        SegmentAllocator alloc = Hakmem.allocator();
        assertSame(alloc, Hakmem.allocator());
        long live0 = Hakmem.stats().liveBytes();
        MemorySegment s = alloc.allocate(100);
        assertEquals(100, s.byteSize());
        assertTrue(s.isNative());
        assertTrue(s.scope().isAlive());
        assertTrue(s.isAccessibleBy(new Thread(() -> { })), "global scope: any thread");
        assertTrue(Hakmem.usableSize(s.address()) >= 100);
        s.fill((byte) 3);
        MemorySegment longs = alloc.allocate(JAVA_LONG, 1000);
        assertEquals(8000, longs.byteSize());
        assertEquals(0, longs.address() % 8);
        MemorySegment big = alloc.allocate(1 << 20);
        assertEquals(1 << 20, big.byteSize());
        Hakmem.free(s);
        Hakmem.free(longs);
        Hakmem.free(big);
        assertEquals(live0, Hakmem.stats().liveBytes());
        assertThrows(IllegalArgumentException.class, () -> alloc.allocate(-1));
        assertThrows(IllegalArgumentException.class, () -> alloc.allocate(8, 6));
    }

    @Test
    void globalAllocatorHonoursAlignmentAndItsSegmentsFree() {
        SegmentAllocator alloc = Hakmem.allocator();
        long live0 = Hakmem.stats().liveBytes();
        for (long align = 1; align <= 1 << 16; align <<= 1) {
            for (long size : new long[] {0, 1, 24, 100, 1000, 5000, 40_000}) {
                MemorySegment s = alloc.allocate(size, align);
                assertEquals(size, s.byteSize());
                assertEquals(0, s.address() % align, "size " + size + " alignment " + align);
                Hakmem.free(s);
            }
        }
        MemorySegment layout = alloc.allocate(MemoryLayout.structLayout(JAVA_LONG, JAVA_LONG).withByteAlignment(64));
        assertEquals(0, layout.address() % 64);
        Hakmem.free(layout);
        assertEquals(live0, Hakmem.stats().liveBytes());
    }

    @Test
    void allocateFromWritesEveryByteOnDirtyMemoryGlobal() {
        List<MemorySegment> made = new ArrayList<>();
        checkAllocateFrom(Hakmem.allocator(), made);
        for (MemorySegment s : made) {
            Hakmem.free(s);
        }
    }

    @Test
    void allocateFromWritesEveryByteOnDirtyMemoryArena() {
        try (HakmemArena arena = HakmemArena.ofConfined()) {
            checkAllocateFrom(arena, new ArrayList<>());
        }
        try (HakmemArena arena = HakmemArena.ofShared()) {
            checkAllocateFrom(arena, new ArrayList<>());
        }
    }

    static void checkAllocateFrom(SegmentAllocator alloc, List<MemorySegment> made) {
        Function<MemorySegment, MemorySegment> keep = s -> {
            made.add(s);
            return s;
        };
        dirty();
        // C strings: the terminator must be written
        MemorySegment c = keep.apply(alloc.allocateFrom("hakmem"));
        assertEquals(7, c.byteSize());
        assertEquals(0, c.get(JAVA_BYTE, 6));
        assertEquals("hakmem", c.getString(0));
        dirty();
        MemorySegment utf8 = keep.apply(alloc.allocateFrom("h\u00e9llo \u4e16\u754c"));
        assertEquals(0, utf8.get(JAVA_BYTE, utf8.byteSize() - 1));
        assertEquals("h\u00e9llo \u4e16\u754c", utf8.getString(0));
        dirty();
        MemorySegment utf16 = keep.apply(alloc.allocateFrom("abc", StandardCharsets.UTF_16LE));
        assertEquals(8, utf16.byteSize());
        assertEquals(0, utf16.get(JAVA_SHORT, 6), "two-byte terminator");
        assertEquals("abc", utf16.getString(0, StandardCharsets.UTF_16LE));
        dirty();
        MemorySegment empty = keep.apply(alloc.allocateFrom(""));
        assertEquals(1, empty.byteSize());
        assertEquals(0, empty.get(JAVA_BYTE, 0));

        // single values
        dirty();
        assertEquals(0x12, keep.apply(alloc.allocateFrom(JAVA_BYTE, (byte) 0x12)).get(JAVA_BYTE, 0));
        assertEquals('x', keep.apply(alloc.allocateFrom(JAVA_CHAR, 'x')).get(JAVA_CHAR, 0));
        assertEquals(-2, keep.apply(alloc.allocateFrom(JAVA_SHORT, (short) -2)).get(JAVA_SHORT, 0));
        assertEquals(0x01020304, keep.apply(alloc.allocateFrom(JAVA_INT, 0x01020304)).get(JAVA_INT, 0));
        assertEquals(1L << 40, keep.apply(alloc.allocateFrom(JAVA_LONG, 1L << 40)).get(JAVA_LONG, 0));
        assertEquals(2.5, keep.apply(alloc.allocateFrom(JAVA_DOUBLE, 2.5)).get(JAVA_DOUBLE, 0));
        MemorySegment target = MemorySegment.ofAddress(0x1234_5678L);
        assertEquals(target, keep.apply(alloc.allocateFrom(ADDRESS, target)).get(ADDRESS, 0));

        // arrays: exactly the elements, nothing left over from the dirty block
        dirty();
        int[] ints = {1, 2, 3, 4, 5, 6, 7};
        MemorySegment is = keep.apply(alloc.allocateFrom(JAVA_INT, ints));
        assertEquals(28, is.byteSize());
        assertArrayEquals(ints, is.toArray(JAVA_INT));
        long[] longs = {-1, 0, 1, Long.MAX_VALUE};
        assertArrayEquals(longs, keep.apply(alloc.allocateFrom(JAVA_LONG, longs)).toArray(JAVA_LONG));
        byte[] bytes = new byte[100];
        MemorySegment bs = keep.apply(alloc.allocateFrom(JAVA_BYTE, bytes));
        assertArrayEquals(bytes, bs.toArray(JAVA_BYTE), "zeros copied over a dirty block");

        // copy of a segment
        dirty();
        MemorySegment src = MemorySegment.ofArray(new short[] {9, 8, 7, 6});
        MemorySegment copy = keep.apply(alloc.allocateFrom(JAVA_SHORT, src, JAVA_SHORT, 2, 3));
        assertArrayEquals(new short[] {8, 7, 6}, copy.toArray(JAVA_SHORT));

        // allocate(layout, count): size and alignment as documented, contents unspecified
        MemorySegment arr = keep.apply(alloc.allocate(JAVA_LONG, 5));
        assertEquals(40, arr.byteSize());
        assertEquals(0, arr.address() % 8);
    }
}
