package dev.hakmem;

import dev.hakmem.testing.BlockPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Time-boxed multi-threaded stress with cross-thread frees. Every block is filled with a pattern
 * keyed by its address and a per-allocation serial number, and every byte is checked by whichever
 * thread frees it. A global set of live addresses catches a block handed out twice. The first
 * exception of any thread fails the test (with the thread's seed), and liveBytes must return to
 * its start value once everything is freed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
@SuppressWarnings("restricted") // raw native addresses are what this test is about
class ConcurrentStressTest {

    static final long KiB = 1024, MiB = 1024 * KiB;
    /**
     * How long each test runs: 3 s, or {@code -Dhakmem.test.stressSeconds=N} for a soak (with
     * {@code -Djunit.jupiter.execution.timeout.mode=disabled} beyond the class's 60 s timeout).
     */
    static final long RUN_NANOS = TimeUnit.SECONDS.toNanos(Long.getLong("hakmem.test.stressSeconds", 3));
    /**
     * Added to every seed: 0, or {@code -Dhakmem.test.seedOffset=K} to run the same tests on other
     * random sequences (a failure names the seed it ran with).
     */
    static final long SEED_OFFSET = Long.getLong("hakmem.test.seedOffset", 0);
    static final long MAX_SIZE = 1 * MiB;

    record Blk(long addr, long size, int off, String owner) {}

    final ConcurrentHashMap<Long, Blk> live = new ConcurrentHashMap<>();
    final AtomicReference<Throwable> firstError = new AtomicReference<>();
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong serial = new AtomicLong();
    long startLive;

    @BeforeEach
    void before() {
        Hakmem.trim();
        startLive = Hakmem.stats().liveBytes();
    }

    @AfterEach
    void after() {
        if (firstError.get() == null) {
            assertTrue(live.isEmpty(), live.size() + " blocks still in the model");
        }
    }

    static long size(SplittableRandom r) {
        int k = r.nextInt(1000);
        if (k < 800) return r.nextLong(1025);
        if (k < 990) return 1024 + r.nextLong(31 * KiB);
        return 32 * KiB + r.nextLong(MAX_SIZE - 32 * KiB + 1);
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
        Blk b = new Blk(addr, size, offFor(addr, serial.incrementAndGet()), owner);
        Blk prev = live.putIfAbsent(addr, b);
        if (prev != null) {
            throw new AssertionError("0x" + Long.toHexString(addr) + " handed out to " + owner
                    + " while live (" + prev + ")");
        }
        BlockPattern.fill(addr, size, b.off);
        return b;
    }

    Blk alloc(SplittableRandom r, String owner) {
        long size = size(r);
        int k = r.nextInt(20);
        long a;
        if (k == 0) {
            long count = 1 + r.nextLong(8);
            size = size / count * count;
            a = Hakmem.calloc(count, size / count);
            checkZero(a, size, owner);
        } else if (k == 1) {
            long align = 1L << (3 + r.nextInt(10));
            a = Hakmem.alignedAlloc(align, size);
            if (a % align != 0) {
                throw new AssertionError("alignedAlloc(" + align + ", " + size + ") gave 0x" + Long.toHexString(a));
            }
        } else {
            a = Hakmem.malloc(size);
        }
        return track(a, size, owner);
    }

    static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[(int) MAX_SIZE]);

    static void checkZero(long a, long size, String who) {
        if (size == 0) return;
        long m = MemorySegment.mismatch(MemorySegment.ofAddress(a).reinterpret(size), 0, size, ZEROS, 0, size);
        if (m != -1) {
            throw new AssertionError(who + ": calloc block 0x" + Long.toHexString(a) + " of " + size
                    + " bytes not zero at offset " + m);
        }
    }

    static void verify(Blk b, String who) {
        BlockPattern.verify(b.addr, b.size, b.off, who + ": " + b);
    }

    void release(Blk b, String who) {
        verify(b, who);
        if (live.remove(b.addr) != b) {
            throw new AssertionError(who + ": model lost block 0x" + Long.toHexString(b.addr));
        }
        Hakmem.free(b.addr);
    }

    /** realloc a block (possibly owned by another thread) and track the result. */
    Blk reallocate(Blk b, SplittableRandom r, String who) {
        verify(b, who + " before realloc");
        long newSize = size(r);
        if (live.remove(b.addr) != b) throw new AssertionError(who + ": model lost block before realloc");
        long n = Hakmem.realloc(b.addr, newSize);
        long keep = Math.min(b.size, newSize);
        if (keep > 0) {
            long m = BlockPattern.mismatch(n, keep, b.off);
            if (m != -1) {
                throw new AssertionError(who + ": realloc " + b.size + " -> " + newSize + " (0x"
                        + Long.toHexString(b.addr) + " -> 0x" + Long.toHexString(n) + ") lost byte " + m);
            }
        }
        return track(n, newSize, who);
    }

    Thread start(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                firstError.compareAndSet(null, new AssertionError(name + " failed: " + e, e));
                stop.set(true);
            }
        }, name);
        t.start();
        return t;
    }

    void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(30_000);
            if (t.isAlive()) {
                stop.set(true);
                throw new AssertionError(t.getName() + " did not finish (hang?) " + stackOf(t));
            }
        }
    }

    static String stackOf(Thread t) {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : t.getStackTrace()) sb.append("\n    at ").append(e);
        return sb.toString();
    }

    void rethrow() {
        Throwable e = firstError.get();
        if (e != null) throw new AssertionError(e.getMessage(), e);
    }

    void assertLiveBytesBackToStart(String what) throws InterruptedException {
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

    // ------------------------------------------------------------------ 1. mixed local and remote frees

    @Test
    void mixedLocalAndCrossThreadFrees() throws Exception {
        runMixed(6, SEED_OFFSET + 0x51AB_0001L, false, "mixedLocalAndCrossThreadFrees");
    }

    /** The same traffic while another thread calls trim() and stats() all the time. */
    @Test
    void mixedTrafficWithConcurrentTrimAndStats() throws Exception {
        runMixed(4, SEED_OFFSET + 0x7A1B_0001L, true, "mixedTrafficWithConcurrentTrimAndStats");
    }

    void runMixed(int threads, long baseSeed, boolean trimmer, String testName) throws Exception {
        List<ConcurrentLinkedQueue<Blk>> mailbox = new ArrayList<>();
        for (int i = 0; i < threads; i++) mailbox.add(new ConcurrentLinkedQueue<>());
        CountDownLatch producing = new CountDownLatch(threads);
        AtomicLong ops = new AtomicLong();
        long deadline = System.nanoTime() + RUN_NANOS;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            long seed = baseSeed + t;
            String name = "mixed-" + t + " (seed " + seed + ")";
            ts.add(start(name, () -> {
                SplittableRandom r = new SplittableRandom(seed);
                List<Blk> mine = new ArrayList<>();
                long n = 0;
                try {
                    while (!stop.get() && ((n & 255) != 0 || System.nanoTime() < deadline)) {
                        n++;
                        int k = r.nextInt(100);
                        if (k < 40 || mine.isEmpty()) {
                            mine.add(alloc(r, name));
                            if (mine.size() > 600) release(mine.remove(r.nextInt(mine.size())), name);
                        } else if (k < 62) {
                            release(mine.remove(r.nextInt(mine.size())), name);
                        } else if (k < 82) {
                            Blk b = mine.remove(r.nextInt(mine.size()));
                            verify(b, name + " before hand-off");
                            int to = (me + 1 + r.nextInt(threads - 1)) % threads;
                            mailbox.get(to).add(b);
                        } else if (k < 87) {
                            int i = r.nextInt(mine.size());
                            mine.set(i, reallocate(mine.get(i), r, name));
                        } else {
                            for (int j = 0; j < 48; j++) {
                                Blk b = mailbox.get(me).poll();
                                if (b == null) break;
                                if (r.nextInt(8) == 0) {
                                    mine.add(reallocate(b, r, name + " (remote realloc)"));
                                } else {
                                    release(b, name + " (remote free)");
                                }
                            }
                        }
                    }
                    for (Blk b : mine) release(b, name + " at the end");
                    mine.clear();
                } finally {
                    ops.addAndGet(n);
                    producing.countDown();
                }
                // Everyone has stopped handing off: drain my mailbox.
                try {
                    if (!producing.await(30, TimeUnit.SECONDS)) throw new AssertionError("others never finished");
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                for (Blk b; (b = mailbox.get(me).poll()) != null; ) release(b, name + " (final remote free)");
            }));
        }
        AtomicLong trims = new AtomicLong();
        Thread trimThread = !trimmer ? null : start("trimmer", () -> {
            int classes = -1;
            while (producing.getCount() > 0 && !stop.get()) {
                Hakmem.trim();
                trims.incrementAndGet();
                Stats st = Hakmem.stats();
                if (st.mmapCalls() < 0 || st.munmapCalls() < 0 || st.madviseCalls() < 0 || st.mappedBytes() < 0
                        || st.superSlabs() < 0) {
                    throw new AssertionError("negative counter in a concurrent snapshot: " + st);
                }
                if (classes >= 0 && st.sizeClasses().size() != classes) {
                    throw new AssertionError("number of size classes changed: " + classes + " -> " + st.sizeClasses().size());
                }
                classes = st.sizeClasses().size();
                LockSupport.parkNanos(200_000);
            }
        });
        joinAll(ts);
        if (trimThread != null) joinAll(List.of(trimThread));
        rethrow();
        for (ConcurrentLinkedQueue<Blk> q : mailbox) assertTrue(q.isEmpty());
        System.out.println(testName + ": " + ops.get() + " ops on " + threads + " threads"
                + (trimmer ? ", " + trims.get() + " concurrent trims" : ""));
        assertLiveBytesBackToStart(testName);
    }

    // ------------------------------------------------------------------ 2. every free is remote

    @Test
    void producerConsumerEveryFreeIsRemote() throws Exception {
        int producers = 3, consumers = 3;
        long baseSeed = SEED_OFFSET + 0x9C0D_0001L;
        ArrayBlockingQueue<Blk> queue = new ArrayBlockingQueue<>(8192);
        AtomicInteger producersLeft = new AtomicInteger(producers);
        AtomicLong produced = new AtomicLong(), consumed = new AtomicLong();
        long remoteBefore = Hakmem.stats().sizeClasses().stream().mapToLong(Stats.SizeClass::remoteFrees).sum();
        long deadline = System.nanoTime() + RUN_NANOS;
        List<Thread> ts = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            long seed = baseSeed + p;
            String name = "producer-" + p + " (seed " + seed + ")";
            ts.add(start(name, () -> {
                SplittableRandom r = new SplittableRandom(seed);
                try {
                    while (System.nanoTime() < deadline && !stop.get()) {
                        Blk b = alloc(r, name);
                        // never freed here: offer until a consumer takes it
                        while (!queue.offer(b, 10, TimeUnit.MILLISECONDS)) {
                            if (stop.get()) return;
                        }
                        produced.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                } finally {
                    producersLeft.decrementAndGet();
                }
            }));
        }
        for (int c = 0; c < consumers; c++) {
            String name = "consumer-" + c;
            ts.add(start(name, () -> {
                try {
                    while (!stop.get()) {
                        Blk b = queue.poll(10, TimeUnit.MILLISECONDS);
                        if (b == null) {
                            if (producersLeft.get() == 0 && queue.isEmpty()) return;
                            continue;
                        }
                        release(b, name);
                        consumed.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }));
        }
        joinAll(ts);
        rethrow();
        assertTrue(queue.isEmpty(), queue.size() + " blocks left in the queue");
        assertEquals(produced.get(), consumed.get());
        long remoteAfter = Hakmem.stats().sizeClasses().stream().mapToLong(Stats.SizeClass::remoteFrees).sum();
        System.out.println("producerConsumerEveryFreeIsRemote: " + produced.get() + " blocks, remoteFrees +"
                + (remoteAfter - remoteBefore));
        assertTrue(remoteAfter > remoteBefore, "no remote frees counted although every free was remote");
        assertLiveBytesBackToStart("producer/consumer");
    }

    /**
     * xmalloc's shape, tight: producers allocate batches of one size class and hand them over,
     * consumers free them (every free remote); the producers' collects hand the blocks straight
     * out again. More threads than cores, so a freer is often descheduled in the middle of its
     * free while its block is collected, reused and freed again by another consumer: a good free
     * must never be refused as a double free (it was, when a freer that found its block not live
     * took back a mark that was no longer its own).
     */
    @Test
    void remoteFreesOfBlocksReusedAtOnceAreNeverRefused() throws Exception {
        int pairs = 4, batch = 64;
        long size = 64;
        ArrayBlockingQueue<long[]> queue = new ArrayBlockingQueue<>(16);
        AtomicInteger producersLeft = new AtomicInteger(pairs);
        AtomicLong freed = new AtomicLong();
        long deadline = System.nanoTime() + RUN_NANOS;
        List<Thread> ts = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            ts.add(start("producer-" + p, () -> {
                try {
                    while (System.nanoTime() < deadline && !stop.get()) {
                        long[] b = new long[batch];
                        for (int i = 0; i < batch; i++) {
                            b[i] = Hakmem.malloc(size);
                        }
                        while (!queue.offer(b, 10, TimeUnit.MILLISECONDS)) {
                            if (stop.get()) return;
                        }
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                } finally {
                    producersLeft.decrementAndGet();
                }
            }));
            ts.add(start("consumer-" + p, () -> {
                while (!stop.get()) {
                    long[] b = queue.poll(); // spins: more preemption in the middle of a free
                    if (b == null) {
                        if (producersLeft.get() == 0 && queue.isEmpty()) return;
                        Thread.onSpinWait();
                        continue;
                    }
                    for (long a : b) {
                        Hakmem.free(a);
                    }
                    freed.addAndGet(b.length);
                }
            }));
        }
        joinAll(ts);
        rethrow();
        System.out.println("remoteFreesOfBlocksReusedAtOnceAreNeverRefused: " + freed.get() + " remote frees");
        assertLiveBytesBackToStart("remote frees of reused blocks");
    }

    // ------------------------------------------------------------------ 3. short-lived threads

    @Test
    void shortLivedThreadsLeaveBlocksForOthers() throws Exception {
        long baseSeed = SEED_OFFSET + 0x5407_0001L;
        ConcurrentLinkedQueue<Blk> orphans = new ConcurrentLinkedQueue<>();
        AtomicBoolean spawning = new AtomicBoolean(true);
        AtomicLong reaped = new AtomicLong();
        List<Thread> reapers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String name = "reaper-" + i;
            SplittableRandom rr = new SplittableRandom(baseSeed - 1 - i);
            reapers.add(start(name, () -> {
                List<Blk> kept = new ArrayList<>();
                while (!stop.get()) {
                    Blk b = orphans.poll();
                    if (b == null) {
                        if (!spawning.get() && orphans.isEmpty()) break;
                        LockSupport.parkNanos(200_000);
                        continue;
                    }
                    if (rr.nextInt(10) == 0) {
                        kept.add(reallocate(b, rr, name + " (realloc of an orphan)"));
                    } else {
                        release(b, name);
                    }
                    reaped.incrementAndGet();
                }
                for (Blk b : kept) release(b, name + " (kept)");
            }));
        }
        long deadline = System.nanoTime() + RUN_NANOS;
        int started = 0;
        List<Blk> graveyard = new ArrayList<>();
        SplittableRandom mainR = new SplittableRandom(baseSeed);
        try {
            while (System.nanoTime() < deadline && !stop.get()) {
                List<Thread> batch = new ArrayList<>();
                ConcurrentLinkedQueue<Blk> left = new ConcurrentLinkedQueue<>();
                for (int i = 0; i < 4; i++) {
                    long seed = baseSeed + started++;
                    String name = "short-" + seed;
                    batch.add(start(name, () -> {
                        SplittableRandom r = new SplittableRandom(seed);
                        int n = 100 + r.nextInt(300);
                        for (int j = 0; j < n; j++) {
                            Blk b = alloc(r, name);
                            switch (r.nextInt(3)) {
                                case 0 -> release(b, name);
                                case 1 -> orphans.add(b);
                                default -> left.add(b); // still owned when this thread exits
                            }
                        }
                    }));
                }
                // Free the previous batch's leftovers while this batch runs.
                for (Blk b : graveyard) {
                    if (mainR.nextInt(10) == 0) {
                        release(reallocate(b, mainR, "main (realloc of a dead thread's block)"), "main");
                    } else {
                        release(b, "main (free of a dead thread's block)");
                    }
                }
                graveyard.clear();
                joinAll(batch);
                graveyard.addAll(left);
            }
            for (Blk b : graveyard) release(b, "main (last leftovers)");
        } finally {
            spawning.set(false);
        }
        joinAll(reapers);
        rethrow();
        assertTrue(orphans.isEmpty());
        System.out.println("shortLivedThreadsLeaveBlocksForOthers: " + started + " threads, " + reaped.get()
                + " orphans reaped");
        assertTrue(started >= 8, "only " + started + " short-lived threads ran");
        assertLiveBytesBackToStart("short-lived threads");
    }

    // ------------------------------------------------------------------ 4. exited threads do not leak

    /**
     * A thousand threads each use many size classes, then exit (half of them leave blocks behind
     * for the main thread to free). Once everything is freed, trim() must be able to give the
     * memory back: mappedBytes may not keep growing with the number of threads that ever ran
     * (each thread holding on to a slab per class would be hundreds of MiB here).
     */
    @Test
    void exitedThreadsDoNotLeakMemory() throws Exception {
        long baseSeed = SEED_OFFSET + 0xDEAD_0001L;
        Hakmem.trim();
        long mappedBefore = Hakmem.stats().mappedBytes();
        int threads = 1000;
        List<Blk> leftovers = new ArrayList<>();
        for (int started = 0; started < threads && !stop.get(); ) {
            List<Thread> batch = new ArrayList<>();
            ConcurrentLinkedQueue<Blk> left = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < 8; i++) {
                long seed = baseSeed + started++;
                boolean leave = (seed & 1) == 0;
                String name = "exiting-" + seed;
                batch.add(start(name, () -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    List<Blk> mine = new ArrayList<>();
                    for (int j = 0; j < 150; j++) {
                        long size = j < 100 ? r.nextLong(2049) : 2048 + r.nextLong(30 * KiB);
                        mine.add(track(Hakmem.malloc(size), size, name));
                    }
                    for (Blk b : mine) {
                        if (leave && r.nextBoolean()) left.add(b);
                        else release(b, name);
                    }
                }));
            }
            joinAll(batch);
            for (Blk b : leftovers) release(b, "main (block of an exited thread)");
            leftovers.clear();
            leftovers.addAll(left);
        }
        for (Blk b : leftovers) release(b, "main (block of an exited thread)");
        rethrow();
        assertLiveBytesBackToStart("exited threads");
        Hakmem.trim();
        long mappedAfter = Hakmem.stats().mappedBytes();
        System.out.println("exitedThreadsDoNotLeakMemory: mappedBytes " + mappedBefore + " -> " + mappedAfter);
        assertTrue(mappedAfter - mappedBefore <= 64 * MiB, "mappedBytes grew by " + (mappedAfter - mappedBefore) / MiB
                + " MiB after " + threads + " threads came and went and everything was freed and trimmed");
    }
}
