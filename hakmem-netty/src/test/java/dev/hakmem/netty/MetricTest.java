package dev.hakmem.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * The allocator's {@link ByteBufAllocatorMetric} is exact: used direct memory is the sum of the
 * capacities of the live direct buffers, used heap memory the sum of the live heap buffers'
 * capacities, whichever threads allocated, resized and released them (platform and virtual,
 * Netty event loops), and after those threads have ended.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class MetricTest {

    static long sum(List<ByteBuf> bufs, boolean direct) {
        long s = 0;
        for (ByteBuf b : bufs) {
            if (b.isDirect() == direct) {
                s += b.capacity();
            }
        }
        return s;
    }

    static void assertExact(ByteBufAllocatorMetric m, List<ByteBuf> live, String when) {
        assertEquals(sum(live, true), m.usedDirectMemory(), "direct, " + when);
        assertEquals(sum(live, false), m.usedHeapMemory(), "heap, " + when);
    }

    /** Runs each task on its own thread (platform or virtual, alternating) and returns their results. */
    static <T> List<T> onThreads(List<Callable<T>> tasks) throws InterruptedException {
        List<T> results = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            Callable<T> task = tasks.get(i);
            Runnable run = () -> {
                try {
                    results.add(task.call());
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            };
            threads.add(i % 2 == 0 ? Thread.ofPlatform().start(run) : Thread.ofVirtual().start(run));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        return results;
    }

    @Test
    void exactAcrossThreadsResizesAndCrossThreadReleases() throws Exception {
        HakmemByteBufAllocator alloc = new HakmemByteBufAllocator(true);
        assertTrue(alloc instanceof ByteBufAllocatorMetricProvider);
        ByteBufAllocatorMetric m = alloc.metric();
        assertExact(m, List.of(), "at start");

        // 8 threads (4 platform, 4 virtual) allocate direct and heap buffers and resize some
        List<Callable<List<ByteBuf>>> makers = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            long seed = t;
            makers.add(() -> {
                Random r = new Random(seed);
                List<ByteBuf> mine = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    int n = r.nextInt(i % 50 == 0 ? 300_000 : 5000);
                    ByteBuf b = r.nextInt(4) == 0 ? alloc.heapBuffer(n) : alloc.directBuffer(n);
                    if (r.nextInt(5) == 0) {
                        b.writeZero(n + 1 + r.nextInt(3000)); // grows by Netty's policy
                    } else if (r.nextInt(5) == 0) {
                        b.capacity(r.nextInt(n + 1)); // shrinks
                    }
                    if (r.nextInt(3) == 0) {
                        b.release(); // on the same thread
                    } else {
                        mine.add(b);
                    }
                }
                return mine;
            });
        }
        List<ByteBuf> live = new ArrayList<>();
        for (List<ByteBuf> l : onThreads(makers)) {
            live.addAll(l);
        }
        assertTrue(sum(live, true) > 0 && sum(live, false) > 0);
        assertExact(m, live, "after the makers");

        // other threads release half of them and resize the rest
        Collections.shuffle(live, new Random(1));
        List<ByteBuf> release = new ArrayList<>(live.subList(0, live.size() / 2));
        List<ByteBuf> keep = new ArrayList<>(live.subList(live.size() / 2, live.size()));
        List<Callable<Integer>> others = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int part = t;
            others.add(() -> {
                for (int i = part; i < release.size(); i += 4) {
                    assertTrue(release.get(i).release());
                }
                for (int i = part; i < keep.size(); i += 4) {
                    ByteBuf b = keep.get(i);
                    b.capacity(b.capacity() / 2 + 7);
                }
                return part;
            });
        }
        onThreads(others);
        assertExact(m, keep, "after cross-thread releases and resizes");

        // the threads have ended: their counts are folded into totals (at this reading, or once collected)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (alloc.registeredThreads() > 1 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(alloc.registeredThreads() <= 1, "ended threads folded: " + alloc.registeredThreads() + " left");
        assertExact(m, keep, "after the threads ended");

        for (ByteBuf b : keep) {
            b.release();
        }
        assertExact(m, List.of(), "after every release");
        assertEquals("HakmemByteBufAllocatorMetric(usedHeapMemory: 0; usedDirectMemory: 0)", m.toString());
    }

    /**
     * Event loop threads that end. Before its thread ends, a Netty event loop removes the thread's
     * {@code FastThreadLocal}s ({@code FastThreadLocal.removeAll()}), so the allocator's cache of
     * that thread is dropped while the thread still runs. Buffers move between two loops and the
     * main thread. On each loop a task does what the loop does at its end, {@code removeAll()},
     * then releases a buffer that loop allocated before (its owner, the dropped cache, is still
     * that thread's) and allocates again (a new cache); more buffers are released while the loop's
     * own {@code removeAll()} runs at its end (a {@code FastThreadLocal}'s {@code onRemoval}),
     * others by the main thread after the loops' threads ended. The metric stays exact throughout.
     */
    @Test
    void exactWhileEventLoopThreadsEnd() throws Exception {
        HakmemByteBufAllocator alloc = new HakmemByteBufAllocator(true);
        ByteBufAllocatorMetric m = alloc.metric();
        for (int round = 0; round < 20; round++) {
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
            List<EventLoop> loops = new ArrayList<>();
            group.forEach(e -> loops.add((EventLoop) e));
            Queue<ByteBuf> toMain = new ConcurrentLinkedQueue<>();
            Queue<ByteBuf> live = new ConcurrentLinkedQueue<>();
            int tasks = 100;
            CountDownLatch done = new CountDownLatch(tasks);
            for (int i = 0; i < tasks; i++) {
                EventLoop here = loops.get(i % 2);
                EventLoop other = loops.get((i + 1) % 2);
                int kind = i % 4;
                int size = 1 + (i * 7919) % 70_000;
                here.execute(() -> {
                    ByteBuf b = alloc.directBuffer(size);
                    switch (kind) {
                        case 0 -> b.release();
                        case 1 -> toMain.add(b);
                        case 2 -> other.execute(b::release);
                        default -> live.add(b);
                    }
                    done.countDown();
                });
            }
            assertTrue(done.await(30, TimeUnit.SECONDS));
            for (EventLoop l : loops) {
                l.submit(() -> { }).sync(); // the releases sent to the other loop have run
            }
            List<ByteBuf> held = new ArrayList<>(toMain);
            held.addAll(live);
            assertExact(m, held, "round " + round + ", before the loops end");

            List<ByteBuf> fromMain = new ArrayList<>();
            for (EventLoop l : loops) {
                ByteBuf early = alloc.directBuffer(65_536);
                ByteBuf atEnd = alloc.directBuffer(4096);
                fromMain.add(early);
                fromMain.add(atEnd);
                l.submit(() -> {
                    ByteBuf own = alloc.directBuffer(1000);
                    ByteBuf ownAtEnd = alloc.directBuffer(2000);
                    FastThreadLocal.removeAll(); // drops this thread's cache, as the loop does at its end
                    own.release();
                    early.release();
                    alloc.directBuffer(3000).release();
                    ByteBuf kept = alloc.directBuffer(5000); // counted in the thread's new cache
                    new FastThreadLocal<Boolean>() {
                        @Override
                        protected void onRemoval(Boolean value) { // during the loop's removeAll() at its end
                            ownAtEnd.release();
                            atEnd.release();
                            kept.release();
                            alloc.directBuffer(6000).release();
                        }
                    }.set(Boolean.TRUE);
                }).sync();
            }
            // live now: held, and per loop atEnd (4096), ownAtEnd (2000) and kept (5000)
            assertEquals(sum(held, true) + loops.size() * (4096 + 2000 + 5000), m.usedDirectMemory(),
                    "round " + round + ", after each loop's cache was dropped");
            for (ByteBuf b; (b = live.poll()) != null; ) {
                ByteBuf last = b;
                loops.get(0).execute(last::release); // released by the loop before it ends
            }
            assertTrue(group.shutdownGracefully(0, 10, TimeUnit.SECONDS).await(30, TimeUnit.SECONDS));
            assertExact(m, new ArrayList<>(toMain), "round " + round + ", after the loops ended");
            for (ByteBuf b; (b = toMain.poll()) != null; ) {
                b.release();
            }
            assertExact(m, List.of(), "round " + round + ", after every release");
        }
    }

    @Test
    void derivedAndCompositeBuffersCountTheirParts() {
        HakmemByteBufAllocator alloc = new HakmemByteBufAllocator(true);
        ByteBuf a = alloc.directBuffer(1000);
        ByteBuf slice = a.retainedSlice(0, 10);
        assertEquals(1000, alloc.metric().usedDirectMemory(), "a slice adds nothing");
        a.release();
        assertEquals(1000, alloc.metric().usedDirectMemory(), "the slice keeps its parent");
        slice.release();
        assertEquals(0, alloc.metric().usedDirectMemory());
        var c = alloc.compositeDirectBuffer();
        c.addComponent(true, alloc.directBuffer(100).writeZero(100));
        c.addComponent(true, alloc.heapBuffer(50).writeZero(50));
        assertEquals(100, alloc.metric().usedDirectMemory());
        assertEquals(50, alloc.metric().usedHeapMemory());
        ByteBuf consolidated = c.copy();
        assertEquals(250, alloc.metric().usedDirectMemory(), "the copy is a direct buffer of 150");
        consolidated.release();
        c.release();
        assertEquals(0, alloc.metric().usedDirectMemory());
        assertEquals(0, alloc.metric().usedHeapMemory());
    }
}
