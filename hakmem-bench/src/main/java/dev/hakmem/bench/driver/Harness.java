package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.AllocatorCounters;

/**
 * Runs a driver once and adds what every run reports: RSS before, at the peak and at the end,
 * and the allocator's own counters.
 */
public final class Harness {

    private Harness() {}

    /** One run of {@code driver} with complete {@code params} on {@code allocator}. */
    public static RunResult run(Driver driver, Allocator allocator, Params params) throws InterruptedException {
        System.gc();
        boolean hwm = ProcStatus.resetPeak();
        long before = ProcStatus.rssKiB();
        AllocatorCounters countersBefore = allocator.counters();
        PeakProbe probe = new PeakProbe();

        Measurement m = driver.run(allocator, params, probe);

        long end = ProcStatus.rssKiB();
        long peak = Math.max(probe.peakKiB(), hwm ? ProcStatus.peakRssKiB() : -1);
        AllocatorCounters countersAfter = allocator.counters();
        AllocatorCounters counters = countersBefore == null || countersAfter == null
                ? null : countersAfter.since(countersBefore);
        return new RunResult(m.ops(), m.nanos(),
                before < 0 || peak < 0 ? -1 : Math.max(0, peak - before),
                before < 0 || end < 0 ? -1 : end - before,
                counters);
    }
}
