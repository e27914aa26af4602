package dev.hakmem.internal.pool;

import dev.hakmem.internal.Config;
import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.os.Reservation;
import dev.hakmem.internal.size.SizeClasses;
import dev.hakmem.internal.slab.Shadow;
import dev.hakmem.internal.slab.Slab;
import dev.hakmem.internal.slab.SlabOwner;
import dev.hakmem.internal.slab.SuperSlab;
import dev.hakmem.internal.slab.SuperSlabs;
import dev.hakmem.internal.stats.Events;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The shared slab pool: hands spans of 64 KiB slabs to thread heaps and takes empty spans back.
 * All of it runs under one lock, on the cold path (a heap comes here once per span, i.e. once
 * per hundreds or thousands of blocks).
 *
 * <p>Acquisition goes through hakmem's stages, each counted:
 * <ol start="0">
 * <li>(stage 0.5) a run of EMPTY slab slots in a SuperSlab in use: slots whose span was given
 *     back empty and whose pages are still resident ({@code touchedMask}); they may change class;</li>
 * <li>(stage 1) reserved for partly used spans left by exited threads (see the thread issue);</li>
 * <li>(stage 2) a run of never-used slots of a SuperSlab in use;</li>
 * <li>(stage 3) a wholly empty SuperSlab from the SuperSlab cache (already mapped);</li>
 * <li>(stage 4) a new SuperSlab: one {@code mmap} over a reservation slot.</li>
 * </ol>
 * A SuperSlab whose last span is released goes to the cache (at most {@code hakmem.superSlabCache},
 * default 32, i.e. 64 MiB of address space whose pages decay returns after the decay time); past
 * that bound it is released to the OS.
 *
 * <p><b>Span cache.</b> An empty span of a large class (above 32 KiB, one or a few blocks per
 * span) would otherwise come back here on every free and go out again on the next allocation of
 * its class. The pool keeps such spans formatted and mapped, per class, up to
 * {@code hakmem.spanCacheBytes} (default 32 MiB) in all, and hands them out again first (counted
 * as stage 0.5). A kept span is dissolved, oldest first, when the bound is reached, when another
 * class needs its slots (cross-class recycling), when it has been idle for the decay time, and on
 * {@link #trim()}.
 *
 * <p><b>Shadow.</b> A span's blocks' bits are cleared when it is released
 * ({@link Slab#clearShadow()}, proportional to the blocks it carved), so formatting a span over
 * clean slots ({@link SuperSlab#shadowDirty}) clears nothing and does not touch fresh shadow pages.
 *
 * <p><b>Decay.</b> Memory the pool holds without using it is given back after
 * {@link Decay#DECAY_NANOS}: free slots whose pages are resident are purged with
 * {@code madvise(MADV_DONTNEED)}, and so are cached SuperSlabs (which stay mapped for reuse).
 * The {@link Decay} thread sleeps until the earliest such deadline and not at all when there is
 * none.
 */
public final class SlabPool {
    private SlabPool() {}

    public static final int STAGE_EMPTY = 0;
    public static final int STAGE_PARTIAL = 1;
    public static final int STAGE_UNUSED = 2;
    public static final int STAGE_CACHE = 3;
    public static final int STAGE_MMAP = 4;
    public static final String[] STAGE_NAMES = {"0.5 empty slab", "1 partial slab", "2 unused slot",
        "3 cached SuperSlab", "4 mmap"};

    /** Bound of the empty-SuperSlab cache. */
    public static final int CACHE_MAX = Math.max(0, Config.integer("superSlabCache", 32));
    /** Bound of the bytes of empty large-class spans kept formatted for reuse. */
    public static final long SPAN_CACHE_BYTES = Math.max(0, Config.size("spanCacheBytes", 32L << 20));

    private static final ReentrantLock LOCK = new ReentrantLock();
    /** ACTIVE SuperSlabs with at least one free slot. */
    private static final ArrayList<SuperSlab> WITH_FREE = new ArrayList<>();
    /** CACHED SuperSlabs (committed, no span), most recently emptied last. */
    private static final ArrayDeque<SuperSlab> CACHE = new ArrayDeque<>();
    /** Partly used spans whose heap's thread died (stage 1), ownerless: the pool acts as their owner. */
    private static final ArrayList<Slab> ORPHANS = new ArrayList<>();
    /** Reservation slots released to the OS, reusable. */
    private static final ArrayDeque<SuperSlab> RELEASED = new ArrayDeque<>();
    private static int nextSlot;
    private static int committed;
    private static final long[] STAGE_HITS = new long[5];
    /** Empty spans of large classes kept for reuse, per class (index cls - SMALL_COUNT), oldest first. */
    @SuppressWarnings("unchecked")
    private static final ArrayDeque<Slab>[] KEPT = new ArrayDeque[SizeClasses.COUNT - SizeClasses.SMALL_COUNT];
    private static long keptBytes;

    static {
        for (int i = 0; i < KEPT.length; i++) {
            KEPT[i] = new ArrayDeque<>();
        }
    }

    /**
     * A new span of class {@code cls} owned by {@code owner}.
     *
     * @throws OutOfMemoryError when the memory limit or the OS refuses a new SuperSlab
     */
    public static Slab acquire(SlabOwner owner, int cls) {
        int k = SizeClasses.spanSlabs(cls);
        int align = SizeClasses.spanAlignmentSlots(cls);
        LOCK.lock();
        try {
            Slab s = ORPHANS.isEmpty() ? null : fromOrphans(owner, cls);
            if (s == null && cls >= SizeClasses.SMALL_COUNT) {
                s = fromKept(owner, cls);
            }
            if (s == null) {
                s = fromActive(owner, cls, k, align);
            }
            while (s == null && keptBytes > 0) {
                // cross-class recycling: the slots of kept spans of other classes come first;
                // only the SuperSlab of the span just dissolved can have changed
                SuperSlab ss = dissolveOldestKept();
                int first = ss.state == SuperSlab.ACTIVE ? findRun(ss.usedMask, -1, k, align) : -1;
                if (first >= 0) {
                    STAGE_HITS[STAGE_EMPTY]++;
                    s = format(ss, first, k, cls, owner);
                }
            }
            if (s == null) {
                SuperSlab ss = CACHE.pollLast();
                int stage = STAGE_CACHE;
                if (ss == null) {
                    ss = commitNew();
                    stage = STAGE_MMAP;
                }
                ss.state = SuperSlab.ACTIVE;
                WITH_FREE.add(ss);
                STAGE_HITS[stage]++;
                s = format(ss, 0, k, cls, owner);
            }
            return s;
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Stage 1: an orphaned span of class {@code cls} with blocks available. On the way, collects
     * the remote frees queued on orphans (the pool owns them) and releases those that empty.
     */
    private static Slab fromOrphans(SlabOwner owner, int cls) {
        Slab found = null;
        for (int i = ORPHANS.size() - 1; i >= 0; i--) {
            Slab s = ORPHANS.get(i);
            if (s.claimPending()) {
                dev.hakmem.internal.remote.RemoteFree.collect(s);
            }
            if (s.used == 0) {
                ORPHANS.remove(i);
                releaseLocked(s);
            } else if (found == null && s.cls == cls && !s.exhausted()) {
                ORPHANS.remove(i);
                found = s;
            }
        }
        if (found != null) {
            found.owner = owner;
            found.ownerThread = owner.platformThread;
            STAGE_HITS[STAGE_PARTIAL]++;
            if (found.remotePending != 0) {
                owner.remoteHint = 1;
            }
        }
        return found;
    }

    /** Takes a partly used span whose heap's thread died; it waits for stage 1. */
    public static void orphan(Slab s) {
        LOCK.lock();
        try {
            s.owner = null;
            s.ownerThread = null;
            s.hotMag = null;
            ORPHANS.add(s);
        } finally {
            LOCK.unlock();
        }
    }

    /** Orphaned spans waiting for a new owner. */
    public static int orphans() {
        LOCK.lock();
        try {
            return ORPHANS.size();
        } finally {
            LOCK.unlock();
        }
    }

    /** Stage 0.5 for large classes: an empty span of class {@code cls} the pool kept formatted. */
    private static Slab fromKept(SlabOwner owner, int cls) {
        Slab s = KEPT[cls - SizeClasses.SMALL_COUNT].pollLast();
        if (s == null) {
            return null;
        }
        keptBytes -= s.bytes();
        s.reuse(owner);
        STAGE_HITS[STAGE_EMPTY]++;
        return s;
    }

    /** Dissolves the kept span that has been idle longest and returns its SuperSlab. Lock held, keptBytes > 0. */
    private static SuperSlab dissolveOldestKept() {
        ArrayDeque<Slab> oldest = null;
        for (ArrayDeque<Slab> q : KEPT) {
            Slab head = q.peekFirst();
            if (head != null && (oldest == null || head.idleSince - oldest.peekFirst().idleSince < 0)) {
                oldest = q;
            }
        }
        return dissolveKept(oldest);
    }

    /** Dissolves the oldest kept span of queue {@code q} and returns its SuperSlab. Lock held. */
    private static SuperSlab dissolveKept(ArrayDeque<Slab> q) {
        Slab s = q.pollFirst();
        keptBytes -= s.bytes();
        dissolve(s, s.idleSince);
        return s.ss;
    }

    /**
     * Stages 0.5 and 2: a run of free slots in a SuperSlab in use, preferably one whose pages are
     * still resident (first fit, most recently listed SuperSlab first), else never-used slots.
     */
    private static Slab fromActive(SlabOwner owner, int cls, int k, int align) {
        SuperSlab cold = null;
        int coldFirst = -1;
        for (int i = WITH_FREE.size() - 1; i >= 0; i--) {
            SuperSlab ss = WITH_FREE.get(i);
            int first = findRun(ss.usedMask, ss.touchedMask, k, align);
            if (first >= 0) {
                STAGE_HITS[STAGE_EMPTY]++;
                return format(ss, first, k, cls, owner);
            }
            if (cold == null && (first = findRun(ss.usedMask, -1, k, align)) >= 0) {
                cold = ss;
                coldFirst = first;
            }
        }
        if (cold == null) {
            return null;
        }
        int m = runMask(coldFirst, k);
        STAGE_HITS[(cold.touchedMask & m) == m ? STAGE_EMPTY : STAGE_UNUSED]++;
        return format(cold, coldFirst, k, cls, owner);
    }

    private static int runMask(int first, int k) {
        return (int) (((1L << k) - 1) << first);
    }

    /**
     * First slot, a multiple of {@code align}, of {@code k} consecutive free slots that all lie
     * in {@code within}, or -1.
     */
    static int findRun(int usedMask, int within, int k, int align) {
        int ok = ~usedMask & within;
        for (int first = 0; first + k <= SuperSlab.SLABS; first += align) {
            int m = runMask(first, k);
            if ((ok & m) == m) {
                return first;
            }
        }
        return -1;
    }

    private static Slab format(SuperSlab ss, int first, int k, int cls, SlabOwner owner) {
        Slab s = new Slab(ss, first, k, cls);
        int m = runMask(first, k);
        if ((ss.shadowDirty & m) != 0) {
            Shadow.clear(s.base, (long) k << SizeClasses.SLAB_SHIFT);
        }
        ss.shadowDirty |= m;
        s.owner = owner;
        s.ownerThread = owner.platformThread;
        ss.usedMask |= m;
        ss.touchedMask |= m;
        s.map(true);
        if (ss.usedMask == -1) {
            WITH_FREE.remove(ss);
        }
        return s;
    }

    private static SuperSlab commitNew() {
        if (!MemoryBudget.tryCharge(Reservation.UNIT)) {
            throw new OutOfMemoryError(MemoryBudget.limitMessage(Reservation.UNIT));
        }
        SuperSlab ss = RELEASED.pollFirst();
        if (ss == null) {
            if (nextSlot >= SuperSlabs.SLOTS) {
                MemoryBudget.credit(Reservation.UNIT);
                throw new OutOfMemoryError(Reservation.FAILURE != null ? Reservation.FAILURE
                        : "hakmem: the reservation of " + (Reservation.SIZE >> 20) + " MiB is full (set hakmem.reserve higher)");
            }
            ss = SuperSlabs.slot(nextSlot++);
        }
        if (!Reservation.commit(ss.base, Reservation.UNIT)) {
            MemoryBudget.credit(Reservation.UNIT);
            RELEASED.addFirst(ss);
            throw new OutOfMemoryError("hakmem: mmap of a 2 MiB SuperSlab at 0x" + Long.toHexString(ss.base)
                    + " failed");
        }
        committed++;
        Events.superSlabMapped(ss.base, Reservation.UNIT);
        ss.usedMask = 0;
        ss.touchedMask = 0;
        return ss;
    }

    /** Takes back an empty span (used == 0). The span object is dead afterwards. */
    public static void release(Slab s) {
        release(s, System.nanoTime());
    }

    /** Takes back an empty span idle since {@code idleSince} (nanoTime), e.g. one a heap kept parked. */
    public static void release(Slab s, long idleSince) {
        LOCK.lock();
        try {
            releaseLocked(s, idleSince);
        } finally {
            LOCK.unlock();
        }
    }

    private static void releaseLocked(Slab s) {
        releaseLocked(s, System.nanoTime());
    }

    private static void releaseLocked(Slab s, long now) {
        s.owner = null;
        s.ownerThread = null;
        s.hotMag = null;
        s.clearShadow();
        long bytes = s.bytes();
        if (s.cls >= SizeClasses.SMALL_COUNT && bytes <= SPAN_CACHE_BYTES) {
            while (keptBytes + bytes > SPAN_CACHE_BYTES) {
                dissolveOldestKept();
            }
            s.remotePending = 0;
            s.idleSince = now;
            KEPT[s.cls - SizeClasses.SMALL_COUNT].addLast(s);
            keptBytes += bytes;
            Decay.schedule(now + Decay.DECAY_NANOS);
            return;
        }
        dissolve(s, now);
    }

    /**
     * Unmakes span {@code s}, released (its shadow bits cleared by {@link #releaseLocked}): its
     * slots free again and clean in its SuperSlab, which goes to the cache (or to the OS) if that
     * was its last span. {@code idleSince}: when the span's memory became idle, for decay. Lock held.
     */
    private static void dissolve(Slab s, long idleSince) {
        SuperSlab ss = s.ss;
        s.map(false);
        int m = runMask(s.firstSlot, s.slots);
        ss.shadowDirty &= ~m;
        boolean wasFull = ss.usedMask == -1;
        ss.usedMask &= ~m;
        ss.idleSince = idleSince;
        if (ss.usedMask == 0) {
            WITH_FREE.remove(ss);
            if (CACHE.size() < CACHE_MAX) {
                ss.state = SuperSlab.CACHED;
                CACHE.addLast(ss);
                Decay.schedule(ss.idleSince + Decay.DECAY_NANOS);
            } else {
                releaseToOs(ss);
            }
        } else {
            if (wasFull) {
                WITH_FREE.add(ss);
            }
            Decay.schedule(ss.idleSince + Decay.DECAY_NANOS);
        }
    }

    private static void releaseToOs(SuperSlab ss) {
        if (!decommit(ss)) {
            // could not give it back: keep it usable
            ss.state = SuperSlab.CACHED;
            CACHE.addLast(ss);
        }
    }

    /** Gives a wholly empty SuperSlab's memory (and its shadow) back to the OS; its slot stays reusable. Lock held. */
    private static boolean decommit(SuperSlab ss) {
        if (!Reservation.decommit(ss.base, Reservation.UNIT)) {
            return false;
        }
        Shadow.purge(ss.base);
        ss.shadowDirty = 0;
        MemoryBudget.credit(Reservation.UNIT);
        committed--;
        Events.superSlabUnmapped(ss.base, Reservation.UNIT);
        ss.state = SuperSlab.RELEASED;
        ss.touchedMask = 0;
        RELEASED.addLast(ss);
        return true;
    }

    /** Gives every cached SuperSlab and every free resident slot back to the OS. */
    public static void trim() {
        LOCK.lock();
        try {
            while (keptBytes > 0) {
                dissolveOldestKept();
            }
            while (!CACHE.isEmpty()) {
                SuperSlab ss = CACHE.pollFirst();
                if (!decommit(ss)) {
                    CACHE.addFirst(ss);
                    break;
                }
            }
            for (SuperSlab ss : WITH_FREE) {
                purgeIdleSlots(ss);
            }
        } finally {
            LOCK.unlock();
        }
    }

    /** madvise(DONTNEED) every resident free slot of {@code ss}, in runs. Lock held. */
    private static void purgeIdleSlots(SuperSlab ss) {
        int idle = ss.touchedMask & ~ss.usedMask;
        while (idle != 0) {
            int first = Integer.numberOfTrailingZeros(idle);
            int len = Integer.numberOfTrailingZeros(~(idle >>> first));
            if (len == 0 || first + len > 32) {
                len = 32 - first;
            }
            if (Os.madvise(ss.base + ((long) first << SizeClasses.SLAB_SHIFT),
                    (long) len << SizeClasses.SLAB_SHIFT, Os.MADV_DONTNEED)) {
                ss.touchedMask &= ~runMask(first, len);
            }
            idle &= ~runMask(first, len);
        }
    }

    /**
     * Purges what has been idle since before {@code now - DECAY}: kept spans (dissolved), resident
     * free slots of SuperSlabs in use and cached SuperSlabs. Called by the decay thread.
     *
     * @return the next deadline (nanoTime), or 0 if nothing idle is left resident
     */
    static long decay(long now) {
        LOCK.lock();
        try {
            long next = 0;
            for (ArrayDeque<Slab> q : KEPT) {
                for (Slab s = q.peekFirst(); s != null; s = q.peekFirst()) {
                    long due = s.idleSince + Decay.DECAY_NANOS;
                    if (due - now > 0) {
                        next = Decay.earlier(next, due);
                        break;
                    }
                    dissolveKept(q);
                }
            }
            for (SuperSlab ss : WITH_FREE) {
                if ((ss.touchedMask & ~ss.usedMask) == 0) {
                    continue;
                }
                long due = ss.idleSince + Decay.DECAY_NANOS;
                if (due - now <= 0) {
                    purgeIdleSlots(ss);
                } else {
                    next = Decay.earlier(next, due);
                }
            }
            for (SuperSlab ss : CACHE) {
                if (ss.touchedMask == 0) {
                    continue;
                }
                long due = ss.idleSince + Decay.DECAY_NANOS;
                if (due - now <= 0) {
                    purgeIdleSlots(ss);
                } else {
                    next = Decay.earlier(next, due);
                }
            }
            return next;
        } finally {
            LOCK.unlock();
        }
    }

    static {
        if (Config.flag("sharedPoolStageStats", false)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(stageReport()), "hakmem-stage-stats"));
        }
    }

    /** The per-stage report printed at exit when {@code HAKMEM_SHARED_POOL_STAGE_STATS=1}. */
    public static String stageReport() {
        long[] hits = stageHits();
        long total = 0;
        for (long h : hits) {
            total += h;
        }
        StringBuilder sb = new StringBuilder("hakmem shared pool: span acquisitions by stage\n");
        for (int i = 0; i < hits.length; i++) {
            sb.append(String.format("  stage %-20s %12d  %5.1f %%%n", STAGE_NAMES[i], hits[i],
                    total == 0 ? 0.0 : 100.0 * hits[i] / total));
        }
        sb.append(String.format("  %-26s %12d%n", "total", total));
        return sb.toString();
    }

    /** SuperSlabs currently committed. */
    public static int committed() {
        return committed;
    }

    /** Acquisitions per stage (index {@link #STAGE_EMPTY} .. {@link #STAGE_MMAP}). */
    public static long[] stageHits() {
        LOCK.lock();
        try {
            return STAGE_HITS.clone();
        } finally {
            LOCK.unlock();
        }
    }
}
