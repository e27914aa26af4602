package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;

/** One workload of benchmarks.md, runnable against any {@link Allocator}. */
public interface Driver {

    /** Name on the command line, e.g. {@code random-mixed}. */
    String name();

    /** The parameters it takes, e.g. {@code CYCLES WS SEED [MIN MAX]}. */
    String usage();

    /** Its parameters with every default filled in, for {@code given} (which may omit trailing ones). */
    Params complete(Params given);

    /**
     * Runs the workload once and frees everything it allocated.
     *
     * @param probe where to report the peak of the live set
     */
    Measurement run(Allocator allocator, Params params, PeakProbe probe) throws InterruptedException;

    /**
     * Whether the workload runs on worker threads it starts itself, so that the parameter suffix
     * {@code vt} (virtual threads, see {@link ThreadKind}) applies to it.
     */
    default boolean multiThreaded() {
        return false;
    }

    /** A rough guess of one run's seconds on a fast allocator, for the launcher's time estimates. */
    double estimateSeconds(Params params);
}
