package dev.hakmem.internal.front;

import dev.hakmem.internal.Config;
import dev.hakmem.internal.pool.Decay;
import dev.hakmem.internal.size.SizeClasses;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Binds heaps to threads.
 *
 * <ul>
 * <li><b>Platform threads</b> own a heap for life. The fast lookup is a table indexed by
 *     {@code threadId & MASK} whose entry is used only if its heap's {@code thread} is the
 *     current thread (no hashing, no {@code ThreadLocal}); a thread whose table slot is taken
 *     by another live thread keeps its heap in a {@code ThreadLocal} instead.</li>
 * <li><b>Virtual threads</b> share a small set of striped heaps (twice the number of cores by
 *     default, {@code hakmem.sharedHeaps}): an operation claims a stripe with one CAS on the
 *     heap's {@code thread} field, starting at a stripe picked by the thread id and moving on
 *     when it is held, and releases it when done. Memory for heaps therefore grows with cores,
 *     not with virtual threads.</li>
 * <li><b>Exited threads</b>: a heap whose thread has died is adopted whole by the next thread
 *     that needs a heap (its magazines, spans and pending remote frees come along).</li>
 * </ul>
 */
public final class Heaps {
    private Heaps() {}

    static final int TABLE_SIZE = 1 << 12;
    static final int MASK = TABLE_SIZE - 1;
    /** Never held: makes every table entry non-null, so the fast lookup needs no null check. */
    private static final Heap NOBODY = new Heap(-1, false);
    static final Heap[] HEAPS = new Heap[TABLE_SIZE];
    /** {@code MAGS[i] == HEAPS[i].mag}; written after HEAPS[i], under LOCK. */
    static final long[][] MAGS = new long[TABLE_SIZE][];

    static {
        java.util.Arrays.fill(HEAPS, NOBODY);
        java.util.Arrays.fill(MAGS, NOBODY.mag);
    }

    private static final ThreadLocal<Heap> OVERFLOW = new ThreadLocal<>();
    private static final ReentrantLock LOCK = new ReentrantLock();
    /** Every heap ever made, platform and shared (guarded by LOCK; read by stats under LOCK). */
    private static final List<Heap> ALL = new ArrayList<>();
    private static int nextId;

    static final int STRIPES = Integer.highestOneBit(
            Math.max(2, Config.integer("sharedHeaps", 2 * Runtime.getRuntime().availableProcessors())) * 2 - 1);
    private static final Heap[] SHARED = new Heap[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) {
            SHARED[i] = new Heap(-2 - i, true);
        }
    }

    /** Counters of heaps retired after their thread died ({@link Heap#addCounters} layout), guarded by LOCK. */
    private static final long[] RETIRED = new long[SizeClasses.COUNT * 4];
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

    static {
        Decay.setHeapDecay(now -> releaseParked(now, false));
    }

    /**
     * Set by a heap that parks a span, cleared by the scan below before it looks: the decay
     * thread walks the heaps only when something was parked since its last walk or a parked span
     * it saw is due, not on every wake-up (it wakes every 10 ms while huge-mapping tails wait).
     */
    static volatile boolean parkedSinceScan;
    /** When the next parked span seen by the last walk falls due, or 0. Decay thread only. */
    private static long parkedDue;

    /** Notes that a span was parked (one read of a shared flag, a write only when it was clear). */
    static void noteParked() {
        if (!parkedSinceScan) {
            parkedSinceScan = true;
        }
    }

    /**
     * Hands the pool the large spans heaps keep parked (see {@link Heap}): those idle for the
     * decay time, or all of them. Any thread; the registry lock only for the list of heaps.
     *
     * @return the next deadline (nanoTime) at which a parked span will be due, or 0 for none
     */
    static long releaseParked(long now, boolean all) {
        if (!all) {
            if (!parkedSinceScan && (parkedDue == 0 || parkedDue - now > 0)) {
                return parkedDue;
            }
            parkedSinceScan = false;
        }
        long next = 0;
        for (Heap h : all()) {
            next = Decay.earlier(next,
                    h.releaseParked(now, Decay.DECAY_NANOS, all));
        }
        if (!all) {
            parkedDue = next;
        }
        return next;
    }

    /** Remote frees by threads with no heap of their own (virtual threads), per class. */
    static final LongAdder[] UNOWNED_FREES = new LongAdder[SizeClasses.COUNT];

    static {
        for (int c = 0; c < UNOWNED_FREES.length; c++) {
            UNOWNED_FREES[c] = new LongAdder();
        }
    }

    /** The heap the current platform thread owns, if it is in the table; else {@code null}. */
    static Heap fast(Thread t) {
        Heap h = HEAPS[(int) t.threadId() & MASK];
        return h.thread == t ? h : null;
    }

    /** The platform thread's own heap, creating or adopting one on first use. Cold. */
    static Heap ofPlatformThread(Thread t) {
        Heap h = fast(t);
        if (h != null) {
            return h;
        }
        h = OVERFLOW.get();
        if (h != null) {
            return h;
        }
        LOCK.lock();
        try {
            h = adoptDead();
            if (h == null) {
                h = new Heap(nextId++, false);
                ALL.add(h);
            }
            h.bind(t);
            int slot = (int) t.threadId() & MASK;
            Heap there = HEAPS[slot];
            if (there == NOBODY || there.thread == null || !there.thread.isAlive()) {
                if (h.tableSlot >= 0 && HEAPS[h.tableSlot] == h) {
                    MAGS[h.tableSlot] = NOBODY.mag;
                    HEAPS[h.tableSlot] = NOBODY;
                }
                HEAPS[slot] = h;
                MAGS[slot] = h.mag;
                h.tableSlot = slot;
            } else {
                OVERFLOW.set(h);
            }
            return h;
        } finally {
            LOCK.unlock();
        }
    }

    /** A heap whose thread has died (its last actions are visible: we saw it dead). Caller holds LOCK. */
    private static Heap adoptDead() {
        for (Heap h : ALL) {
            Thread owner = h.thread;
            if (owner != null && !owner.isAlive()) {
                return h;
            }
        }
        return null;
    }

    /** Claims a shared heap for virtual thread {@code t}; pair with {@link Heap#unclaim()}. */
    static Heap claimShared(Thread t) {
        int i = (int) (t.threadId() * 0x9E3779B9L >>> 16) & (STRIPES - 1);
        for (int spins = 0; ; spins++) {
            Heap h = SHARED[i];
            if (h.tryClaim(t)) {
                return h;
            }
            i = (i + 1) & (STRIPES - 1);
            if ((spins & (STRIPES - 1)) == STRIPES - 1) {
                Thread.yield();
            }
        }
    }

    /**
     * On every 8th call, and every {@link #RECLAIM_INTERVAL} at most: abandons the heaps of dead threads so their spans
     * (and the blocks others free into them later) serve other threads. Called on the slow path
     * before a heap asks the pool for a span; never with the pool lock held.
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
                Thread owner = h.thread;
                if (owner == null || owner.isAlive()) {
                    continue;
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
                h.addCounters(RETIRED);
                if (h.tableSlot >= 0 && HEAPS[h.tableSlot] == h) {
                    MAGS[h.tableSlot] = NOBODY.mag;
                    HEAPS[h.tableSlot] = NOBODY;
                }
                h.bind(null);
                ALL.remove(i);
                heapsRetired++;
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
     * Java-heap bytes of allocator metadata held by thread heaps (magazines, counters, span
     * lists), platform and shared: an estimate from the arrays' sizes.
     */
    public static long heapMetadataBytes() {
        long perHeap = 16 + 8L * (1 + SizeClasses.COUNT * Heap.STRIDE)
                + 16 + 8L * (SizeClasses.COUNT << Heap.CTR_SHIFT)
                + 3 * (16 + 4L * SizeClasses.COUNT) + 64;
        LOCK.lock();
        try {
            return perHeap * (ALL.size() + STRIPES);
        } finally {
            LOCK.unlock();
        }
    }

    /** A snapshot of all heaps, for stats and trim. */
    static List<Heap> all() {
        LOCK.lock();
        try {
            List<Heap> l = new ArrayList<>(ALL);
            l.addAll(List.of(SHARED));
            return l;
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Counters of all heaps summed: {@code [c*4 + k]} with k = 0 allocations, 1 frees,
     * 2 refills, 3 remote frees.
     */
    public static long[] counters() {
        long[] sum = new long[SizeClasses.COUNT * 4];
        for (Heap h : all()) {
            h.addCounters(sum);
        }
        LOCK.lock();
        try {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += RETIRED[i];
            }
        } finally {
            LOCK.unlock();
        }
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long n = UNOWNED_FREES[c].sum();
            sum[c * 4 + 1] += n;
            sum[c * 4 + 3] += n;
        }
        return sum;
    }

    /**
     * Gives back everything this thread can reach safely: the calling thread's own heap, every
     * shared heap not held right now, and the heaps of exited threads (abandoned to the pool).
     */
    public static void flushReachable() {
        Thread me = Thread.currentThread();
        if (!me.isVirtual()) {
            ofPlatformThread(me).flushAll();
        }
        for (Heap h : SHARED) {
            if (h.tryClaim(me)) {
                try {
                    h.flushAll();
                } finally {
                    h.unclaim();
                }
            }
        }
        reclaimDead(true);
        releaseParked(System.nanoTime(), true);
    }
}
