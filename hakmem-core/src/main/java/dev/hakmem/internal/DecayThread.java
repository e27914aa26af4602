package dev.hakmem.internal;

import dev.hakmem.internal.huge.HugeTier;
import dev.hakmem.internal.os.DecayClock;
import dev.hakmem.internal.slab.HeapDecay;
import dev.hakmem.internal.slab.SpanPool;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Gives idle memory back to the OS without any call from the user. One daemon thread,
 * {@code hakmem-decay}, waits on the {@link DecayClock} until the earliest deadline at which
 * something will have been idle for {@code hakmem.decayMs} (default 1000 ms), asks each source of
 * idle memory to give back what is due, and schedules the earliest deadline they report:
 *
 * <pre>
 * HeapDecay.decayParked    large spans parked in thread heaps  -&gt; the pool     (first: they join the pool's idle memory)
 * HeapDecay.decayHeaps     free pages of spans in use (swept by their holders, or by this thread
 *                      for heaps idle since the last pass), magazines of idle heaps, dead threads' heaps
 * SpanPool.decay       kept spans, free resident slots, cached SuperSlabs  -&gt; madvise / dissolve
 * HugeTier.decay       cached huge mappings, tails of reused mappings       -&gt; munmap / madvise
 * </pre>
 * While a thread heap holds memory the thread wakes once per decay time; with nothing pending it
 * parks without a timeout: an allocator holding nothing costs no CPU. The pass that leaves nothing
 * pending (everything freed has gone back) is followed, outside {@link #PASS}, by the C library's
 * {@code malloc_trim(0)} ({@code hakmem.trimLibc}): the free memory of the JVM's own native
 * allocations goes back then as well, at most once per decay time, since the thread only wakes
 * after memory was held again.
 */
final class DecayThread {
    private DecayThread() {}

    private static Thread thread;

    /**
     * One give-back pass at a time: a decay pass and {@link Allocator#trim()} exclude each other.
     * Otherwise trim finds a heap the decay thread is borrowing (BUSY), skips it, and the decay
     * thread releases that heap's spans to the pool only after trim gave the pool's empty
     * SuperSlabs back: trim would return leaving a SuperSlab mapped (FaultInjectionTest saw it).
     * Order: this lock, then the heaps', then the pool's; no holder of those takes this one.
     */
    static final ReentrantLock PASS = new ReentrantLock();

    /** Starts the thread once, unless decay is off. */
    static synchronized void start() {
        if (thread != null || !DecayClock.enabled()) {
            return;
        }
        thread = Thread.ofPlatform().daemon().name("hakmem-decay").unstarted(DecayThread::run);
        thread.start();
    }

    private static void run() {
        while (true) {
            long now = DecayClock.awaitDue();
            try {
                if (pass(now)) {
                    Allocator.trimLibc(); // outside PASS: a trim() need not wait for the C library's
                }
            } catch (Throwable e) {
                // never let the decay thread die; what was not purged is purged by trim()
                System.err.println("hakmem-decay: " + e);
            }
        }
    }

    /** One give-back pass, under {@link #PASS}: whether it left nothing pending (no deadline to schedule). */
    private static boolean pass(long now) {
        PASS.lock();
        try {
            long next = HeapDecay.decayParked(now);
            next = DecayClock.earlier(next, HeapDecay.decayHeaps(now));
            next = DecayClock.earlier(next, SpanPool.decay(now));
            next = DecayClock.earlier(next, HugeTier.decay(now));
            if (next == DecayClock.NONE) {
                return true;
            }
            DecayClock.schedule(next);
            return false;
        } finally {
            PASS.unlock();
        }
    }
}
