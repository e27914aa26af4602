package dev.hakmem.bench.driver;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs the same body on several threads (platform or virtual, see {@link ThreadKind}) released together, and times them from the
 * release to the last one's end. Any thread's failure is rethrown.
 */
final class Workers {

    /** The work of thread {@code t}; returns the operations it did. */
    @FunctionalInterface
    interface Body {
        long run(int t) throws Exception;
    }

    /** The work a thread does before the start, untimed (e.g. filling its slots). */
    @FunctionalInterface
    interface Setup {
        void run(int t) throws Exception;
    }

    private Workers() {}

    /** Runs {@code body} on {@code threads} threads of {@code kind}, each after its {@code setup}. */
    static Measurement run(String name, ThreadKind kind, int threads, Setup setup, Body body) throws InterruptedException {
        return run(name, kind, threads, setup, body, t -> { });
    }

    /**
     * Runs {@code body} on {@code threads} threads, each after its {@code setup}; once every body
     * has ended and the time is taken, each thread runs its {@code teardown} (e.g. freeing what it
     * still holds, on the thread that owns it).
     */
    static Measurement run(String name, ThreadKind kind, int threads, Setup setup, Body body, Setup teardown)
            throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        CountDownLatch cleanUp = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] ops = new long[threads];
        Thread[] all = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int t = i;
            all[i] = kind.unstarted(name + "-" + t, () -> {
                try {
                    setup.run(t);
                    ready.countDown();
                    go.await();
                    ops[t] = body.run(t);
                    done.countDown();
                    cleanUp.await();
                    teardown.run(t);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    ready.countDown();
                    done.countDown();
                }
            });
            all[i].start();
        }
        ready.await();
        long start = System.nanoTime();
        go.countDown();
        done.await();
        long nanos = System.nanoTime() - start;
        cleanUp.countDown();
        for (Thread thread : all) {
            thread.join();
        }
        rethrow(failure.get());
        long total = 0;
        for (long n : ops) {
            total += n;
        }
        return new Measurement(total, Math.max(1, nanos));
    }

    /** Rethrows a worker's failure, if any, as an unchecked exception. */
    static void rethrow(Throwable failure) {
        if (failure == null) {
            return;
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(failure);
    }
}
