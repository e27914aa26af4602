package dev.hakmem.bench.memory;

/**
 * A memory driver that does a fixed amount of work on one thread, with millions of blocks from
 * 16 B up (so Netty's allocators do not run it): its {@link #body} runs on the crew's one thread.
 */
abstract class OneThreadDriver implements MemoryDriver {

    private final double secondsAtScale1;

    /** {@code secondsAtScale1}: a rough guess of one run's seconds at scale 1 on an idle core. */
    OneThreadDriver(double secondsAtScale1) {
        this.secondsAtScale1 = secondsAtScale1;
    }

    @Override
    public final int threads() {
        return 1;
    }

    @Override
    public final boolean fitsNetty() {
        return false;
    }

    @Override
    public final double estimateSeconds(double scale, double timeScale) {
        return secondsAtScale1 * scale;
    }

    @Override
    public final void run(Workload w) throws InterruptedException {
        w.crew().runOnAll(t -> body(w));
    }

    /** The workload, on the crew's thread; frees everything it allocated before returning. */
    abstract void body(Workload w);
}
