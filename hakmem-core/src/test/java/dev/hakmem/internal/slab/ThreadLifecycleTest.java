package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import dev.hakmem.testing.ChildJvm;
import dev.hakmem.internal.os.Os;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Threads that come and go: exited threads' memory is reclaimed, virtual threads share heaps. */
class ThreadLifecycleTest {
    private static final long MIB = 1 << 20;

    private static void write(long a, long n, long v) {
        Os.ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, a, v);
        Os.ALL.set(ValueLayout.JAVA_BYTE, a + n - 1, (byte) v);
    }

    private static void check(long a, long n, long v) {
        if (Os.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, a) != v || Os.ALL.get(ValueLayout.JAVA_BYTE, a + n - 1) != (byte) v) {
            throw new AssertionError("block 0x" + Long.toHexString(a) + " changed");
        }
    }

    /**
     * 10,000 threads, 8 at a time, each allocating 200 blocks, handing 20 to a queue that later
     * threads free, and exiting. Mapped memory afterwards stays bounded: printed and asserted.
     */
    @Test
    @Timeout(120)
    void tenThousandShortLivedThreadsLeaveBoundedMemory() throws Exception {
        Hakmem.trim();
        Stats start = Hakmem.stats();
        ConcurrentLinkedQueue<long[]> handed = new ConcurrentLinkedQueue<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long peakMapped = 0;
        int threads = 10_000;
        int batch = 8;
        for (int t = 0; t < threads; t += batch) {
            Thread[] group = new Thread[batch];
            for (int k = 0; k < batch; k++) {
                int id = t + k;
                group[k] = new Thread(() -> {
                    try {
                        SplittableRandom r = new SplittableRandom(id);
                        // free what earlier (now dead) threads left: frees into their spans
                        for (int i = 0; i < 20; i++) {
                            long[] b = handed.poll();
                            if (b == null) {
                                break;
                            }
                            check(b[0], b[1], b[2]);
                            Hakmem.free(b[0]);
                        }
                        long[] mine = new long[200];
                        long[] size = new long[200];
                        for (int i = 0; i < mine.length; i++) {
                            size[i] = 16 + r.nextInt(4081);
                            mine[i] = Hakmem.malloc(size[i]);
                            write(mine[i], size[i], id * 1000L + i);
                        }
                        for (int i = 0; i < mine.length; i++) {
                            check(mine[i], size[i], id * 1000L + i);
                            if (i % 10 == 0) {
                                handed.add(new long[] {mine[i], size[i], id * 1000L + i});
                            } else {
                                Hakmem.free(mine[i]);
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                group[k].start();
            }
            for (Thread g : group) {
                g.join();
            }
            if (t % 1000 == 0) {
                peakMapped = Math.max(peakMapped, Hakmem.stats().mappedBytes());
            }
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        long[] b;
        while ((b = handed.poll()) != null) {
            check(b[0], b[1], b[2]);
            Hakmem.free(b[0]);
        }
        Heaps.reclaimDead(true);
        Hakmem.trim();
        Stats end = Hakmem.stats();
        long[] heaps = Heaps.heapCounts();
        System.out.printf("10,000 threads: mapped peak %.1f MiB, after %.1f MiB (start %.1f MiB); "
                        + "heaps alive %d, retired %d; stage-1 (orphan) acquisitions %d%n",
                peakMapped / (double) MIB, end.mappedBytes() / (double) MIB, start.mappedBytes() / (double) MIB,
                heaps[0], heaps[1], end.stages().partialSlab());
        assertEquals(start.liveBytes(), end.liveBytes(), "every block freed");
        assertTrue(peakMapped - start.mappedBytes() <= 64 * MIB, "mapped memory grew by "
                + (peakMapped - start.mappedBytes()) / MIB + " MiB over 10,000 threads");
        assertTrue(end.mappedBytes() - start.mappedBytes() <= 16 * MIB, "after: " + end.mappedBytes());
        assertTrue(heaps[0] < 64, "heaps of dead threads are not kept: " + heaps[0]);
    }

    /**
     * Stats stay exact while dead threads' heaps are retired: a thread allocates blocks that this
     * thread frees (so the dead heap's own balance is +16 blocks, the freeing heap's -16) and
     * exits; a racer retires its heap while this thread reads {@code liveBytes}, which must read
     * the same value before, during and after. A retirement that fell between the walk over the
     * live heaps and the read of the retired totals counted the dead heap twice (+4 MiB here);
     * about one read in a few thousand hit it on 2 cores before the walk held the registry lock.
     */
    @Test
    @Timeout(60)
    void liveBytesStayExactWhileDeadHeapsAreRetired() throws Exception {
        Hakmem.free(Hakmem.malloc(16));  // this thread's own heap first: else it would adopt the dead owner's
        long expected = Hakmem.stats().liveBytes();
        long deadline = System.nanoTime() + 4_000_000_000L;
        int rounds = 0;
        long reads = 0;
        while (System.nanoTime() < deadline) {
            long retiredBefore = Heaps.heapCounts()[1];
            long[] blocks = new long[16];
            Thread owner = new Thread(() -> {
                for (int i = 0; i < blocks.length; i++) {
                    blocks[i] = Hakmem.malloc(256 * 1024);
                }
            });
            owner.start();
            owner.join();
            for (long b : blocks) {
                Hakmem.free(b);  // remote frees: counted on this thread's heap
            }
            CountDownLatch go = new CountDownLatch(1);
            Thread racer = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                Heaps.reclaimDead(true);
            });
            racer.start();
            go.countDown();
            while (racer.isAlive() || Heaps.heapCounts()[1] == retiredBefore) {
                long live = Hakmem.stats().liveBytes();
                reads++;
                assertEquals(expected, live, "liveBytes read " + reads + " (round " + rounds
                        + ") while a dead heap was retired");
                if (!racer.isAlive() && Heaps.heapCounts()[1] == retiredBefore) {
                    Heaps.reclaimDead(true);  // the racer ran before the owner's heap was quiet
                    assertTrue(System.nanoTime() - deadline < 20_000_000_000L, "the dead owner's heap is never retired (round " + rounds + ", heaps " + Arrays.toString(Heaps.heapCounts()) + ")");
                }
            }
            racer.join();
            rounds++;
        }
        assertEquals(expected, Hakmem.stats().liveBytes(), "after " + rounds + " rounds");
        System.out.println("liveBytesStayExactWhileDeadHeapsAreRetired: " + rounds + " rounds, " + reads + " reads");
    }

    /**
     * Stats stay exact while another thread borrows a blocked thread's heap and empties it: a
     * worker fills its magazines (allocates and frees blocks of every small class) and blocks; a
     * racer empties the blocked heaps ({@link HeapDecay#flushReachable}) while this thread reads
     * {@code liveBytes}, which must not move: a read halfway through the borrower's flush (blocks
     * already off the magazine count, not yet on the flushed counter) would.
     */
    @Test
    @Timeout(60)
    void liveBytesStayExactWhileBlockedHeapsAreBorrowed() throws Exception {
        Hakmem.free(Hakmem.malloc(16));
        long expected = Hakmem.stats().liveBytes();
        Semaphore go = new Semaphore(0);
        Semaphore filled = new Semaphore(0);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            long[] blocks = new long[64];
            try {
                while (true) {
                    go.acquire();
                    for (long size = 16; size <= 32 * 1024; size += size / 4) {
                        for (int i = 0; i < blocks.length; i++) {
                            blocks[i] = Hakmem.malloc(size);
                        }
                        for (long b : blocks) {
                            Hakmem.free(b);
                        }
                    }
                    filled.release();
                }
            } catch (InterruptedException e) {
                // done
            } catch (Throwable e) {
                failure.set(e);
                filled.release();
            }
        });
        worker.start();
        long deadline = System.nanoTime() + 4_000_000_000L;
        int rounds = 0;
        long reads = 0;
        try {
            while (System.nanoTime() < deadline && failure.get() == null) {
                go.release();
                filled.acquire();
                while (worker.getState() != Thread.State.WAITING) {
                    Thread.onSpinWait();
                }
                Thread racer = new Thread(HeapDecay::flushReachable);
                racer.start();
                while (racer.isAlive()) {
                    long live = Hakmem.stats().liveBytes();
                    reads++;
                    assertEquals(expected, live, "liveBytes read " + reads + " (round " + rounds
                            + ") while a blocked heap was borrowed");
                }
                racer.join();
                rounds++;
            }
        } finally {
            worker.interrupt();
            worker.join();
        }
        assertEquals(null, failure.get());
        assertEquals(expected, Hakmem.stats().liveBytes(), "after " + rounds + " rounds");
        System.out.println("liveBytesStayExactWhileBlockedHeapsAreBorrowed: " + rounds + " rounds, " + reads + " reads");
    }

    /** Blocks a dead thread owned, freed by others after it died, come back into use (stage 1 or emptied spans). */
    @Test
    @Timeout(60)
    void blocksOfDeadThreadsFreedLaterAreReclaimed() throws Exception {
        long[] blocks = new long[20_000];
        Thread t = new Thread(() -> {
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = Hakmem.malloc(100);
            }
        });
        t.start();
        t.join();
        Heaps.reclaimDead(true);
        int orphans = SpanPool.orphans();
        assertTrue(orphans > 0, "the dead thread's spans became orphans");
        // free half from here (remote frees into orphaned spans), then allocate the same class
        for (int i = 0; i < blocks.length; i += 2) {
            Hakmem.free(blocks[i]);
        }
        Stats before = Hakmem.stats();
        long[] again = new long[5_000];
        for (int i = 0; i < again.length; i++) {
            again[i] = Hakmem.malloc(100);
        }
        Stats after = Hakmem.stats();
        assertTrue(after.stages().partialSlab() > before.stages().partialSlab(),
                "orphaned spans were taken at stage 1: " + after.stages());
        for (long a : again) {
            Hakmem.free(a);
        }
        for (int i = 1; i < blocks.length; i += 2) {
            Hakmem.free(blocks[i]);
        }
    }

    /**
     * A thread whose first operations are remote frees (a consumer) gets a heap of its own to count
     * them in, but adopts no dead thread's heap for that: it would hold that heap's spans and cached
     * blocks where neither its allocations nor the reclaim of dead threads' heaps reach them. Its
     * first allocation adopts the dead heap, and the counts of its remote frees stay exact.
     */
    @Test
    @Timeout(60)
    void aThreadThatOnlyFreesAdoptsNoDeadHeapUntilItAllocates() throws Exception {
        Hakmem.free(Hakmem.malloc(16));  // this thread's own heap first: else it would adopt the dead one
        long[] blocks = new long[1_000];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = Hakmem.malloc(100);
        }
        Heaps.reclaimDead(true);  // no other dead heap to adopt than the one made below
        AtomicReference<Heap> dead = new AtomicReference<>();
        Thread dying = new Thread(() -> {
            Hakmem.free(Hakmem.malloc(200));  // a span and a cached block
            dead.set(Heaps.ofPlatformThread(Thread.currentThread()));
        });
        dying.start();
        dying.join();
        int cls = SizeClasses.classOf(100);
        long remoteBefore = Hakmem.stats().sizeClasses().get(cls).remoteFrees();
        AtomicReference<Heap> counting = new AtomicReference<>();
        AtomicReference<Heap> allocating = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            for (long a : blocks) {
                Hakmem.free(a);
            }
            counting.set(Heaps.ofPlatformThread(Thread.currentThread()));
            long a = Hakmem.malloc(200);
            allocating.set(Heaps.ofPlatformThread(Thread.currentThread()));
            Hakmem.free(a);
        });
        consumer.start();
        consumer.join();
        assertTrue(counting.get() != dead.get(), "counting the remote frees adopted the dead thread's heap");
        assertTrue(allocating.get() == dead.get(), "the first allocation adopted the dead thread's heap");
        assertEquals(blocks.length, Hakmem.stats().sizeClasses().get(cls).remoteFrees() - remoteBefore,
                "remote frees counted once each across the swap of heaps");
    }

    /**
     * A thread whose first operation frees a block its dead predecessor allocated (larson's
     * chains of threads) adopts that predecessor's heap at once: the first free is remote, every
     * later free of the predecessor's blocks is local.
     */
    @Test
    @Timeout(60)
    void aThreadFreeingItsDeadPredecessorsBlocksAdoptsItsHeap() throws Exception {
        Hakmem.free(Hakmem.malloc(16));
        Heaps.reclaimDead(true);
        long[] blocks = new long[1_000];
        AtomicReference<Heap> dead = new AtomicReference<>();
        Thread predecessor = new Thread(() -> {
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = Hakmem.malloc(300);
            }
            dead.set(Heaps.ofPlatformThread(Thread.currentThread()));
        });
        predecessor.start();
        predecessor.join();
        int cls = SizeClasses.classOf(300);
        long remoteBefore = Hakmem.stats().sizeClasses().get(cls).remoteFrees();
        AtomicReference<Heap> mine = new AtomicReference<>();
        Thread successor = new Thread(() -> {
            for (long a : blocks) {
                Hakmem.free(a);
            }
            mine.set(Heaps.ofPlatformThread(Thread.currentThread()));
        });
        successor.start();
        successor.join();
        assertTrue(mine.get() == dead.get(), "the successor adopted the heap whose block it freed first");
        assertEquals(1, Hakmem.stats().sizeClasses().get(cls).remoteFrees() - remoteBefore,
                "only the first free was remote");
    }

    /**
     * A thread whose table slot belongs to another live thread keeps its heap in its overflow slot.
     * Its first operation, a remote free, takes a dead thread's counting heap (one that holds no
     * memory) there, and its first allocation swaps that for a dead thread's heap with memory. The
     * adopted heaps must leave the table slots of their dead threads: left there, the swap put the
     * second heap in the first one's old slot and kept the retired first one in the overflow slot,
     * and the thread's next slow path found a heap with no thread (a NullPointerException seen once
     * in a benchmark driver's test). Checks every table slot: a heap sits in its holder's slot.
     */
    @Test
    @Timeout(60)
    void aThreadWhoseSlotIsTakenAdoptsDeadHeapsIntoItsOverflowSlotOnly() throws Exception {
        Hakmem.free(Hakmem.malloc(16));
        Heaps.reclaimDead(true);  // the two dead heaps made below are the only ones
        CountDownLatch done = new CountDownLatch(1);
        CountDownLatch hasHeap = new CountDownLatch(1);
        Thread neighbour = new Thread(() -> {
            Hakmem.free(Hakmem.malloc(16)); // a heap in its table slot
            hasHeap.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        neighbour.start();
        hasHeap.await(); // else its first allocation could come after the dead heap below, and adopt it
        AtomicReference<Heap> withMemory = new AtomicReference<>();
        Thread first = new Thread(() -> {
            Hakmem.free(Hakmem.malloc(200)); // a span and a cached block
            withMemory.set(Heaps.ofPlatformThread(Thread.currentThread()));
        });
        first.start();
        first.join();
        long[] blocks = {Hakmem.malloc(64), Hakmem.malloc(64)};
        AtomicReference<Heap> countingHeap = new AtomicReference<>();
        Thread second = new Thread(() -> {
            Hakmem.free(blocks[0]); // remote: a counting heap, no memory
            countingHeap.set(Heaps.ofPlatformThread(Thread.currentThread()));
        });
        second.start();
        second.join();
        assertTrue(countingHeap.get() != withMemory.get() && !countingHeap.get().holdsMemory(), "a dead heap without memory");

        // a thread whose id falls on the neighbour's slot (ids are given when a Thread is made)
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Heap> afterFree = new AtomicReference<>();
        AtomicReference<Heap> afterAlloc = new AtomicReference<>();
        Runnable task = () -> {
            try {
                Hakmem.free(blocks[1]); // remote: adopts the dead counting heap, into the overflow slot
                afterFree.set(Heaps.ofPlatformThread(Thread.currentThread()));
                long a = Hakmem.malloc(300); // swaps it for the dead heap with memory
                afterAlloc.set(Heaps.ofPlatformThread(Thread.currentThread()));
                for (int i = 0; i < 1_000; i++) {
                    Hakmem.free(Hakmem.malloc(16 + (i % 64) * 16)); // misses in other classes: the slow path finds the heap
                }
                Hakmem.free(a);
            } catch (Throwable e) {
                failure.set(e);
            }
        };
        Thread t = ChildChecks.onSlotOf(neighbour, task);
        assertTrue(t != null, "no thread id on the neighbour's slot");
        t.start();
        t.join();
        done.countDown();
        neighbour.join();

        assertEquals(null, failure.get(), "the thread whose slot was taken failed");
        assertTrue(afterFree.get() == countingHeap.get(), "its remote free adopted the dead counting heap: " + afterFree.get());
        assertTrue(afterAlloc.get() == withMemory.get(), "its first allocation adopted the dead heap with memory: " + afterAlloc.get());
        assertTrue(afterAlloc.get().platformThread() == t && afterFree.get().platformThread() == null,
                "the adopted heap is the thread's, the counting heap retired");
        ChildChecks.requireHeapsInTheirHoldersSlots();
    }

    /**
     * 2,000 threads one after another, each only freeing a block another thread allocated, then
     * exiting: each takes the counting heap the one before left (a dead heap that holds no
     * memory), so they do not leave a heap each behind (printed and asserted).
     */
    @Test
    @Timeout(60)
    void threadsThatOnlyFreeReuseOneAnothersCountingHeaps() throws Exception {
        Hakmem.free(Hakmem.malloc(16));
        Heaps.reclaimDead(true);
        long heapsBefore = Heaps.heapCounts()[0];
        int n = 2_000;
        long[] blocks = new long[n];
        for (int i = 0; i < n; i++) {
            blocks[i] = Hakmem.malloc(48);
        }
        for (int i = 0; i < n; i++) {
            long a = blocks[i];
            Thread t = new Thread(() -> Hakmem.free(a));
            t.start();
            t.join();
        }
        long heapsAfter = Heaps.heapCounts()[0];
        System.out.println("threadsThatOnlyFreeReuseOneAnothersCountingHeaps: heaps " + heapsBefore + " -> " + heapsAfter
                + " after " + n + " freeing threads");
        assertTrue(heapsAfter - heapsBefore <= 16, "heaps " + heapsBefore + " -> " + heapsAfter);
    }

    /**
     * 100,000 virtual threads alive at once, each holding a block while parked, then freeing it:
     * heaps are shared, so allocator metadata stays small (printed and asserted below 64 MiB).
     */
    @Test
    @Timeout(120)
    void hundredThousandLiveVirtualThreadsShareHeaps() throws Exception {
        int n = 100_000;
        long heapsBefore = Heaps.heapCounts()[0];
        Stats start = Hakmem.stats();
        CountDownLatch allocated = new CountDownLatch(n);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] ts = new Thread[n];
        for (int i = 0; i < n; i++) {
            int id = i;
            ts[i] = Thread.ofVirtual().start(() -> {
                try {
                    long size = 16 + id % 1000;
                    long a = Hakmem.malloc(size);
                    write(a, size, id);
                    allocated.countDown();
                    release.await();
                    check(a, size, id);
                    Hakmem.free(a);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    allocated.countDown();
                }
            });
        }
        allocated.await();
        long metadata = Heaps.heapMetadataBytes();
        long heapsDuring = Heaps.heapCounts()[0];
        Stats during = Hakmem.stats();
        release.countDown();
        for (Thread t : ts) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        System.out.printf("100,000 live virtual threads: thread-heap metadata %.2f MiB, platform heaps %d -> %d, "
                        + "live %.1f MiB%n", metadata / (double) MIB, heapsBefore, heapsDuring,
                (during.liveBytes() - start.liveBytes()) / (double) MIB);
        assertTrue(metadata < 64 * MIB, "metadata " + metadata);
        assertTrue(heapsDuring - heapsBefore < 8, "virtual threads must not get heaps of their own");
        assertEquals(start.liveBytes(), Hakmem.stats().liveBytes());
    }

    /**
     * 1,000,000 virtual threads alive at once, each holding a block: the allocator's own memory
     * grows with carriers, not with threads. Heaps: at most the platform heaps before plus one per
     * carrier (and a few for the JVM's helper threads); their Java-heap metadata and the free blocks
     * cached in their magazines stay under fixed bounds (printed, and asserted below 64 MiB and
     * 32 MiB). In a child JVM: the threads need a larger Java heap than the test JVM's.
     */
    @Test
    @Timeout(300)
    void aMillionVirtualThreadsKeepMemoryBoundedByCores() throws Exception {
        ChildJvm.Result r = ChildJvm.of(MillionVirtualThreadsChild.class)
                .jvmArgs("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED", "-Xmx4g", "-Xss256k")
                .args("1000000").timeout(java.time.Duration.ofSeconds(280)).run();
        System.out.println("1,000,000 live virtual threads: " + r.output().strip());
        assertEquals(0, r.exit(), r.output());
        java.util.Map<String, Long> m = new java.util.HashMap<>();
        for (String kv : r.output().lines().filter(l -> l.startsWith("threads=")).findFirst().orElseThrow().split(" ")) {
            String[] p = kv.split("=");
            if (p[1].matches("-?\\d+")) {
                m.put(p[0], Long.parseLong(p[1]));
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        assertTrue(m.get("heapsDuring") - m.get("heapsBefore") <= cores + 8,
                "heaps grow with carriers, not threads: " + r.output());
        assertTrue(m.get("metadataBytes") < 64 * MIB, "heap metadata " + m.get("metadataBytes"));
        assertTrue(m.get("cachedBytes") < 32 * MIB, "cached blocks " + m.get("cachedBytes"));
    }

    /** {@code hakmem.threadSlots} is rounded up to a power of two within 64 and 2^20; the default is 16,384. */
    @Test
    void theTableHasAPowerOfTwoOfSlots() {
        assertEquals(64, Heaps.tableSize(0));
        assertEquals(64, Heaps.tableSize(64));
        assertEquals(128, Heaps.tableSize(65));
        assertEquals(4096, Heaps.tableSize(4096));
        assertEquals(1 << 20, Heaps.tableSize(Integer.MAX_VALUE));
        assertEquals(1 << 14, Heaps.TABLE_SIZE, "the default (this JVM sets no hakmem.threadSlots)");
        assertEquals(Heaps.TABLE_SIZE, Heaps.HEAPS.length);
        assertEquals(Heaps.TABLE_SIZE, Heaps.MAGS.length);
    }

    /**
     * The heap registry under churn ({@link RegistryChurnChild}, 3 s): short-lived platform threads,
     * half of them made on live threads' table slots, and virtual threads, starting with a remote
     * free or an allocation, passing blocks on to threads that do not exist yet, beside neighbours
     * whose heaps get borrowed; every block's bytes checked, the table checked, nothing left live.
     * Once with the default decay, once with a decay pass every 10 ms racing the adoptions (retiring
     * dead heaps, borrowing parked owners'). With a table of 256 slots, so that the churn's own
     * threads collide too.
     */
    @Test
    @Timeout(120)
    void theRegistryStaysConsistentUnderThreadChurn() throws Exception {
        for (String decay : new String[] {"1000", "10"}) {
            ChildJvm.Result r = ChildJvm.of(RegistryChurnChild.class)
                    .jvmArgs("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED", "-ea", "-Dhakmem.decayMs=" + decay,
                            "-Dhakmem.threadSlots=256") // a small table: threads collide often, and a thread on a given slot is found fast
                    .args("3000").timeout(java.time.Duration.ofSeconds(55)).run();
            System.out.println("registry churn, decay " + decay + " ms: " + r.output().strip());
            assertTrue(r.exit() == 0 && r.output().contains("OK churn"), r.output());
        }
    }

    /**
     * Without {@code --add-exports java.base/jdk.internal.access}, virtual threads cannot see their
     * carrier: they share the striped heaps, and no heap is made for a carrier.
     */
    @Test
    @Timeout(120)
    void withoutTheExportVirtualThreadsShareTheStripedHeaps() throws Exception {
        ChildJvm.Result r = ChildJvm.of(MillionVirtualThreadsChild.class).args("100000")
                .timeout(java.time.Duration.ofSeconds(110)).run();
        System.out.println("100,000 virtual threads without the export: " + r.output().strip());
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("carriers=false") && r.output().contains("heapsDuring=0"), r.output());
    }
    /**
     * The decay thread borrows the heaps of blocked owners only: a running owner's word is never
     * set BUSY, not even for the moment a borrower needs to look at the owner's state (its mallocs
     * would go to a shared heap meanwhile: one of 255 blocks a refill took, CI, stop 47).
     */
    @Test
    @Timeout(60)
    void aRunningOwnersHeapIsNeverBorrowed() throws Exception {
        AtomicReference<Heap> heap = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
        long[] busySeen = new long[1];
        Thread owner = new Thread(() -> {
            Hakmem.free(Hakmem.malloc(64));
            Heap h = Heaps.ofPlatformThread(Thread.currentThread());
            heap.set(h);
            started.countDown();
            long seen = 0;
            while (!stop.get()) {
                Hakmem.free(Hakmem.malloc(64));
                if (Magazines.owner(h.mag) == Magazines.BUSY) {
                    seen++;
                }
            }
            busySeen[0] = seen;
        });
        owner.start();
        started.await();
        Heap h = heap.get();
        int borrowed = 0;
        for (int i = 0; i < 200_000; i++) {
            if (h.tryBorrow()) {
                borrowed++;
                h.endBorrow();
            }
        }
        stop.set(true);
        owner.join();
        assertEquals(0, borrowed, "a running owner's heap was borrowed");
        assertEquals(0, busySeen[0], "the running owner saw its heap BUSY");
    }
}
