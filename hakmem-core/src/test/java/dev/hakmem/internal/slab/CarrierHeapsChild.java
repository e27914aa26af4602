package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.testing.BlockPattern;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Child JVM for {@link CarrierHeapsTest}: virtual threads on carrier heaps when a slow path blocks.
 * The virtual-thread scheduler's parallelism is set by the test's JVM options. The main (platform)
 * thread holds the span pool's lock, so a virtual thread whose refill needs a new span blocks in
 * the middle of it (its carrier's heap marked BUSY) until the main thread lets go.
 *
 * <ul>
 * <li>{@code oneCarrier} (one carrier): while virtual thread A is blocked in its refill, virtual
 *     thread B runs on the same carrier, allocates, writes, checks and frees blocks, and frees
 *     blocks of the carrier's heap: none of it may touch the BUSY heap (B's blocks come from the
 *     shared heaps, its frees of the carrier's blocks are remote);</li>
 * <li>{@code migrate} (two carriers): the same, with a busy virtual thread on the other carrier, so
 *     A often resumes on a different carrier than it blocked on and finishes its slow path there
 *     while B uses the fast paths of A's first carrier; repeated until that happened several times.</li>
 * </ul>
 * Prints {@code OK} and the figures, or throws.
 */
public final class CarrierHeapsChild {
    private CarrierHeapsChild() {}

    static final int SMALL = 16;

    public static void main(String[] args) throws Exception {
        ChildChecks.requireCarriers();
        String scenario = args[0];
        int rounds = scenario.equals("migrate") ? 40 : 5;
        int migrated = 0;
        for (int r = 0; r < rounds; r++) {
            if (round(r, scenario.equals("migrate"))) {
                migrated++;
            }
        }
        ChildChecks.trimAndRequireNothingLive();
        for (Heap h : Heaps.all()) {
            if (!h.quiescent()) {
                throw new AssertionError("heap left BUSY: " + h);
            }
        }
        if (scenario.equals("migrate") && migrated < 3) {
            throw new AssertionError("the blocked thread resumed on another carrier only " + migrated + " times of " + rounds);
        }
        System.out.println("OK " + scenario + " rounds=" + rounds + " migrated=" + migrated);
    }

    /** One round; returns whether A finished its slow path on another carrier than it blocked on. */
    static boolean round(int r, boolean busyNeighbour) throws Exception {
        // a class no heap has a span of yet, so A's refill needs a new span from the pool
        int fresh = SizeClasses.size(SizeClasses.TINY_COUNT + r);
        // carriers' heaps exist and own blocks; every shared heap has a span of the small class with room
        List<Long> carrierBlocks = new ArrayList<>();
        Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 64; i++) {
                carrierBlocks.add(Hakmem.malloc(SMALL));
            }
        }).join();
        warmSharedHeaps();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        ConcurrentHashMap<Long, Boolean> live = new ConcurrentHashMap<>();
        Thread[] carrierOfA = new Thread[2];
        AtomicBoolean aDone = new AtomicBoolean();
        long[] aBlock = new long[1];
        PoolLock.lock();
        Thread a;
        Thread b;
        Heap busy;
        Thread neighbour = null;
        AtomicBoolean stop = new AtomicBoolean();
        try {
            a = Thread.ofVirtual().name("A").start(() -> {
                carrierOfA[0] = Carriers.current();
                aBlock[0] = Hakmem.malloc(fresh); // refill -> pool -> blocks on the lock, heap BUSY
                carrierOfA[1] = Carriers.current();
                aDone.set(true); // no blocking point since the slow path ended: on one carrier, B cannot run in between
            });
            Thread queued = a;
            ChildChecks.awaitWithin10s(() -> PoolLock.hasQueuedThread(queued), () -> "A never blocked in its refill (round " + r + ", " + fresh + " B)");
            // A's heap: the one BUSY now (A may have moved to another carrier before its refill,
            // while a heap was made for its first carrier)
            busy = null;
            for (Heap h : Heaps.all()) {
                if (!h.quiescent()) {
                    if (busy != null) {
                        throw new AssertionError("two heaps BUSY while only A is in a slow path: " + busy + ", " + h);
                    }
                    busy = h;
                }
            }
            if (busy == null || busy.shared) {
                throw new AssertionError("A's carrier heap should be BUSY while A waits: " + busy);
            }
            if (busyNeighbour) {
                // keeps one carrier busy with allocator work until A is done, so A often resumes elsewhere
                neighbour = Thread.ofVirtual().name("N").start(() -> {
                    try {
                        churn(live, 1_000_000, stop, null, null);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
            }
            // on one carrier, nothing B gets while A's slow path has not ended may come from A's BUSY
            // heap (B may itself block on the pool lock, flushing or refilling a shared heap; then the
            // main thread lets go of the lock first, and A finishes)
            Heap forbidden = busyNeighbour ? null : busy;
            b = Thread.ofVirtual().name("B").start(() -> {
                try {
                    churn(live, 2000, null, forbidden, aDone);
                    for (long x : carrierBlocks) {
                        Hakmem.free(x); // blocks of a carrier heap, A's BUSY one among them: remote frees
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            while (b.isAlive() && !PoolLock.hasQueuedThread(b)) {
                Thread.onSpinWait();
            }
        } finally {
            PoolLock.unlock();
        }
        b.join();
        a.join();
        stop.set(true);
        if (neighbour != null) {
            neighbour.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        BlockPattern.fill(aBlock[0], fresh, 7);
        BlockPattern.verify(aBlock[0], fresh, 7, "A's block");
        Hakmem.free(aBlock[0]);
        return carrierOfA[0] != carrierOfA[1];
    }

    /** Gives every shared heap a current span of the small class, so allocations there need no pool. */
    static void warmSharedHeaps() {
        Thread me = Thread.currentThread();
        for (Heap h : SharedHeaps.all()) {
            while (!h.tryClaim(me)) {
                Thread.onSpinWait();
            }
            try {
                long x = h.alloc(SizeClasses.classOf(SMALL)); // handed out (LIVE); free it back into the heap
                Span s = SpanMap.of(x);
                long w = Shadow.word(x);
                Shadow.set(w, Shadow.get(w) & ~Shadow.bit(x));
                Heap.freeValidated(s, x);
            } finally {
                h.unclaim();
            }
        }
    }

    /**
     * Allocates small blocks (up to 64 live), writes and checks every byte and frees them; a block
     * handed out twice, or one from heap {@code forbidden} while its slow path has not ended
     * ({@code done} still false), fails.
     */
    static void churn(ConcurrentHashMap<Long, Boolean> live, int ops, AtomicBoolean stop, Heap forbidden,
                      AtomicBoolean done) {
        long[] mine = new long[64];
        int n = 0;
        for (int i = 0; i < ops && (stop == null || !stop.get()); i++) {
            if (n == mine.length || (n > 0 && (i & 1) == 1)) {
                long x = mine[--n];
                BlockPattern.verify(x, SMALL, (int) (x & 1023), "churned block");
                live.remove(x);
                Hakmem.free(x);
            } else {
                long x = Hakmem.malloc(SMALL);
                if (live.putIfAbsent(x, Boolean.TRUE) != null) {
                    throw new AssertionError("block 0x" + Long.toHexString(x) + " handed out twice");
                }
                if (forbidden != null && SpanMap.of(x).owner == forbidden && !done.get()) {
                    throw new AssertionError("block 0x" + Long.toHexString(x) + " from a BUSY heap");
                }
                BlockPattern.fill(x, SMALL, (int) (x & 1023));
                mine[n++] = x;
            }
        }
        while (n > 0) {
            long x = mine[--n];
            BlockPattern.verify(x, SMALL, (int) (x & 1023), "churned block");
            live.remove(x);
            Hakmem.free(x);
        }
    }
}
