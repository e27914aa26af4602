package dev.hakmem.bench.driver;

/**
 * Drivers call {@link #mark()} where their live set peaks; the harness reports the highest RSS
 * seen there or by the kernel's high-water mark, whichever is higher. Thread-safe; each call
 * reads {@code /proc/self/status}, so drivers call it a handful of times, never per operation.
 */
public final class PeakProbe {

    private long peakKiB = -1;

    /** Records the RSS now. */
    public synchronized void mark() {
        peakKiB = Math.max(peakKiB, ProcStatus.rssKiB());
    }

    /** The highest RSS recorded, or -1. */
    public synchronized long peakKiB() {
        return peakKiB;
    }
}
