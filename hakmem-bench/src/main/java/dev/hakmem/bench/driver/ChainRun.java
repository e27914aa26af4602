package dev.hakmem.bench.driver;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The shared state of a run of chains, in which each worker (a larson thread, a request) starts
 * its successor when it ends, until the run is stopped: the block sizes' range, the stop flag,
 * the first failure, and a latch that counts the chains that have ended.
 */
abstract class ChainRun {

    /** Smallest block size drawn, bytes. */
    final long min;
    /** Largest block size drawn, bytes. */
    final long max;
    final CountDownLatch finished;
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    volatile boolean stop;

    /** A run of {@code chains} chains whose blocks are {@code min}..{@code max} bytes. */
    ChainRun(int chains, long min, long max) {
        this.min = min;
        this.max = max;
        this.finished = new CountDownLatch(chains);
    }

    /**
     * Lets the chains run for {@code seconds} (fractions allowed), then stops them and waits
     * until every chain has ended.
     */
    final void runFor(double seconds) throws InterruptedException {
        Thread.sleep((long) (seconds * 1000));
        stop = true;
        finished.await();
    }

    /**
     * Called when a worker has ended normally: whether its chain goes on (the caller then starts
     * the successor). Once the run is stopped or a worker has failed, counts the chain ended and
     * returns false.
     */
    final boolean goesOn() {
        if (stop || failure.get() != null) {
            finished.countDown();
            return false;
        }
        return true;
    }

    /** Called when a worker has failed: keeps {@code e} if it is the first failure and counts the chain ended. */
    final void failed(Throwable e) {
        failure.compareAndSet(null, e);
        finished.countDown();
    }
}
