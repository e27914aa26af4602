package dev.hakmem.bench.memory;

import dev.hakmem.bench.alloc.BlockTable;
import dev.hakmem.bench.driver.Xorshift64Star;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code frag-remote}: {@value #PRODUCERS} producer threads allocate batches of {@value #BATCH}
 * blocks (by count 80 % 32-512 B, 18 % 1-16 KiB, 2 % 32-256 KiB) and hand each batch through a
 * queue to one of {@value #CONSUMERS} consumer threads (in turn), which hold it and free it: every
 * free is remote. The live bytes follow a target that rises from 10 % to 100 % of
 * {@value #MAX_MIB} MiB and falls back, {@value #CYCLES} times over {@value #SECONDS} s:
 * producers allocate while the live bytes are below the target, and consumers free random held
 * batches while they are above it. Besides, each batch has a lifetime drawn between a quarter and
 * one and three quarters of a sixth of a cycle; consumers probe random held batches and free those
 * past it, so blocks also come and go while the target rises. At the end producers stop and
 * consumers free what they hold.
 */
final class FragRemote implements MemoryDriver {

    static final int PRODUCERS = 2;
    static final int CONSUMERS = 2;
    static final int BATCH = 32;
    static final long MAX_MIB = 640;
    static final double LOW = 0.10;
    static final int CYCLES = 3;
    static final double SECONDS = 10;
    static final SizeMix MIX = SizeMix.of(80, 32, 512, 18, 1024, 16384, 2, 32768, 262144);
    private static final long IDLE_NANOS = 200_000;

    @Override
    public String name() {
        return "frag-remote";
    }

    @Override
    public String description() {
        return PRODUCERS + " producer threads allocate batches of " + BATCH + " blocks (" + MIX + ") and hand them to "
                + CONSUMERS + " consumer threads that hold and free them (remote frees); live bytes follow a target "
                + "rising from 10 % to 100 % of " + MAX_MIB + " MiB and falling back, " + CYCLES + " times in "
                + (int) SECONDS + " s, with random batch lifetimes besides";
    }

    @Override
    public int threads() {
        return PRODUCERS + CONSUMERS;
    }

    @Override
    public boolean fitsNetty() {
        return true;
    }

    @Override
    public double estimateSeconds(double scale, double timeScale) {
        return SECONDS * timeScale;
    }

    /** A batch of blocks, allocated by one producer and freed by one consumer. */
    private static final class Batch {
        final BlockTable table;
        final int[] size = new int[BATCH];
        long due;

        Batch(BlockTable table) {
            this.table = table;
        }
    }

    @Override
    public void run(Workload w) throws InterruptedException {
        long max = Math.max(1, (long) (MAX_MIB * w.scale() * (1 << 20)));
        long duration = (long) (SECONDS * w.timeScale() * 1e9);
        long cycle = duration / CYCLES;
        int batches = (int) (2 * max / (BATCH * MIX.mean())) + 4 * PRODUCERS;
        ConcurrentLinkedQueue<Batch> pool = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < batches; i++) {
            pool.add(new Batch(w.allocator().newTable(BATCH, true)));
        }
        List<ConcurrentLinkedQueue<Batch>> queues = new ArrayList<>();
        for (int c = 0; c < CONSUMERS; c++) {
            queues.add(new ConcurrentLinkedQueue<>());
        }
        AtomicInteger producing = new AtomicInteger(PRODUCERS);
        long start = System.nanoTime();
        long end = start + duration;
        LiveBytes live = w.live();
        w.crew().runOnAll(t -> {
            Xorshift64Star random = new Xorshift64Star(w.seed() + t);
            if (t < PRODUCERS) {
                try {
                    produce(t, random, pool, queues, live, max, start, end, cycle);
                } finally {
                    producing.decrementAndGet(); // also when it failed, or the consumers would wait for ever
                }
            } else {
                consume(queues.get(t - PRODUCERS), random, pool, live, max, start, cycle, producing);
            }
        });
    }

    /** The live-bytes target at {@code now}: a triangle from LOW * max up to max and back, per cycle. */
    static long target(long max, long now, long start, long cycle) {
        double phase = ((now - start) % cycle) / (double) cycle;
        double tri = 1 - Math.abs(2 * phase - 1);
        return (long) (max * (LOW + (1 - LOW) * tri));
    }

    private static void produce(int t, Xorshift64Star random, ConcurrentLinkedQueue<Batch> pool,
                                List<ConcurrentLinkedQueue<Batch>> queues, LiveBytes live, long max, long start,
                                long end, long cycle) {
        int next = t % CONSUMERS;
        for (long now = System.nanoTime(); now < end; now = System.nanoTime()) {
            Batch b = live.get() < target(max, now, start, cycle) ? pool.poll() : null;
            if (b == null) {
                LockSupport.parkNanos(IDLE_NANOS);
                continue;
            }
            for (int i = 0; i < BATCH; i++) {
                b.size[i] = (int) MIX.draw(random);
                Blocks.allocate(b.table, i, b.size[i], live);
            }
            // lifetime: between 1/4 and 7/4 of a sixth of a cycle
            b.due = System.nanoTime() + (long) (cycle / 6.0 * (0.25 + 1.5 * SizeMix.uniform(random)));
            queues.get(next).add(b);
            next = (next + 1) % CONSUMERS;
        }
    }

    private static void consume(ConcurrentLinkedQueue<Batch> queue, Xorshift64Star random, ConcurrentLinkedQueue<Batch> pool,
                                LiveBytes live, long max, long start, long cycle, AtomicInteger producing) {
        List<Batch> held = new ArrayList<>();
        while (true) {
            boolean done = producing.get() == 0; // read before draining, so nothing arrives after the last drain
            for (Batch b = queue.poll(); b != null; b = queue.poll()) {
                held.add(b);
            }
            if (done) {
                break;
            }
            long now = System.nanoTime();
            boolean worked = false;
            long target = target(max, now, start, cycle);
            while (live.get() > target && !held.isEmpty()) {
                release(held, (int) (random.next() >>> 33) % held.size(), pool, live);
                worked = true;
            }
            for (int k = 0; k < 4 && !held.isEmpty(); k++) {
                int i = (int) (random.next() >>> 33) % held.size();
                if (held.get(i).due - now <= 0) {
                    release(held, i, pool, live);
                    worked = true;
                }
            }
            if (!worked) {
                LockSupport.parkNanos(IDLE_NANOS);
            }
        }
        while (!held.isEmpty()) {
            release(held, held.size() - 1, pool, live);
        }
    }

    /** Frees every block of {@code held[i]}, returns the batch to the pool and drops it from {@code held}. */
    private static void release(List<Batch> held, int i, ConcurrentLinkedQueue<Batch> pool, LiveBytes live) {
        Batch b = held.get(i);
        held.set(i, held.get(held.size() - 1));
        held.remove(held.size() - 1);
        for (int j = 0; j < BATCH; j++) {
            Blocks.free(b.table, j, b.size[j], live);
        }
        pool.add(b);
    }
}
