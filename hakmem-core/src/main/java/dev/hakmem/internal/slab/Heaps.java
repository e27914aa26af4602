package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The registry of thread heaps: which heap a platform thread owns, and what happens to it when
 * the thread dies.
 *
 * <ul>
 * <li><b>Platform threads</b> own a heap for life. The fast lookup is a table indexed by
 *     {@code threadId & MASK}, in two parallel arrays: {@link #HEAPS} and the heaps' magazine
 *     arrays {@link #MAGS}, so the allocation fast path finds and checks its magazine with one
 *     load ({@code MAGS[i][0] == threadId}, see {@link Magazines}). A thread whose slot is taken
 *     by another live thread keeps its heap in a {@code ThreadLocal} instead.</li>
 * <li><b>Exited threads</b>: a heap whose thread has died is adopted whole by the next thread
 *     that needs a heap (its magazines, spans and pending remote frees come along); one left
 *     unadopted for {@link #ADOPTION_GRACE} is abandoned to the pool.</li>
 * <li>Threads that own no heap use the {@link SharedHeaps}.</li>
 * </ul>
 * The table and the list of heaps change only under {@link #LOCK}; the table is read without it
 * (an entry is a heap whose holder is checked against the reader). Invariant: a heap in the
 * table sits in its holder's slot ({@code HEAPS[i].holder().threadId() & MASK == i}, the holder
 * alive or dead; else the entry is {@code NOBODY}), and a thread's heap is in one place, its slot
 * or its overflow slot.
 */
public final class Heaps {
    private Heaps() {}

    /**
     * Table slots, {@code hakmem.threadSlots} (default 16,384) rounded up to a power of two, 64 to
     * 2^20. A platform thread whose slot (its id's low bits) a live thread holds keeps its heap in
     * its overflow slot, where every malloc and free takes the slow path (1.6-2.6x the time per
     * operation of a thread on its own slot in a loop of 64 mallocs and 64 frees, 5.5-7.2 against
     * 2.1-3.4 ns; stop 53): of n live threads about n^2 / (2 x slots) do, since thread ids (which
     * virtual threads use up too) fall on the slots about at random in a long-running JVM: 1.2 of
     * 100 threads at 4,096 slots (the size until stop 53), 0.3 at 16,384. 65,536 slots (0.08) cost
     * random-mixed 2 % in three A/Bs for no reason found (16,384: -0.4 % and +0.3 %; 4,096 again:
     * level). Two arrays of that many references: 128 KiB of Java heap at the default.
     */
    static final int TABLE_SIZE = tableSize(Config.integer("threadSlots", 1 << 14));
    static final int MASK = TABLE_SIZE - 1;

    /** {@code n} rounded up to a power of two within 64 and 2^20. */
    static int tableSize(int n) {
        int clamped = Math.clamp(n, 64, 1 << 20);
        return Integer.highestOneBit(clamped - 1) << 1;
    }

    /** Never held: makes every table entry non-null, so the fast lookup needs no null check. */
    private static final Heap NOBODY = new Heap(-1, false);
    static final Heap[] HEAPS = new Heap[TABLE_SIZE];
    /** {@code MAGS[i] == HEAPS[i].mag}; written after HEAPS[i], under LOCK. */
    static final long[][] MAGS = new long[TABLE_SIZE][];

    static {
        Arrays.fill(HEAPS, NOBODY);
        Arrays.fill(MAGS, NOBODY.mag);
    }

    private static final ThreadLocal<Heap> OVERFLOW = new ThreadLocal<>();
    private static final ReentrantLock LOCK = new ReentrantLock();
    /** How long a stats read waits in all for heaps to finish their slow paths and borrows: 100 ms. */
    private static final long QUIET_WAIT = 100_000_000L;
    /** Every platform-thread heap (LOCK). */
    private static final List<Heap> ALL = new ArrayList<>();
    private static int nextId;

    /** Counters of heaps retired after their thread died (LOCK). */
    private static final Counters.Totals RETIRED = new Counters.Totals();
    /** Remote frees by threads with no heap of their own, per class. */
    private static final LongAdder[] UNOWNED_FREES = new LongAdder[SizeClasses.COUNT];

    static {
        for (int c = 0; c < UNOWNED_FREES.length; c++) {
            UNOWNED_FREES[c] = new LongAdder();
        }
    }

    /** Calls of {@link #reclaimDeadSometimes}, counted without synchronisation. */
    private static int poolTrips;
    /** nanoTime of the last scan for dead threads' heaps. */
    private static volatile long lastReclaim;
    /** How often (at most) a thread needing a new span looks for heaps of dead threads. */
    private static final long RECLAIM_INTERVAL = 50_000_000L;
    /**
     * How long a dead thread's heap is left for a new thread to adopt whole (thread pools and
     * thread chains replace threads all the time) before it is abandoned to the pool.
     */
    private static final long ADOPTION_GRACE = 1_000_000_000L;
    private static long heapsRetired;

    /** The heap the current platform thread owns, if it is in the table; else {@code null}. */
    static Heap fast(Thread t) {
        Heap h = HEAPS[(int) t.threadId() & MASK];
        return h.holder() == t ? h : null;
    }

    /** Counts a remote free made by a thread holding no heap: a virtual thread whose carrier's heap is BUSY (or without carriers), a platform thread whose heap is borrowed. */
    static void countUnownedFree(int c) {
        UNOWNED_FREES[c].increment();
    }

    /** The platform thread's own heap, creating or adopting one on first use. Cold. */
    static Heap ofPlatformThread(Thread t) {
        return ofPlatformThread(t, true, null);
    }

    /**
     * The platform thread's own heap for counting its remote frees, when its first operation is
     * a free of a block of {@code blockOwner}'s spans. A thread that has no heap yet adopts
     * {@code blockOwner} if that is a dead thread's heap (a thread freeing what its predecessor
     * left, as in larson: its next frees of those blocks are then local); else it gets a dead
     * heap that holds no memory or a new one, marked {@link Heap#countsOnly}, and adopts no
     * other dead thread's heap: a thread that only frees (a consumer) would hold that heap's
     * spans and cached blocks where no allocation of its own reuses them and the reclaim of dead
     * threads' heaps no longer reaches them. Its first allocation still adopts one
     * ({@link #adoptForCountingHeap}). Cold.
     */
    static Heap forCounting(Thread t, Heap blockOwner) {
        return ofPlatformThread(t, false, blockOwner);
    }

    /** The calling platform thread {@code t}'s heap if it has one (its table slot, else its overflow heap), else null. */
    static Heap existing(Thread t) {
        Heap h = fast(t);
        return h != null ? h : OVERFLOW.get();
    }

    private static Heap ofPlatformThread(Thread t, boolean adopt, Heap prefer) {
        Heap h = existing(t);
        if (h != null) {
            return h;
        }
        LOCK.lock();
        try {
            boolean preferred = prefer != null && isDeadAndQuiescent(prefer);
            h = preferred ? prefer : adoptDead(adopt);
            if (h == null) {
                h = newHeap();
            }
            h.countsOnly = !adopt && !preferred;
            h.bind(t);
            int slot = (int) t.threadId() & MASK;
            Heap there = HEAPS[slot];
            Thread other = there.holder();
            install(h, there == NOBODY || other == null || !other.isAlive() ? slot : -1);
            return h;
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Makes sure carrier {@code c} (the current thread's carrier, {@link Carriers}) has a heap in
     * the table, creating or adopting one. Called by a virtual thread whose fast path missed; it
     * may block on the registry lock (and go on on another carrier), so it holds no heap here and
     * the caller simply retries its fast path.
     *
     * @return {@code true} if a heap was made for {@code c}; {@code false} if {@code c} has one
     *         already (the miss was a slow path running on it) or its table slot belongs to
     *         another live thread: the caller uses a shared heap
     */
    static boolean prepareCarrier(Thread c) {
        if (fast(c) != null) {
            return false;
        }
        LOCK.lock();
        try {
            int slot = (int) c.threadId() & MASK;
            Heap there = HEAPS[slot];
            Thread other = there.holder();
            if (there == NOBODY || other == null || !other.isAlive()) {
                Heap h = adoptDead(true);
                if (h == null) {
                    h = newHeap();
                }
                h.bind(c);
                putInSlot(h, slot);
                return true;
            }
            return other == c;
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * The first allocation of a thread whose heap was made for counting its remote frees
     * ({@link #forCounting}): the heap the thread allocates from from now on, a dead thread's
     * heap if one is waiting (it takes over {@code h}'s table slot, and {@code h}, which never
     * held memory, is retired with its counts), else {@code h} itself. Owner only (the current
     * thread owns {@code h}).
     */
    static Heap adoptForCountingHeap(Heap h) {
        LOCK.lock();
        try {
            h.countsOnly = false;
            Heap dead = adoptDead(true);
            if (dead == null) {
                return h;
            }
            assert !h.holdsMemory() : "a counting heap held memory: " + h;
            Thread t = h.platformThread();
            int own = (int) t.threadId() & MASK;
            int slot = HEAPS[own] == h ? own : -1; // else h is in t's overflow slot, and so will dead be
            retire(h);
            dead.bind(t);
            install(dead, slot);
            return dead;
        } finally {
            LOCK.unlock();
        }
    }

    /** Takes the registry lock (tests: a virtual thread that then needs it blocks, and may go on on another carrier). */
    static void lockRegistry() {
        LOCK.lock();
    }

    /** Lets go of the registry lock taken with {@link #lockRegistry}. */
    static void unlockRegistry() {
        LOCK.unlock();
    }

    /** Whether thread {@code t} waits for the registry lock (tests). */
    static boolean waitsForRegistry(Thread t) {
        return LOCK.hasQueuedThread(t);
    }

    /** A new heap, on the list of platform-thread heaps. LOCK held. */
    private static Heap newHeap() {
        Heap h = new Heap(nextId++, false);
        ALL.add(h);
        return h;
    }

    /**
     * Makes {@code h}, bound to the current thread, its heap: in table slot {@code slot} (the
     * thread's), or in the thread's {@link #OVERFLOW} if {@code slot} is negative (the slot belongs
     * to another live thread). Either way it is in that one place only: a dead thread's heap adopted
     * into the overflow slot leaves the table slot it had (left there, it stayed in a slot not its
     * holder's, and the swap of a counting heap put the adopted heap there and left the retired one
     * in the overflow slot: the thread's next slow path found a heap with no thread). LOCK held.
     */
    private static void install(Heap h, int slot) {
        if (slot >= 0) {
            assert OVERFLOW.get() == null : "a thread with an overflow heap gets a table slot too: " + h;
            putInSlot(h, slot);
        } else {
            clearSlot(h);
            OVERFLOW.set(h);
        }
    }

    /** Forgets heap {@code h}: out of the table and the list, its counts kept. LOCK held. */
    private static void retire(Heap h) {
        clearSlot(h);
        h.addCounters(RETIRED);
        h.bind(null);
        ALL.remove(h);
        heapsRetired++;
    }

    /**
     * Puts {@code h} in table slot {@code slot} (out of the one it had, if any): the slot of its
     * holder, bound first. LOCK held.
     */
    private static void putInSlot(Heap h, int slot) {
        assert h.holder() != null && ((int) h.holder().threadId() & MASK) == slot : "slot " + slot + " for " + h;
        clearSlot(h);
        HEAPS[slot] = h;
        MAGS[slot] = h.mag;
        h.tableSlot = slot;
    }

    /** Takes {@code h} out of the table if it is there. LOCK held. */
    private static void clearSlot(Heap h) {
        if (h.tableSlot >= 0 && HEAPS[h.tableSlot] == h) {
            MAGS[h.tableSlot] = NOBODY.mag;
            HEAPS[h.tableSlot] = NOBODY;
        }
    }

    /**
     * A heap whose thread has died and on which no slow path runs any more (its last actions are
     * visible: we saw the thread dead, and the heap quiescent), or null. With {@code withMemory}
     * false only one that holds no memory (the counting heap of a thread that only freed): a
     * thread that only counts takes such a heap rather than a new one, so threads that free and
     * exit, one after another, do not leave a heap each behind. LOCK held.
     */
    private static Heap adoptDead(boolean withMemory) {
        for (Heap h : ALL) {
            if (isDeadAndQuiescent(h) && (withMemory || !h.holdsMemory())) {
                // an adopted heap allocates unless its new thread makes it a counting heap again
                // (ofPlatformThread). Left set, a carrier's first refill on it, by a virtual thread,
                // ran adoptForCountingHeap, which is for the owner thread only and outside the
                // BUSY bracket: a virtual thread blocked on the registry lock there while another
                // on the same carrier went on using the heap it then retired, and a refill batch
                // per class went missing from the counts (CountingHeapAdoptionTest)
                h.countsOnly = false;
                return h;
            }
        }
        return null;
    }

    /** Whether {@code h} is a thread heap whose thread has died, with no slow path running on it. LOCK held. */
    private static boolean isDeadAndQuiescent(Heap h) {
        Thread owner = h.holder();
        return !h.shared && owner != null && !owner.isAlive() && h.quiescent();
    }

    /**
     * On every 8th call, and every {@link #RECLAIM_INTERVAL} at most: abandons the heaps of dead
     * threads so their spans (and the blocks others free into them later) serve other threads.
     * Called on the slow path before a heap asks the pool for a span; never with the pool lock held.
     */
    static void reclaimDeadSometimes() {
        if ((++poolTrips & 7) != 0) {
            return;  // the clock is read on every 8th call only (racy count: a lost increment is harmless)
        }
        long now = System.nanoTime();
        if (now - lastReclaim < RECLAIM_INTERVAL) {
            return;
        }
        lastReclaim = now;
        reclaimDead(false);
    }

    /**
     * Abandons and forgets the heaps of dead threads; returns how many.
     *
     * @param wait wait for the registry lock, rather than leave the work to whoever holds it, and
     *             abandon every dead thread's heap at once (else only those that have waited
     *             {@link #ADOPTION_GRACE} for a new thread to adopt them)
     */
    public static int reclaimDead(boolean wait) {
        if (wait) {
            LOCK.lock();
        } else if (!LOCK.tryLock()) {
            return 0;
        }
        try {
            int n = 0;
            long now = System.nanoTime();
            for (int i = ALL.size() - 1; i >= 0; i--) {
                Heap h = ALL.get(i);
                if (!isDeadAndQuiescent(h)) {
                    continue;  // alive, or a virtual thread still finishes a slow path on a dead carrier's heap
                }
                if (!wait) {
                    if (h.deadSince == 0) {
                        h.deadSince = now;
                        continue;
                    }
                    if (now - h.deadSince < ADOPTION_GRACE) {
                        continue;
                    }
                }
                h.abandon();
                retire(h);
                n++;
            }
            return n;
        } finally {
            LOCK.unlock();
        }
    }

    /** Platform-thread heaps alive now, and retired so far. */
    public static long[] heapCounts() {
        LOCK.lock();
        try {
            return new long[] {ALL.size(), heapsRetired};
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Java-heap bytes of allocator metadata held by thread heaps, platform and shared: an estimate
     * from their arrays, with the stashes they hold now (racy reads).
     */
    public static long heapMetadataBytes() {
        LOCK.lock();
        try {
            long bytes = Heap.footprint() * (ALL.size() + SharedHeaps.STRIPES);
            for (Heap h : all()) {
                bytes += h.stashBytes();
            }
            return bytes;
        } finally {
            LOCK.unlock();
        }
    }

    /** Bytes of the free blocks cached in all heaps' magazines and stashes (racy reads: exact only when the heaps are quiet). */
    public static long cachedBytes() {
        long bytes = 0;
        for (Heap h : all()) {
            bytes += h.cachedBytes();
        }
        return bytes;
    }

    /** A snapshot of all heaps, platform and shared, for stats, trim and decay. */
    static List<Heap> all() {
        LOCK.lock();
        try {
            List<Heap> l = new ArrayList<>(ALL);
            l.addAll(SharedHeaps.all());
            return l;
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * The counters of all heaps, live and retired, summed per size class. The walk holds the
     * registry lock, as {@link #reclaimDead} does while it abandons a heap and adds its counters to
     * the retired totals: a heap retired between reading it and reading the retired totals would
     * otherwise count twice, and with it the blocks it allocated that other threads freed (its
     * own balance is not zero when others free its blocks). Each heap is read whole between its
     * slow paths and borrows ({@link Heap#addCountersQuiet}), waiting {@link #QUIET_WAIT} at most
     * over all heaps.
     */
    public static Counters.Totals counters() {
        Counters.Totals sum = new Counters.Totals();
        LOCK.lock();
        try {
            long deadline = System.nanoTime() + QUIET_WAIT;
            for (Heap h : all()) {  // the lock is reentrant
                h.addCountersQuiet(sum, deadline);
            }
            sum.addAll(RETIRED);
        } finally {
            LOCK.unlock();
        }
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long n = UNOWNED_FREES[c].sum();
            sum.add(c, 0, n, 0, n, 0);
        }
        return sum;
    }
}
