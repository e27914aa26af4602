package dev.hakmem.bench.memory;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * A thread that reads this process's RSS and a live-bytes figure every {@code intervalMs} and
 * keeps the series: milliseconds since the sampler's time zero, live bytes, RSS in KiB.
 */
final class Sampler {

    private final long intervalNanos;
    private final LongSupplier live;
    private final long t0;
    private final Thread thread;
    private volatile boolean stop;
    private long[] ms = new long[1024];
    private long[] liveBytes = new long[1024];
    private long[] rssKiB = new long[1024];
    private int n;
    private long maxRssKiB;

    /** Starts sampling now; time zero is {@code t0} ({@link System#nanoTime()}). */
    Sampler(long intervalMs, LongSupplier live, long t0) {
        if (intervalMs < 1) {
            throw new IllegalArgumentException("sample interval must be at least 1 ms, got " + intervalMs);
        }
        this.intervalNanos = intervalMs * 1_000_000;
        this.live = live;
        this.t0 = t0;
        this.thread = Thread.ofPlatform().name("rss-sampler").daemon().start(this::loop);
    }

    private void loop() {
        long next = System.nanoTime();
        while (!stop) {
            sample();
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(wait);
            } else {
                next = System.nanoTime(); // fell behind (a busy machine): no burst of catch-up samples
            }
        }
    }

    /** Takes one sample now (also called by the sampler thread). */
    synchronized void sample() {
        long l = live.getAsLong();
        long rss = Rss.now().rssKiB();
        if (n == ms.length) {
            ms = Arrays.copyOf(ms, 2 * n);
            liveBytes = Arrays.copyOf(liveBytes, 2 * n);
            rssKiB = Arrays.copyOf(rssKiB, 2 * n);
        }
        ms[n] = (System.nanoTime() - t0) / 1_000_000;
        liveBytes[n] = l;
        rssKiB[n] = rss;
        maxRssKiB = Math.max(maxRssKiB, rss);
        n++;
    }

    /** Stops the thread and waits for it. */
    void stop() throws InterruptedException {
        stop = true;
        thread.join();
    }

    /** The highest RSS sampled, KiB. */
    synchronized long maxRssKiB() {
        return maxRssKiB;
    }

    /** The samples so far: {@code [i] = {ms, liveBytes, rssKiB}}. */
    synchronized long[][] samples() {
        long[][] out = new long[n][];
        for (int i = 0; i < n; i++) {
            out[i] = new long[] {ms[i], liveBytes[i], rssKiB[i]};
        }
        return out;
    }
}
