package dev.hakmem.bench.report;

/**
 * One measured run, as one line of {@code results.csv}.
 *
 * @param driver       driver name
 * @param params       the driver's complete parameters, space-separated
 * @param allocator    allocator adapter name
 * @param run          1-based number of the measured run
 * @param opsPerSec    operations per second
 * @param nsPerOp      nanoseconds per operation
 * @param rssPeakKiB   RSS at the live set's peak minus RSS before the run, KiB
 * @param rssEndKiB    RSS after everything was freed minus RSS before the run, KiB
 * @param mmapCalls    the allocator's mmap calls during the run, or {@code null} if it does not count them
 * @param munmapCalls  likewise for munmap
 * @param madviseCalls likewise for madvise
 * @param mappedBytes  bytes the allocator had mapped at the end of the run, or {@code null}; not in the CSV
 */
public record ResultRow(String driver, String params, String allocator, int run, double opsPerSec, double nsPerOp,
                        long rssPeakKiB, long rssEndKiB, Long mmapCalls, Long munmapCalls, Long madviseCalls,
                        Long mappedBytes) {

    /** The (driver, params) pair this run belongs to. */
    public String caseKey() {
        return driver + " " + params;
    }
}
