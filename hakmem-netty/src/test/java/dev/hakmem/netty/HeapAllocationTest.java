package dev.hakmem.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a direct buffer costs on the Java heap, against Netty's own allocators in the same JVM
 * (issue 17: no JDK objects per buffer beyond what Netty's pooled buffers allocate): bytes the
 * thread allocated per buffer over a loop of allocate, write, read and release
 * ({@code ThreadMXBean.getCurrentThreadAllocatedBytes}, exact to the byte), the fewest of several
 * rounds once the JIT has compiled the loop. Leak detection is off for the measurement (the test
 * JVM runs paranoid, which records every buffer).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HeapAllocationTest {

    private static final int CYCLES = 100_000;
    private static final int ROUNDS = 6;

    /** Which NIO view each cycle asks the buffer for, as channel I/O does. */
    enum View { NONE, INTERNAL, NEW }

    private ResourceLeakDetector.Level level;

    @BeforeEach
    void leakDetectionOff() {
        level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    @AfterEach
    void leakDetectionBack() {
        ResourceLeakDetector.setLevel(level);
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static long sink;

    /** Java-heap bytes per buffer of {@code cycles} buffers of 1-4.5 KiB from {@code a}, each asked for {@code view}. */
    private static double perBuffer(ByteBufAllocator a, View view, int cycles) {
        long before = allocated();
        for (int i = 0; i < cycles; i++) {
            ByteBuf b = a.directBuffer(1024 + (i & 7) * 512);
            b.writeLong(i);
            b.writeZero(256);
            if (view == View.INTERNAL) {
                sink += b.internalNioBuffer(b.readerIndex(), b.readableBytes()).remaining();
            } else if (view == View.NEW) {
                sink += b.nioBuffer().remaining();
            }
            sink += b.readLong();
            b.release();
        }
        return (double) (allocated() - before) / cycles;
    }

    /** The fewest bytes per buffer over {@link #ROUNDS} rounds (the first ones run before the JIT is done). */
    private static double fewest(ByteBufAllocator a, View view) {
        double best = Double.MAX_VALUE;
        for (int r = 0; r < ROUNDS; r++) {
            best = Math.min(best, perBuffer(a, view, CYCLES));
        }
        return best;
    }

    @Test
    void aBufferAllocatesNothingOnTheJavaHeap() {
        double hakmem = fewest(HakmemByteBufAllocator.DEFAULT, View.NONE);
        double pooled = fewest(new PooledByteBufAllocator(true), View.NONE);
        System.out.printf("bytes per buffer, no NIO view: hakmem-netty %.2f, pooled %.2f%n", hakmem, pooled);
        assertTrue(hakmem < 1, "hakmem-netty allocated " + hakmem + " bytes per buffer");
        assertTrue(hakmem <= pooled + 1, "hakmem-netty " + hakmem + " against pooled " + pooled);
    }

    @Test
    void aBufferWithAnNioViewAllocatesNoMoreThanNettysAllocators() {
        ByteBufAllocator pooledAlloc = new PooledByteBufAllocator(true);
        ByteBufAllocator adaptiveAlloc = new AdaptiveByteBufAllocator(true, false);
        for (View view : new View[] {View.INTERNAL, View.NEW}) {
            double hakmem = fewest(HakmemByteBufAllocator.DEFAULT, view);
            double pooled = fewest(pooledAlloc, view);
            double adaptive = fewest(adaptiveAlloc, view);
            System.out.printf("bytes per buffer, view %s: hakmem-netty %.2f, pooled %.2f, adaptive %.2f%n", view, hakmem, pooled,
                    adaptive);
            // within a byte: the loop's own measurement allocates a few hundred bytes per round
            assertTrue(hakmem <= Math.min(pooled, adaptive) + 1,
                    view + " view: hakmem-netty " + hakmem + " against pooled " + pooled + ", adaptive " + adaptive);
        }
    }

    @Test
    void viewsAreMadeThroughTheJdkWhenItsAccessIsExported() {
        // the test JVM gets --add-exports java.base/jdk.internal.access=ALL-UNNAMED (the pom's hakmem.jvm.flags)
        assertNull(NioViews.UNAVAILABLE_REASON);
        assertTrue(NioViews.throughJdk());
    }

    @Test
    void bothWaysMakeTheSameView() {
        ByteBuf b = HakmemByteBufAllocator.DEFAULT.directBuffer(64);
        try {
            b.writeLong(0x0102030405060708L);
            long address = b.memoryAddress();
            ByteBuffer[] views = NioViews.throughJdk()
                    ? new ByteBuffer[] {NioViews.throughJdk(address, 64), NioViews.throughSegment(address, 64)}
                    : new ByteBuffer[] {NioViews.throughSegment(address, 64)};
            for (ByteBuffer v : views) {
                assertTrue(v.isDirect());
                assertTrue(!v.isReadOnly());
                assertEquals(ByteOrder.BIG_ENDIAN, v.order());
                assertEquals(0, v.position());
                assertEquals(64, v.limit());
                assertEquals(64, v.capacity());
                assertEquals(0x0102030405060708L, v.getLong(0));
                v.putInt(8, 0x11223344);
            }
            assertEquals(0x11223344, b.getInt(8));
        } finally {
            b.release();
        }
    }
}
