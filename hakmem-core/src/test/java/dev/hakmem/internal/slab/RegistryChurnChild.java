package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.testing.BlockPattern;

import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Child JVM for {@code ThreadLifecycleTest}: the heap registry under churn, for {@code args[0]}
 * milliseconds. Three neighbour threads live throughout and park now and then (their heaps get
 * borrowed); short-lived platform threads are made on the neighbours' table slots (a thread id is
 * given when the {@code Thread} is made, so the churn picks one that falls on a neighbour's slot, or
 * any), and short-lived virtual threads run beside them. Each short-lived thread starts with a
 * remote free (a counting heap, or the dead owner's heap adopted) or an allocation (a dead heap
 * adopted, or a new one), then allocates and frees a few blocks and leaves some for others: dead
 * heaps hold memory, and the next thread's free of their blocks adopts them. Every block is filled
 * with a pattern when allocated and checked in full when freed; the first failure of any thread
 * ends the run. Then every block is freed, and the table checked: a heap in the table sits in its
 * holder's slot. Prints {@code OK} and the counts, or throws.
 */
public final class RegistryChurnChild {
    private RegistryChurnChild() {}

    /** A block handed between threads: its address, requested size and pattern. */
    record Block(long address, long size, int pattern) {}

    static final ConcurrentLinkedQueue<Block> SHARED = new ConcurrentLinkedQueue<>();
    static final AtomicReference<Throwable> FAILURE = new AtomicReference<>();
    static final AtomicInteger OPS = new AtomicInteger();
    /** Blocks in {@link #SHARED} (about): past {@link #MAX_SHARED} a new block is freed at once. */
    static final AtomicInteger SHARED_COUNT = new AtomicInteger();
    static final int MAX_SHARED = 4096;

    public static void main(String[] args) throws Exception {
        long millis = Long.parseLong(args[0]);
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] neighbours = new Thread[3];
        for (int i = 0; i < neighbours.length; i++) {
            long seed = 100 + i;
            neighbours[i] = new Thread(() -> guard(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                while (!stop.get()) {
                    work(r, 16);
                    if (r.nextInt(8) == 0) {
                        LockSupport.parkNanos(r.nextLong(200_000, 3_000_000)); // blocked: borrowable
                    }
                }
            }), "neighbour-" + i);
            neighbours[i].start();
        }
        SplittableRandom r = new SplittableRandom(42);
        int platform = 0;
        int collided = 0;
        int virtual = 0;
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() - end < 0 && FAILURE.get() == null) {
            long seed = r.nextLong();
            Runnable life = () -> guard(() -> {
                SplittableRandom mine = new SplittableRandom(seed);
                if (mine.nextBoolean()) {
                    freeOne(); // the first operation a remote free
                }
                work(mine, 1 + mine.nextInt(24));
            });
            if (r.nextInt(4) == 0) {
                Thread.ofVirtual().start(life).join();
                virtual++;
                continue;
            }
            Thread t = r.nextBoolean() ? ChildChecks.onSlotOf(neighbours[r.nextInt(neighbours.length)], life) : null;
            if (t != null) {
                collided++;
            } else {
                t = new Thread(life);
            }
            t.start();
            t.join();
            platform++;
        }
        stop.set(true);
        for (Thread n : neighbours) {
            n.join();
        }
        if (FAILURE.get() != null) {
            throw new AssertionError("after " + platform + " platform and " + virtual + " virtual threads", FAILURE.get());
        }
        for (Block b = SHARED.poll(); b != null; b = SHARED.poll()) {
            free(b);
        }
        ChildChecks.requireHeapsInTheirHoldersSlots();
        ChildChecks.trimAndRequireNothingLive();
        System.out.println("OK churn platform=" + platform + " (on a neighbour's slot " + collided + ") virtual="
                + virtual + " ops=" + OPS.get() + " heaps=" + Heaps.heapCounts()[0] + " retired=" + Heaps.heapCounts()[1]);
    }

    /** Runs {@code body}, keeping the first failure of any thread. */
    static void guard(Runnable body) {
        try {
            body.run();
        } catch (Throwable e) {
            FAILURE.compareAndSet(null, e);
        }
    }

    /** {@code n} operations: allocate (16 B - 24 KiB, most small) or free a shared block; leaves some blocks shared. */
    static void work(SplittableRandom r, int n) {
        for (int i = 0; i < n && FAILURE.get() == null; i++) {
            if (r.nextInt(3) == 0 && freeOne()) {
                continue;
            }
            long size = r.nextInt(10) == 0 ? r.nextLong(1024, 24 * 1024) : r.nextLong(16, 512);
            long a = Hakmem.malloc(size);
            int pattern = BlockPattern.off(a ^ size);
            BlockPattern.fill(a, size, pattern);
            Block b = new Block(a, size, pattern);
            if (r.nextInt(3) == 0 || SHARED_COUNT.get() >= MAX_SHARED) {
                free(b); // a local free
            } else {
                SHARED_COUNT.incrementAndGet();
                SHARED.add(b);
            }
        }
    }

    /** Frees the oldest shared block, if any. */
    static boolean freeOne() {
        Block b = SHARED.poll();
        if (b == null) {
            return false;
        }
        SHARED_COUNT.decrementAndGet();
        free(b);
        return true;
    }

    static void free(Block b) {
        BlockPattern.verify(b.address(), b.size(), b.pattern(), "shared block");
        Hakmem.free(b.address());
        OPS.incrementAndGet();
    }
}
