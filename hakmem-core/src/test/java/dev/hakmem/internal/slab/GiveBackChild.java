package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.os.Reservation;
import dev.hakmem.testing.BlockPattern;
import dev.hakmem.testing.ProcFs;

import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Child JVM for {@link GiveBackTest}, run with a short {@code hakmem.decayMs}. Scenarios:
 * <ul>
 * <li>{@code idle}: the main thread fills 64 MiB of 8 KiB blocks and frees every other one, so
 *     half of every span's pages hold no live block; then it sleeps. The decay thread borrows its
 *     idle heap and gives those pages back: resident memory in hakmem's reservation drops by about
 *     32 MiB. The live blocks keep their bytes.</li>
 * <li>{@code active}: the same, but the thread keeps allocating and freeing small blocks all along
 *     (it is never blocked, so never borrowed) from magazines that after the first rounds never run
 *     empty or full: no slow path of its own comes, and the decay thread makes one by nudging its
 *     owner word ({@code Heap.nudge}), where it sweeps.</li>
 * <li>{@code wholesale}: run with a decay time far longer than the test: the main thread fills
 *     64 MiB of 8 KiB blocks and frees every other one, then, with no further call and no sleep,
 *     reads its resident memory: the heap swept while the frees came back into its spans (a
 *     quarter of what hakmem maps went back), so about 32 MiB are gone already.</li>
 * <li>{@code borrowStress}: threads that alternate bursts of mixed allocations and frees (every
 *     byte checked, a quarter freed by another thread) with sleeps, while the decay thread and a
 *     thread calling {@code trim()} in a loop borrow their heaps whenever they sleep: nothing is lost
 *     or handed out twice, and borrows did happen.</li>
 * <li>{@code idleSince}: run with a decay time far longer than the test, so the decay thread never
 *     runs; this thread makes the passes itself. A worker fills and frees as many 8 KiB blocks as
 *     its magazine holds (its spans stay its own, holding them) and waits. Three heap passes, the
 *     first dated two decay times ago: the second, half a decay time later, leaves the heap alone;
 *     the third, a decay time after the first, finds it idle that long and empties it, its spans
 *     released as idle since the first pass; the pool's pass now finds them idle
 *     for a decay time and gives their pages back (a release dated now left them resident).</li>
 * <li>{@code cachedSuperSlabs}: run with a decay time far longer than the test and no sweeps of the
 *     heap's own, so this thread makes the pool's passes itself: about 20 MiB of 1 KiB blocks, written
 *     and freed, empty most of their ten SuperSlabs, which go to the SuperSlab cache with their
 *     pages resident. A pass dated half a {@link SuperSlabCache#RESIDENT_NANOS} after the frees
 *     leaves them; one a whole {@code RESIDENT_NANOS} after (a quarter of the decay time, long
 *     before the decay time itself) purges them. They stay mapped: the same blocks again need no
 *     {@code mmap}.</li>
 * <li>{@code ownTrim}: run with a decay time far longer than the test and no sweeps of the heap's
 *     own: the main thread fills 64 MiB of 8 KiB blocks and frees every other one, then calls
 *     {@code Hakmem.trimCurrentThreadIfIdle()} four times: the first sees the frees (false), the
 *     second an idle heap, which it empties, giving the freed blocks' pages back (true), the third
 *     nothing new (false); after one more free, the fourth sees it (false) and the fifth empties the
 *     heap again (true). The live blocks keep their bytes.</li>
 * </ul>
 * Prints {@code key=value} figures and {@code OK}, or throws.
 */
public final class GiveBackChild {
    private GiveBackChild() {}

    static final int BLOCK = 8192;
    static final int COUNT = 8192;
    static final long MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "idle" -> partlyFree(false);
            case "active" -> partlyFree(true);
            case "wholesale" -> wholesaleFree();
            case "one-size-churn" -> oneSizeChurn();
            case "before-growth" -> beforeGrowth();
            case "borrowStress" -> borrowStress(Double.parseDouble(args[1]));
            case "idleSince" -> idleSince();
            case "cachedSuperSlabs" -> cachedSuperSlabs();
            case "ownTrim" -> ownTrim();
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("OK " + args[0]);
    }

    static long resident() throws Exception {
        return ProcFs.residentKib(Reservation.BASE, Reservation.BASE + Reservation.SIZE);
    }

    /** {@link #COUNT} blocks of {@link #BLOCK} bytes, each filled with its pattern. */
    static long[] filledBlocks() {
        long[] blocks = new long[COUNT];
        for (int i = 0; i < COUNT; i++) {
            blocks[i] = Hakmem.malloc(BLOCK);
            BlockPattern.fill(blocks[i], BLOCK, BlockPattern.off(i));
        }
        return blocks;
    }

    static void idleSince() throws Exception {
        int n = SizeClasses.cacheCapacity(SizeClasses.classOf(BLOCK));
        long[] blocks = new long[n];
        java.util.concurrent.CountDownLatch freed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Thread worker = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                blocks[i] = Hakmem.malloc(BLOCK);
                BlockPattern.fill(blocks[i], BLOCK, BlockPattern.off(i));
            }
            for (long b : blocks) {
                Hakmem.free(b); // into the magazine: its spans keep them
            }
            freed.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "idle-worker");
        worker.start();
        freed.await();
        while (worker.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        long lo = Long.MAX_VALUE, hi = 0;
        for (long b : blocks) {
            lo = Math.min(lo, b);
            hi = Math.max(hi, b + BLOCK);
        }
        long resident = ProcFs.residentPages(lo, hi);
        long decay = dev.hakmem.internal.os.DecayClock.DECAY_NANOS;
        long t0 = System.nanoTime() - 2 * decay;
        HeapDecay.decayHeaps(t0);
        HeapDecay.decayHeaps(t0 + decay / 2); // idle since the first pass, but not for a decay time: left alone
        long early = HeapDecay.borrows();
        HeapDecay.decayHeaps(t0 + decay);
        long afterEmpty = ProcFs.residentPages(lo, hi);
        SpanPool.decay(System.nanoTime());
        long afterPool = ProcFs.residentPages(lo, hi);
        done.countDown();
        worker.join();
        System.out.printf("blocks=%d residentPages=%d afterEmpty=%d afterPool=%d borrows=%d%n", n, resident,
                afterEmpty, afterPool, HeapDecay.borrows());
        if (early != 0) {
            throw new AssertionError("a pass half a decay time after the first emptied the heap");
        }
        if (HeapDecay.borrows() < 1) {
            throw new AssertionError("the pass a decay time after the first did not empty the idle heap");
        }
        if (afterPool != 0) {
            throw new AssertionError(afterPool + " pages of the idle heap's released spans still resident after the pool's pass"
                    + " (their release was dated at the empty, not when the heap went idle)");
        }
    }

    static void cachedSuperSlabs() throws Exception {
        int n = 20_000;
        int size = 1000;
        long[] blocks = new long[n];
        for (int i = 0; i < n; i++) {
            blocks[i] = Hakmem.malloc(size);
            BlockPattern.fill(blocks[i], size, BlockPattern.off(i));
        }
        for (int i = 0; i < n; i++) {
            BlockPattern.verify(blocks[i], size, BlockPattern.off(i), "block " + i);
            Hakmem.free(blocks[i]);
        }
        long freedAt = System.nanoTime();
        long before = resident();
        SpanPool.decay(freedAt + SuperSlabCache.RESIDENT_NANOS / 2);
        long early = resident();
        SpanPool.decay(freedAt + SuperSlabCache.RESIDENT_NANOS);
        long after = resident();
        long mmaps = Hakmem.stats().mmapCalls();
        for (int i = 0; i < n; i++) {
            blocks[i] = Hakmem.malloc(size);
            BlockPattern.fill(blocks[i], size, BlockPattern.off(i + 1));
        }
        long newMmaps = Hakmem.stats().mmapCalls() - mmaps;
        for (int i = 0; i < n; i++) {
            BlockPattern.verify(blocks[i], size, BlockPattern.off(i + 1), "block " + i + " again");
            Hakmem.free(blocks[i]);
        }
        System.out.printf("residentKiB=%d earlyKiB=%d afterKiB=%d newMmaps=%d%n", before, early, after, newMmaps);
    }

    static void ownTrim() throws Exception {
        long[] blocks = filledBlocks();
        for (int i = 0; i < COUNT; i += 2) {
            Hakmem.free(blocks[i]);
        }
        long before = resident();
        boolean first = Hakmem.trimCurrentThreadIfIdle();
        boolean second = Hakmem.trimCurrentThreadIfIdle();
        long after = resident();
        long freedAfter = freedResidentPages(blocks, COUNT, BLOCK);
        boolean third = Hakmem.trimCurrentThreadIfIdle();
        Hakmem.free(blocks[1]);
        boolean fourth = Hakmem.trimCurrentThreadIfIdle();
        boolean fifth = Hakmem.trimCurrentThreadIfIdle();
        for (int i = 3; i < COUNT; i += 2) {
            BlockPattern.verify(blocks[i], BLOCK, BlockPattern.off(i), "live block after the trims");
            Hakmem.free(blocks[i]);
        }
        System.out.printf("beforeKiB=%d afterKiB=%d freedPagesResident=%d calls=%b,%b,%b,%b,%b ownTrims=%d%n", before, after,
                freedAfter, first, second, third, fourth, fifth, HeapDecay.ownTrims());
        if (first || !second || third || fourth || !fifth) {
            throw new AssertionError("expected false, true, false, false, true: " + first + ", " + second + ", " + third
                    + ", " + fourth + ", " + fifth);
        }
    }

    static void partlyFree(boolean active) throws Exception {
        long[] blocks = filledBlocks();
        for (int i = 0; i < COUNT; i += 2) {
            Hakmem.free(blocks[i]);
        }
        long before = resident();
        // waits until about 32 MiB went back, for at most 20 s (a busy machine delays the decay thread)
        long deadline = System.nanoTime() + 20_000_000_000L;
        long after = before;
        SplittableRandom r = new SplittableRandom(1);
        long[] small = new long[256];
        while (before - after < 30 << 10 && System.nanoTime() - deadline < 0) {
            if (active) {
                // a thread that never blocks: allocation and free of small blocks in a loop
                for (int k = 0; k < 100; k++) {
                    for (int i = 0; i < small.length; i++) {
                        small[i] = Hakmem.malloc(16 + r.nextInt(200));
                    }
                    for (long x : small) {
                        Hakmem.free(x);
                    }
                }
            } else {
                LockSupport.parkNanos(50_000_000L);
            }
            after = resident();
        }
        for (int i = 1; i < COUNT; i += 2) {
            BlockPattern.verify(blocks[i], BLOCK, BlockPattern.off(i), "live block after the give-back");
        }
        long madvised = Hakmem.stats().madviseCalls();
        System.out.printf("beforeKiB=%d afterKiB=%d droppedKiB=%d madvise=%d borrows=%d nudges=%d%n", before, after,
                before - after, madvised, HeapDecay.borrows(), HeapDecay.NUDGES.sum());
        // the freed blocks' memory is usable again
        for (int i = 0; i < COUNT; i += 2) {
            blocks[i] = Hakmem.malloc(BLOCK);
            BlockPattern.fill(blocks[i], BLOCK, BlockPattern.off(i + COUNT));
        }
        for (int i = 0; i < COUNT; i++) {
            BlockPattern.verify(blocks[i], BLOCK, BlockPattern.off(i % 2 == 0 ? i + COUNT : i), "block after refill");
            Hakmem.free(blocks[i]);
        }
    }

    static void wholesaleFree() throws Exception {
        long[] blocks = filledBlocks();
        long before = resident();
        long sweeps = SweepSchedule.sweeps();
        for (int i = 0; i < COUNT; i += 2) {
            Hakmem.free(blocks[i]);
        }
        long after = resident();
        System.out.printf("beforeKiB=%d afterKiB=%d droppedKiB=%d sweeps=%d%n", before, after, before - after,
                SweepSchedule.sweeps() - sweeps);
        for (int i = 1; i < COUNT; i += 2) {
            BlockPattern.verify(blocks[i], BLOCK, BlockPattern.off(i), "live block after the sweep");
            Hakmem.free(blocks[i]);
        }
    }

    /**
     * A churn of one large size (200,000 B, 64 slots, a random slot freed or filled each step,
     * every block written): what the heap's spans hold swings past the sweep threshold every few
     * hundred steps, and each block freed is soon taken again. Prints the steps, the sweeps the
     * heap made on its own and the time they took.
     */
    static void oneSizeChurn() {
        SplittableRandom r = new SplittableRandom(42);
        long[] slot = new long[64];
        int steps = 40_000;
        long sweeps = SweepSchedule.sweeps();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            int k = r.nextInt(slot.length);
            if (slot[k] != 0) {
                Hakmem.free(slot[k]);
                slot[k] = 0;
            } else {
                slot[k] = Hakmem.malloc(200_000);
                Os.ALL.asSlice(slot[k], 200_000).fill((byte) i);
            }
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("steps=%d sweeps=%d millis=%d gapMillis=%d%n", steps, SweepSchedule.sweeps() - sweeps, millis,
                SweepSchedule.GAP / 1_000_000);
        for (long a : slot) {
            Hakmem.free(a);
        }
    }

    /**
     * 64 MiB of 16 KiB blocks, 4 MiB of them freed (every other block of the first 512): more than
     * growthSweepBytes, less than an eighth of what hakmem maps, so the frees themselves sweep
     * nothing; then one large block, whose class takes a new span: the heap sweeps before it
     * grows, and the freed blocks' pages go back.
     */
    static void beforeGrowth() throws Exception {
        int block = 16 << 10;
        long[] blocks = new long[4096];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = Hakmem.malloc(block);
            BlockPattern.fill(blocks[i], block, BlockPattern.off(i));
        }
        long sweeps = SweepSchedule.sweeps();
        for (int i = 0; i < 512; i += 2) {
            Hakmem.free(blocks[i]);
        }
        long sweptByFrees = SweepSchedule.sweeps() - sweeps;
        long before = freedResidentPages(blocks, 512, block);
        long big = Hakmem.malloc(256 << 10);
        long after = freedResidentPages(blocks, 512, block);
        System.out.printf("sweptByFrees=%d freedPages=%d residentBefore=%d residentAfter=%d sweeps=%d%n", sweptByFrees,
                256 * (block >> 12), before, after, SweepSchedule.sweeps() - sweeps);
        Hakmem.free(big);
        for (int i = 0; i < blocks.length; i++) {
            if (i >= 512 || i % 2 == 1) {
                BlockPattern.verify(blocks[i], block, BlockPattern.off(i), "live block after the sweep");
                Hakmem.free(blocks[i]);
            }
        }
    }

    /** Resident pages of the freed blocks (the even ones of the first 512). */
    /** Resident pages of the freed blocks (every other one, from the first) among the first {@code count} of {@code block} bytes. */
    private static long freedResidentPages(long[] blocks, int count, int block) throws Exception {
        long n = 0;
        for (int i = 0; i < count; i += 2) {
            n += ProcFs.residentPages(blocks[i], blocks[i] + block);
        }
        return n;
    }

    static void borrowStress(double seconds) throws Exception {
        int threads = 4;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentHashMap<Long, Boolean> live = new ConcurrentHashMap<>();
        ConcurrentHashMap<Long, Long>[] handOff = new ConcurrentHashMap[threads];
        for (int t = 0; t < threads; t++) {
            handOff[t] = new ConcurrentHashMap<>();
        }
        Thread[] all = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int me = t;
            all[t] = Thread.ofPlatform().name("stress-" + t).start(() -> {
                SplittableRandom r = new SplittableRandom(me);
                long[] addr = new long[512];
                long[] size = new long[512];
                try {
                    while (!stop.get()) {
                        for (int k = 0; k < 2000; k++) {
                            int i = r.nextInt(addr.length);
                            if (addr[i] != 0) {
                                BlockPattern.verify(addr[i], size[i], (int) (addr[i] & 4095), "stress block");
                                live.remove(addr[i]);
                                if (r.nextInt(4) == 0) {
                                    // hand it to the next thread, which frees it (a remote free)
                                    handOff[(me + 1) % threads].put(addr[i], size[i]);
                                } else {
                                    Hakmem.free(addr[i]);
                                }
                                addr[i] = 0;
                            } else {
                                long n = r.nextInt(8) == 0 ? 1024 + r.nextInt(63 * 1024) : 16 + r.nextInt(1000);
                                long a = Hakmem.malloc(n);
                                if (live.putIfAbsent(a, Boolean.TRUE) != null) {
                                    throw new AssertionError("block 0x" + Long.toHexString(a) + " handed out twice");
                                }
                                BlockPattern.fill(a, n, (int) (a & 4095));
                                addr[i] = a;
                                size[i] = n;
                            }
                        }
                        for (var e : handOff[me].entrySet()) {
                            if (handOff[me].remove(e.getKey()) != null) {
                                BlockPattern.verify(e.getKey(), e.getValue(), (int) (e.getKey() & 4095), "handed-off block");
                                Hakmem.free(e.getKey());
                            }
                        }
                        // blocked: the decay thread (5 ms decay) may borrow the heap, which is idle after a long park
                        LockSupport.parkNanos(r.nextInt(8) == 0 ? 30_000_000 + r.nextInt(30_000_000) : r.nextInt(4_000_000));
                    }
                    for (int i = 0; i < addr.length; i++) {
                        if (addr[i] != 0) {
                            live.remove(addr[i]);
                            Hakmem.free(addr[i]);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
        }
        // and a thread calling trim() all along: it borrows the heap of every thread blocked at that moment
        Thread trimmer = Thread.ofPlatform().name("trimmer").start(() -> {
            try {
                while (!stop.get()) {
                    Hakmem.trim();
                    LockSupport.parkNanos(1_000_000);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        });
        Thread.sleep((long) (seconds * 1000));
        stop.set(true);
        trimmer.join();
        for (Thread t : all) {
            t.join();
        }
        for (var m : handOff) {
            for (long a : m.keySet()) {
                Hakmem.free(a);
            }
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        Hakmem.trim();
        System.out.printf("borrows=%d live=%d%n", HeapDecay.borrows(), Hakmem.stats().liveBytes());
        if (Hakmem.stats().liveBytes() != 0) {
            throw new AssertionError("live bytes left: " + Hakmem.stats());
        }
        if (HeapDecay.borrows() < 3) {
            throw new AssertionError("the decay thread borrowed heaps only " + HeapDecay.borrows() + " times");
        }
    }
}
