package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.AllocatorCounters;

/**
 * One measured run of a driver on an allocator.
 *
 * @param ops        operations done
 * @param nanos      wall time of the measured phase
 * @param rssPeakKiB resident memory at the peak of the live set, minus that before the run
 * @param rssEndKiB  resident memory after everything was freed, minus that before the run
 * @param counters   the allocator's OS calls during the run (mappedBytes at the end), or {@code null}
 */
public record RunResult(long ops, long nanos, long rssPeakKiB, long rssEndKiB, AllocatorCounters counters) {

    /** Operations per second. */
    public double opsPerSec() {
        return ops * 1e9 / nanos;
    }

    /** Nanoseconds per operation. */
    public double nsPerOp() {
        return ops == 0 ? Double.NaN : (double) nanos / ops;
    }
}
