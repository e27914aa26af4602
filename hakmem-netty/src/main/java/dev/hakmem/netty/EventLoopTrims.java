package dev.hakmem.netty;

import dev.hakmem.Hakmem;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Gives back the memory an idle event loop keeps in hakmem. An event loop waits for I/O in native
 * code ({@code epoll_wait}, {@code select}), which the JVM reports as running, so hakmem's decay
 * never borrows its heap (it only takes the heaps of threads that are parked, sleeping or waiting),
 * and the loop, allocating nothing, never comes by the sweep the decay asks for: its thread caches
 * and the free pages of its spans stayed resident after a load until the next request came.
 *
 * <p>The first buffer an allocator makes on an event-loop thread (with the thread caches on,
 * {@code hakmem.netty.threadCache} above 0, the default) schedules, on that loop, a task
 * every {@code hakmem.netty.trimIntervalMs} (default 1000, {@code 0}: none) that calls
 * {@link Hakmem#trimCurrentThreadIfIdle()}: a loop that allocated or freed since the last tick
 * keeps everything (the task costs it one pass over its heap's counters), one idle for a whole
 * interval gives its caches and free pages back, once. Netty's pooled allocator trims its thread
 * caches from a task on the event loop in the same way. One task per thread, however many
 * allocators it uses; it ends with the loop.
 */
final class EventLoopTrims {
    private EventLoopTrims() {}

    /** {@code hakmem.netty.trimIntervalMs}: the period of each event loop's task, 0 for none. */
    static final int INTERVAL_MS = Knobs.intValue("trimIntervalMs", 1000, 0);

    /** Set on every thread that was looked at (with a loop or not), so each thread is looked at once. */
    private static final FastThreadLocal<Boolean> LOOKED_AT = new FastThreadLocal<>();
    private static final LongAdder SCHEDULED = new LongAdder();
    private static final LongAdder TRIMS = new LongAdder();

    /** Called on the thread of a new per-thread cache: schedules the task if the thread is an event loop's. */
    static void register() {
        if (INTERVAL_MS == 0 || LOOKED_AT.isSet()) {
            return;
        }
        LOOKED_AT.set(Boolean.TRUE);
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        if (loop == null || !loop.inEventLoop() || loop.isShuttingDown()) {
            return;
        }
        loop.scheduleAtFixedRate(EventLoopTrims::tick, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
        SCHEDULED.increment();
    }

    private static void tick() {
        if (Hakmem.trimCurrentThreadIfIdle()) {
            TRIMS.increment();
        }
    }

    /** Event loops with the task so far. */
    static long scheduled() {
        return SCHEDULED.sum();
    }

    /** Ticks that found their loop idle and gave its memory back. */
    static long trims() {
        return TRIMS.sum();
    }
}
