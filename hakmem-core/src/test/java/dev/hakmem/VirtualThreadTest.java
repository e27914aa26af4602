package dev.hakmem;

import dev.hakmem.testing.BlockPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Thousands of virtual threads allocate, park (so they move between carrier threads while owning
 * blocks), verify and free, and free each other's blocks. Every byte of every block is checked
 * before it is freed; a global set of live addresses catches a block handed out twice.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("restricted") // raw native addresses are what this test is about
class VirtualThreadTest {

    static final long KiB = 1024, MiB = 1024 * KiB;
    static final long MAX_SIZE = 1 * MiB;

    record Blk(long addr, long size, int off, String owner) {}

    final ConcurrentHashMap<Long, Blk> live = new ConcurrentHashMap<>();
    final AtomicReference<Throwable> firstError = new AtomicReference<>();
    final AtomicLong serial = new AtomicLong();
    long startLive;

    @BeforeEach
    void before() {
        Hakmem.trim();
        startLive = Hakmem.stats().liveBytes();
    }

    static long size(SplittableRandom r) {
        int k = r.nextInt(1000);
        if (k < 850) return r.nextLong(2049);
        if (k < 995) return 2048 + r.nextLong(62 * KiB);
        return 64 * KiB + r.nextLong(MAX_SIZE - 64 * KiB + 1);
    }

    static int offFor(long addr, long serial) {
        long x = addr * 0x9E3779B97F4A7C15L + serial * 0xBF58476D1CE4E5B9L;
        x ^= x >>> 31;
        x *= 0x94D049BB133111EBL;
        x ^= x >>> 29;
        return (int) (x & (BlockPattern.SPAN - 1));
    }

    Blk track(long addr, long size, String owner) {
        if (addr == 0 || addr % (size >= 16 ? 16 : 8) != 0) {
            throw new AssertionError(owner + ": bad address 0x" + Long.toHexString(addr) + " for " + size + " bytes");
        }
        if (Hakmem.usableSize(addr) < size) throw new AssertionError(owner + ": usableSize < " + size);
        Blk b = new Blk(addr, size, offFor(addr, serial.incrementAndGet()), owner);
        Blk prev = live.putIfAbsent(addr, b);
        if (prev != null) {
            throw new AssertionError("0x" + Long.toHexString(addr) + " handed out to " + owner + " while live (" + prev + ")");
        }
        BlockPattern.fill(addr, size, b.off);
        return b;
    }

    Blk alloc(SplittableRandom r, String owner) {
        long size = size(r);
        return track(Hakmem.malloc(size), size, owner);
    }

    static void verify(Blk b, String who) {
        BlockPattern.verify(b.addr, b.size, b.off, who + ": " + b);
    }

    void release(Blk b, String who) {
        verify(b, who);
        if (live.remove(b.addr) != b) throw new AssertionError(who + ": model lost block 0x" + Long.toHexString(b.addr));
        Hakmem.free(b.addr);
    }

    Blk reallocate(Blk b, SplittableRandom r, String who) {
        verify(b, who + " before realloc");
        long newSize = size(r);
        if (live.remove(b.addr) != b) throw new AssertionError(who + ": model lost block before realloc");
        long n = Hakmem.realloc(b.addr, newSize);
        long keep = Math.min(b.size, newSize);
        if (keep > 0) {
            long m = BlockPattern.mismatch(n, keep, b.off);
            if (m != -1) {
                throw new AssertionError(who + ": realloc " + b.size + " -> " + newSize + " lost byte " + m);
            }
        }
        return track(n, newSize, who);
    }

    static void park(SplittableRandom r) {
        switch (r.nextInt(4)) {
            case 0 -> Thread.yield();
            case 1 -> {
                try {
                    Thread.sleep(0, 1 + r.nextInt(500_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            default -> { }
        }
    }

    /** Runs {@code tasks} virtual threads and waits for them; the first failure fails the test. */
    void runVirtual(int tasks, java.util.function.IntConsumer body) throws InterruptedException {
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < tasks; i++) {
                int id = i;
                ex.submit(() -> {
                    try {
                        body.accept(id);
                    } catch (Throwable e) {
                        firstError.compareAndSet(null, new AssertionError("virtual thread " + id + " failed: " + e, e));
                    }
                });
            }
            ex.shutdown();
            assertTrue(ex.awaitTermination(60, TimeUnit.SECONDS), "virtual threads did not finish (hang?)");
        }
        Throwable e = firstError.get();
        if (e != null) throw new AssertionError(e.getMessage(), e);
    }

    void assertLiveBytesBackToStart(String what) throws InterruptedException {
        assertTrue(live.isEmpty(), live.size() + " blocks still in the model");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        long now;
        do {
            Hakmem.trim();
            now = Hakmem.stats().liveBytes();
            if (now == startLive) break;
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertEquals(startLive, now, what + ": liveBytes after everything was freed and trim()");
    }

    @Test
    void thousandsOfVirtualThreadsShareBlocks() throws Exception {
        int tasks = 4000;
        long baseSeed = 0x7EAD_0001L;
        ConcurrentLinkedQueue<Blk> shared = new ConcurrentLinkedQueue<>();
        AtomicLong remote = new AtomicLong();
        runVirtual(tasks, id -> {
            long seed = baseSeed + id;
            String name = "vt-" + id + " (seed " + seed + ")";
            SplittableRandom r = new SplittableRandom(seed);
            List<Blk> mine = new ArrayList<>();
            int n = 8 + r.nextInt(17);
            for (int i = 0; i < n; i++) {
                mine.add(alloc(r, name));
                park(r);
            }
            for (int i = 0; i < mine.size(); i++) {
                if (r.nextInt(6) == 0) mine.set(i, reallocate(mine.get(i), r, name));
                park(r);
            }
            for (Blk b : mine) verify(b, name + " after parking");
            for (int i = 0; i < mine.size(); i++) {
                if ((i & 1) == 0) release(mine.get(i), name);
                else shared.add(mine.get(i));
            }
            park(r);
            for (int i = 0; i < 16; i++) {
                Blk b = shared.poll();
                if (b == null) break;
                release(b, name + " (freeing " + b.owner + "'s block)");
                remote.incrementAndGet();
            }
        });
        for (Blk b; (b = shared.poll()) != null; ) release(b, "main (leftover)");
        System.out.println("thousandsOfVirtualThreadsShareBlocks: " + remote.get() + " blocks freed by another virtual thread");
        assertTrue(remote.get() > 0);
        assertLiveBytesBackToStart("virtual threads sharing blocks");
    }

    @Test
    void everyBlockFreedByAnotherVirtualThread() throws Exception {
        int n = 3000;
        long baseSeed = 0x7EAD_1001L;
        AtomicLongArray slot = new AtomicLongArray(n);
        Blk[] blocks = new Blk[n];
        CountDownLatch allocated = new CountDownLatch(n);
        // 2n virtual threads at once: the first n allocate, the second n free (each waits for its slot).
        runVirtual(2 * n, id -> {
            if (id < n) {
                SplittableRandom r = new SplittableRandom(baseSeed + id);
                Blk b = alloc(r, "allocator-" + id + " (seed " + (baseSeed + id) + ")");
                park(r);
                verify(b, "allocator-" + id);
                blocks[id] = b;
                slot.set(id, 1);
                allocated.countDown();
            } else {
                int target = (int) (((long) (id - n) * 7919) % n);
                try {
                    if (!allocated.await(30, TimeUnit.SECONDS)) throw new AssertionError("allocators never finished");
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                if (slot.get(target) != 1) throw new AssertionError("slot " + target + " not filled");
                release(blocks[target], "freer-" + id + " of allocator-" + target + "'s block");
            }
        });
        assertLiveBytesBackToStart("every block freed by another virtual thread");
    }

    @Test
    void virtualThreadsHoldingBlocksWhileParked() throws Exception {
        int tasks = 5000;
        long baseSeed = 0x7EAD_2001L;
        runVirtual(tasks, id -> {
            long seed = baseSeed + id;
            String name = "parker-" + id + " (seed " + seed + ")";
            SplittableRandom r = new SplittableRandom(seed);
            Blk a = alloc(r, name);
            Blk b = alloc(r, name);
            try {
                Thread.sleep(1 + r.nextInt(5));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            verify(a, name + " after sleeping");
            Blk c = alloc(r, name);
            b = reallocate(b, r, name);
            Thread.yield();
            release(a, name);
            release(c, name);
            release(b, name);
        });
        assertLiveBytesBackToStart("virtual threads parked while holding blocks");
    }

    /**
     * A hundred thousand virtual threads, each allocating a few blocks of many size classes: the
     * memory they leave mapped (after everything is freed and trimmed) must not grow with the
     * number of virtual threads (one heap or slab set per virtual thread would be gigabytes).
     */
    @Test
    void manyVirtualThreadsDoNotMeanManyHeaps() throws Exception {
        int tasks = 100_000;
        long baseSeed = 0x7EAD_3001L;
        Hakmem.trim();
        long mappedBefore = Hakmem.stats().mappedBytes();
        runVirtual(tasks, id -> {
            SplittableRandom r = new SplittableRandom(baseSeed + id);
            String name = "tiny-vt-" + id + " (seed " + (baseSeed + id) + ")";
            Blk a = track(Hakmem.malloc(r.nextLong(1025)), 0, name);
            long size = r.nextLong(4097);
            Blk b = track(Hakmem.malloc(size), size, name);
            if (r.nextInt(8) == 0) Thread.yield();
            release(b, name);
            release(a, name);
        });
        assertLiveBytesBackToStart("100k virtual threads");
        Hakmem.trim();
        long mappedAfter = Hakmem.stats().mappedBytes();
        System.out.println("manyVirtualThreadsDoNotMeanManyHeaps: mappedBytes " + mappedBefore + " -> " + mappedAfter);
        assertTrue(mappedAfter - mappedBefore <= 64 * MiB, "mappedBytes grew by " + (mappedAfter - mappedBefore) / MiB
                + " MiB after " + tasks + " virtual threads allocated and freed a few blocks each");
    }
}
