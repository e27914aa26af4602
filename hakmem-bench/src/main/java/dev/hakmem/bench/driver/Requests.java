package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * requests {@code CONCURRENCY SECONDS BLOCKS ROUNDS MIN MAX}: a thread-per-request server's
 * allocation pattern. CONCURRENCY requests are in flight at any time; each request allocates
 * BLOCKS request-scoped blocks of MIN..MAX bytes (writing their first and last byte), reads them
 * back, frees them, and does that ROUNDS times (parse, process, respond), then ends and its
 * successor request starts. Runs SECONDS (fractions allowed); ops = allocations + frees.
 *
 * <ul>
 * <li>platform threads (the default): requests are tasks of a fixed pool of CONCURRENCY platform
 *     threads, as in a classic thread-pool server; each finished request submits its successor;</li>
 * <li>virtual threads (suffix {@code vt}): every request is a new virtual thread, started by its
 *     predecessor, as in a server built on {@code Executors.newVirtualThreadPerTaskExecutor()}.</li>
 * </ul>
 * A request's blocks are allocated and freed by the request's own thread. Every chain of requests
 * reuses one slot table (handed from request to request); sizes come from a per-chain xorshift.
 */
public final class Requests implements Driver {

    private static final long SEED = 0x5E5_1234L;

    @Override
    public String name() {
        return "requests";
    }

    @Override
    public String usage() {
        return "CONCURRENCY SECONDS BLOCKS ROUNDS MIN MAX [vt]  (defaults 64 1 16 8 64 4096)";
    }

    @Override
    public Params complete(Params given) {
        return given.withDefaults("64", "1", "16", "8", "64", "4096");
    }

    @Override
    public boolean multiThreaded() {
        return true;
    }

    @Override
    public double estimateSeconds(Params p) {
        return p.doubleAt(1, 0) + 0.05;
    }

    @Override
    public Measurement run(Allocator allocator, Params p, PeakProbe probe) throws InterruptedException {
        int concurrency = p.intAt(0, 0);
        double seconds = p.doubleAt(1, 0);
        int blocks = p.intAt(2, 0);
        int rounds = p.intAt(3, 0);
        long min = p.longAt(4, 0);
        long max = p.longAt(5, 0);
        boolean virtual = p.threads() == ThreadKind.VIRTUAL;

        ExecutorService pool = virtual ? null : Executors.newFixedThreadPool(concurrency,
                r -> Thread.ofPlatform().name("requests-worker").unstarted(r));
        Run run = new Run(pool, concurrency, blocks, rounds, min, max);
        probe.mark();
        long start = System.nanoTime();
        for (int c = 0; c < concurrency; c++) {
            run.next(new Chain(allocator.newTable(blocks, false), SEED + c));
        }
        run.runFor(seconds);
        long nanos = System.nanoTime() - start;
        if (pool != null) {
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
        Workers.rethrow(run.failure.get());
        return new Measurement(run.requests.sum() * rounds * blocks * 2L, Math.max(1, nanos));
    }

    /** One client's sequence of requests: its slot table and random sizes. */
    private static final class Chain {
        final BlockTable table;
        final Xorshift64Star rng;

        Chain(BlockTable table, long seed) {
            this.table = table;
            this.rng = new Xorshift64Star(seed);
        }
    }

    /** The shared state of one run: besides {@link ChainRun}'s, the pool (null on virtual threads), the blocks and rounds per request and the request count. */
    private static final class Run extends ChainRun {
        final ExecutorService pool;
        final int blocks;
        final int rounds;
        final LongAdder requests = new LongAdder();

        Run(ExecutorService pool, int concurrency, int blocks, int rounds, long min, long max) {
            super(concurrency, min, max);
            this.pool = pool;
            this.blocks = blocks;
            this.rounds = rounds;
        }

        /** Starts the chain's next request: a pool task, or a new virtual thread. */
        void next(Chain chain) {
            Runnable request = () -> serve(chain);
            if (pool != null) {
                pool.execute(request);
            } else {
                Thread.ofVirtual().start(request);
            }
        }

        private void serve(Chain chain) {
            try {
                BlockTable t = chain.table;
                long sum = 0;
                for (int r = 0; r < rounds; r++) {
                    for (int i = 0; i < blocks; i++) {
                        long size = Xorshift64Star.size(chain.rng.next(), min, max);
                        long a = t.allocate(i, size);
                        Memory.writeByte(a, (byte) size);
                        Memory.writeByte(a + size - 1, (byte) i);
                    }
                    for (int i = 0; i < blocks; i++) {
                        sum += Memory.readByte(t.address(i));
                        t.free(i);
                    }
                }
                if (sum == Long.MIN_VALUE) {
                    throw new AssertionError("unreachable: keeps the reads");
                }
                requests.increment();
                if (goesOn()) {
                    next(chain);
                }
            } catch (Throwable e) {
                failed(e);
            }
        }
    }
}
