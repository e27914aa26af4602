package dev.hakmem.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An NIO event loop that went idle (waiting in {@code select}, which the JVM reports as running,
 * so hakmem's decay cannot borrow its heap) gives its hakmem memory back through the task the
 * allocator scheduled on it ({@link EventLoopTrims}, default period 1 s), and only once it idled.
 */
class EventLoopTrimsTest {

    @Test
    void anIdleEventLoopGivesItsCachedMemoryBack() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            EventLoop loop = group.next();
            HakmemByteBufAllocator alloc = new HakmemByteBufAllocator(true);
            long scheduled = EventLoopTrims.scheduled();
            // read before the loop's first buffer: when the task below runs longer than two periods
            // (a loaded machine, paranoid leak detection), the overdue ticks run right after it and
            // the trim may come before this thread looks again
            long trims = EventLoopTrims.trims();
            long madvise = Hakmem.stats().madviseCalls();
            long started = System.nanoTime();
            List<ByteBuf> kept = new ArrayList<>();
            loop.submit(() -> {
                List<ByteBuf> all = new ArrayList<>();
                for (int i = 0; i < 4096; i++) {
                    ByteBuf b = alloc.directBuffer(8192);
                    for (int k = 0; k < 8192; k += 8) {
                        b.writeLong(i * 8192L + k);
                    }
                    all.add(b);
                }
                for (int i = 0; i < all.size(); i++) {
                    if (i % 2 == 0) {
                        all.get(i).release(); // into the loop's caches and spans
                    } else {
                        kept.add(all.get(i));
                    }
                }
            }).get();
            long taskMs = (System.nanoTime() - started) / 1_000_000;
            assertEquals(scheduled + 1, EventLoopTrims.scheduled(), "one task for the new event loop");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (EventLoopTrims.trims() == trims && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(trims + 1, EventLoopTrims.trims(), "the idle loop gave its memory back within 10 s");
            // the frees' own sweeps give pages back too; that every freed page goes back at the
            // trim is GiveBackTest.anIdleThreadGivesItsOwnMemoryBackWhenItAsks (hakmem-core)
            assertTrue(Hakmem.stats().madviseCalls() > madvise, "pages went back to the OS");
            System.out.println("event-loop trim: the buffers' task took " + taskMs + " ms; trims " + trims + " -> "
                    + EventLoopTrims.trims() + ", madvise calls " + madvise + " -> " + Hakmem.stats().madviseCalls());
            Thread.sleep(2 * EventLoopTrims.INTERVAL_MS + 200);
            assertEquals(trims + 1, EventLoopTrims.trims(), "once per idle spell, not at every tick");
            loop.submit(() -> {
                for (int j = 0; j < kept.size(); j++) {
                    ByteBuf b = kept.get(j);
                    long i = 2L * j + 1;
                    for (int k = 0; k < 8192; k += 8) {
                        assertEquals(i * 8192L + k, b.getLong(k), "buffer " + i + " at " + k);
                    }
                    b.release();
                }
            }).get();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }
}
