package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * larson {@code THREADS SECONDS CHUNKS STEPS MIN MAX}: the main thread fills THREADS arrays of
 * CHUNKS blocks; each worker takes an array and does STEPS steps of (free a random slot's block,
 * allocate a random size into it, write its first and last byte), then starts a successor that
 * inherits the array, and ends. Blocks are freed by threads that did not allocate them, often
 * after their allocating thread died. Runs SECONDS (fractions allowed); ops = steps x 2.
 * With the suffix {@code vt} every worker, successors included, is a virtual thread.
 */
public final class Larson implements Driver {

    private static final long SEED = 42;

    @Override
    public String name() {
        return "larson";
    }

    @Override
    public String usage() {
        return "THREADS SECONDS CHUNKS STEPS MIN MAX [vt]  (defaults 2 5 1000 10000 8 1000)";
    }

    @Override
    public Params complete(Params given) {
        return given.withDefaults("2", "5", "1000", "10000", "8", "1000");
    }

    @Override
    public Measurement run(Allocator allocator, Params p, PeakProbe probe) throws InterruptedException {
        int threads = p.intAt(0, 0);
        double seconds = p.doubleAt(1, 0);
        int chunks = p.intAt(2, 0);
        long steps = p.longAt(3, 0);
        long min = p.longAt(4, 0);
        long max = p.longAt(5, 0);

        Xorshift64Star fill = new Xorshift64Star(SEED);
        BlockTable[] arrays = new BlockTable[threads];
        for (int t = 0; t < threads; t++) {
            arrays[t] = allocator.newTable(chunks, true);
            for (int i = 0; i < chunks; i++) {
                long size = Xorshift64Star.size(fill.next(), min, max);
                writeEnds(arrays[t].allocate(i, size), size);
            }
        }
        probe.mark();

        Run run = new Run(p.threads(), threads, chunks, steps, min, max);
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            run.startWorker(arrays[t]);
        }
        run.runFor(seconds);
        long nanos = System.nanoTime() - start;
        Workers.rethrow(run.failure.get());
        for (BlockTable array : arrays) {
            array.freeAll();
        }
        return new Measurement(run.steps.get() * 2, Math.max(1, nanos));
    }

    private static void writeEnds(long address, long size) {
        Memory.writeByte(address, (byte) size);
        Memory.writeByte(address + size - 1, (byte) size);
    }

    /** The shared state of one run: besides {@link ChainRun}'s, the thread kind, the steps per worker and the step count. */
    private static final class Run extends ChainRun {
        final ThreadKind kind;
        final int chunks;
        final long stepsPerThread;
        final AtomicLong steps = new AtomicLong();
        final AtomicLong spawned = new AtomicLong();

        Run(ThreadKind kind, int threads, int chunks, long stepsPerThread, long min, long max) {
            super(threads, min, max);
            this.kind = kind;
            this.chunks = chunks;
            this.stepsPerThread = stepsPerThread;
        }

        /** Starts the next worker on {@code array}; worker number {@code n} uses seed 43 + n. */
        void startWorker(BlockTable array) {
            long n = spawned.getAndIncrement();
            kind.start("larson-" + n, () -> work(array, SEED + 1 + n));
        }

        private void work(BlockTable array, long seed) {
            try {
                Xorshift64Star rng = new Xorshift64Star(seed);
                for (long s = 0; s < stepsPerThread; s++) {
                    long r = rng.next();
                    int slot = Xorshift64Star.slot(r, chunks);
                    long size = Xorshift64Star.size(r, min, max);
                    array.free(slot);
                    writeEnds(array.allocate(slot, size), size);
                }
                steps.addAndGet(stepsPerThread);
                if (goesOn()) {
                    startWorker(array);
                }
            } catch (Throwable e) {
                failed(e);
            }
        }
    }

    @Override
    public boolean multiThreaded() {
        return true;
    }

    @Override
    public double estimateSeconds(Params p) {
        return p.doubleAt(1, 0) + 0.05;
    }
}
