package dev.hakmem.bench.memory;

import dev.hakmem.bench.alloc.Allocator;

/**
 * A fragmentation workload of the memory suite. It allocates through an {@link Allocator}'s
 * block tables on the threads of a {@link Crew}, touches every page of every block it allocates
 * (so the block's pages are resident), counts every allocation and free in {@link LiveBytes},
 * and frees every block before {@link #run} returns.
 */
public interface MemoryDriver {

    /** Name on the command line, e.g. {@code frag-refill}. */
    String name();

    /** What it does, with its sizes, at scale 1 (for {@code --list} and the report). */
    String description();

    /** Threads of its crew. */
    int threads();

    /**
     * Whether Netty's allocators run it: drivers of buffer-like blocks (32 B and up, at most a few
     * hundred thousand live at once) do; those that hold millions of blocks from 16 B up do not
     * (Netty is no general-purpose malloc, and a {@code ByteBuf} object per block would need
     * more Java heap than the blocks themselves).
     */
    boolean fitsNetty();

    /**
     * A rough guess of one run's seconds on an idle core: the duration of a time-driven driver,
     * the usual time of one that does a fixed amount of work (for the suite's progress line and
     * time-outs only).
     */
    double estimateSeconds(double scale, double timeScale);

    /**
     * Runs the workload on {@code w.crew()} (which has {@link #threads()} threads) and frees
     * everything it allocated before returning.
     */
    void run(Workload w) throws InterruptedException;

    /**
     * What a run works with.
     *
     * @param allocator the allocator under test
     * @param crew      the threads to run on
     * @param live      where every allocation and free is counted
     * @param scale     volume factor: 1 is the suite's working set (0.5-0.8 GiB at the peak)
     * @param timeScale duration factor for the time-driven drivers (1 is their usual duration)
     * @param seed      seed of the random numbers (thread {@code t} uses {@code seed + t})
     * @param phases    where the driver marks its phases, if it has any (frag-refill's rounds)
     */
    record Workload(Allocator allocator, Crew crew, LiveBytes live, double scale, double timeScale, long seed,
                    Phases phases) {}
}
