package dev.hakmem.bench.driver;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * xmalloc {@code PAIRS SECONDS SIZE}: PAIRS producers allocate batches of 4096 blocks of SIZE
 * bytes, writing every byte, and push each batch onto a bounded shared stack of 100 batches;
 * PAIRS consumers pop batches and free every block. Every free is a cross-thread free.
 * Runs SECONDS (fractions allowed); ops = frees done by the consumers while it ran.
 */
public final class Xmalloc implements Driver {

    /** Blocks per batch. */
    static final int BATCH = 4096;
    /** Batches the shared stack holds. */
    static final int STACK = 100;

    @Override
    public String name() {
        return "xmalloc";
    }

    @Override
    public String usage() {
        return "PAIRS SECONDS SIZE [vt]  (defaults 1 5 64)";
    }

    @Override
    public Params complete(Params given) {
        return given.withDefaults("1", "5", "64");
    }

    @Override
    public Measurement run(Allocator allocator, Params p, PeakProbe probe) throws InterruptedException {
        int pairs = p.intAt(0, 0);
        double seconds = p.doubleAt(1, 0);
        long size = p.longAt(2, 0);
        BatchStack full = new BatchStack(STACK);
        BatchStack empty = new BatchStack(STACK + 2 * pairs + 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] frees = new long[pairs];
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] threads = new Thread[2 * pairs];
        for (int i = 0; i < pairs; i++) {
            int c = i;
            threads[2 * i] = p.threads().unstarted("xmalloc-producer-" + i, () -> {
                try {
                    go.await();
                    produce(allocator, size, full, empty, stop);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    stop.set(true);
                }
            });
            threads[2 * i + 1] = p.threads().unstarted("xmalloc-consumer-" + i, () -> {
                try {
                    go.await();
                    frees[c] = consume(full, empty, stop);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    stop.set(true);
                }
            });
        }
        for (Thread t : threads) {
            t.start();
        }
        long start = System.nanoTime();
        go.countDown();
        long deadline = start + (long) (seconds * 1e9);
        while (!stop.get() && System.nanoTime() < deadline) {
            Thread.sleep(Math.max(1, Math.min(50, (deadline - System.nanoTime()) / 1_000_000)));
            if (System.nanoTime() > start + (deadline - start) / 2) {
                probe.mark();
            }
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        long nanos = System.nanoTime() - start;
        Workers.rethrow(failure.get());
        for (BlockTable batch; (batch = full.pollNow()) != null; ) {
            batch.freeAll();
        }
        long total = 0;
        for (long n : frees) {
            total += n;
        }
        return new Measurement(total, Math.max(1, nanos));
    }

    private static void produce(Allocator allocator, long size, BatchStack full, BatchStack empty,
                                AtomicBoolean stop) throws InterruptedException {
        while (!stop.get()) {
            BlockTable batch = empty.pollNow();
            if (batch == null) {
                batch = allocator.newTable(BATCH, true);
            }
            for (int i = 0; i < BATCH; i++) {
                Memory.fill(batch.allocate(i, size), size, (byte) i);
            }
            while (!full.offer(batch)) {
                if (stop.get()) {
                    batch.freeAll();
                    return;
                }
            }
        }
    }

    private static long consume(BatchStack full, BatchStack empty, AtomicBoolean stop)
            throws InterruptedException {
        long frees = 0;
        while (!stop.get()) {
            BlockTable batch = full.poll();
            if (batch == null) {
                continue;
            }
            for (int i = 0; i < BATCH; i++) {
                batch.free(i);
            }
            frees += BATCH;
            empty.offer(batch);
        }
        return frees;
    }

    @Override
    public boolean multiThreaded() {
        return true;
    }

    @Override
    public double estimateSeconds(Params p) {
        return p.doubleAt(1, 0) + 0.1;
    }
}
