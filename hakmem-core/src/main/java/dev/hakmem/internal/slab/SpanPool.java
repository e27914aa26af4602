package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.DecayClock;

import java.util.ArrayList;

/**
 * The shared span pool: hands spans of 64 KiB slabs to thread heaps and takes empty spans back.
 * All of it runs under one lock, {@link PoolLock}, on the cold path (a heap comes here once per
 * span, i.e. once per hundreds or thousands of blocks); {@link SpanCache}, {@link Orphans} and
 * {@link SuperSlabCache} hold the rest of its state under the same lock.
 *
 * <p>Acquisition goes through hakmem's stages, each counted:
 * <ol start="0">
 * <li>(stage 0.5) an empty span of the class kept by the {@link SpanCache} (large classes), or a
 *     run of EMPTY slab slots in a SuperSlab in use: slots whose span was given back and whose
 *     pages are still resident ({@code touchedMask}); they may change class, and the slots of
 *     kept spans of other classes are dissolved for it before a new SuperSlab is taken;</li>
 * <li>(stage 1) a partly used span left by a thread that died ({@link Orphans});</li>
 * <li>(stage 2) a run of never-used slots of a SuperSlab in use;</li>
 * <li>(stage 3) a wholly empty SuperSlab from the {@link SuperSlabCache} (already mapped);</li>
 * <li>(stage 4) a new SuperSlab: one {@code mmap} over a reservation slot.</li>
 * </ol>
 *
 * <p><b>Release.</b> A released span's blocks' bits are cleared at once ({@link Span#clearShadow()},
 * proportional to the blocks it carved), so formatting a span over clean slots
 * ({@link SuperSlab#shadowDirty}) clears nothing and does not touch fresh shadow pages. A large
 * span goes to the {@link SpanCache}; any other is dissolved: its slots become free, and a
 * SuperSlab whose last span goes is cached or released.
 *
 * <p><b>Decay.</b> Memory the pool holds without using it is given back after the decay time:
 * kept spans are dissolved, free slots whose pages are resident are purged with
 * {@code madvise(MADV_DONTNEED)}, and so are cached SuperSlabs (which stay mapped for reuse).
 */
public final class SpanPool {
    private SpanPool() {}

    public static final int STAGE_EMPTY = 0;
    public static final int STAGE_PARTIAL = 1;
    public static final int STAGE_UNUSED = 2;
    public static final int STAGE_CACHE = 3;
    public static final int STAGE_MMAP = 4;
    private static final String[] STAGE_NAMES = {"0.5 empty slab", "1 partial slab", "2 unused slot",
        "3 cached SuperSlab", "4 mmap"};

    /** ACTIVE SuperSlabs with at least one free slot. */
    private static final ArrayList<SuperSlab> WITH_FREE = new ArrayList<>();
    private static final long[] STAGE_HITS = new long[5];

    /**
     * A new span of class {@code cls} owned by {@code owner}.
     *
     * @throws OutOfMemoryError when the memory limit or the OS refuses a new SuperSlab
     */
    static Span acquire(Heap owner, int cls) {
        int k = SizeClasses.spanSlabs(cls);
        int align = SizeClasses.spanAlignmentSlots(cls);
        Span s = null;
        PoolLock.lock();
        try {
            if (!Orphans.isEmpty()) {
                s = Orphans.take(owner, cls);
                if (s != null) {
                    STAGE_HITS[STAGE_PARTIAL]++;
                }
            }
            if (s == null && cls >= SizeClasses.SMALL_COUNT) {
                s = SpanCache.take(owner, cls);
                if (s != null) {
                    STAGE_HITS[STAGE_EMPTY]++;
                }
            }
            if (s == null) {
                s = fromActive(owner, cls, k, align);
            }
            while (s == null && !SpanCache.isEmpty()) {
                // cross-class recycling: the slots of kept spans of other classes come first;
                // only the SuperSlab of the span just dissolved can have changed
                SuperSlab ss = SpanCache.dissolveOldest();
                int first = ss.state == SuperSlab.ACTIVE ? findRun(ss.usedMask, -1, k, align) : -1;
                if (first >= 0) {
                    STAGE_HITS[STAGE_EMPTY]++;
                    s = format(ss, first, k, cls, owner);
                }
            }
            if (s == null) {
                SuperSlab ss = SuperSlabCache.pollCached();
                int stage = STAGE_CACHE;
                if (ss == null) {
                    ss = SuperSlabCache.commitNew();
                    stage = STAGE_MMAP;
                }
                ss.state = SuperSlab.ACTIVE;
                WITH_FREE.add(ss);
                STAGE_HITS[stage]++;
                s = format(ss, 0, k, cls, owner);
            }
            assert s.owner == owner && s.list == SpanLists.NONE : "acquired span not handed over: " + s;
            // a heap holds memory: the decay thread watches the heaps from now on (see HeapDecay.decayHeaps)
            DecayClock.wake();
        } finally {
            PoolLock.unlock();
        }
        return s;
    }

    /**
     * Stages 0.5 and 2: a run of free slots in a SuperSlab in use, preferably one whose pages are
     * still resident (first fit, most recently listed SuperSlab first), else never-used slots.
     */
    private static Span fromActive(Heap owner, int cls, int k, int align) {
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
        int m = SuperSlab.runMask(coldFirst, k);
        STAGE_HITS[(cold.touchedMask & m) == m ? STAGE_EMPTY : STAGE_UNUSED]++;
        return format(cold, coldFirst, k, cls, owner);
    }

    /**
     * First slot, a multiple of {@code align}, of {@code k} consecutive free slots that all lie
     * in {@code within}, or -1.
     */
    static int findRun(int usedMask, int within, int k, int align) {
        int ok = ~usedMask & within;
        for (int first = 0; first + k <= SuperSlab.SLABS; first += align) {
            int m = SuperSlab.runMask(first, k);
            if ((ok & m) == m) {
                return first;
            }
        }
        return -1;
    }

    private static Span format(SuperSlab ss, int first, int k, int cls, Heap owner) {
        Span s = new Span(ss, first, k, cls);
        int m = SuperSlab.runMask(first, k);
        assert (ss.usedMask & m) == 0 : "slots already used: " + ss + " " + Integer.toHexString(m);
        if ((ss.shadowDirty & m) != 0) {
            Shadow.clear(s.base, (long) k << SizeClasses.SLAB_SHIFT);
        }
        ss.shadowDirty |= m;
        s.setOwner(owner);
        ss.usedMask |= m;
        s.coldSlots = m & ~ss.touchedMask;
        ss.touchedMask |= m;
        ss.everUsedMask |= m;
        SpanMap.map(s, true);
        if (ss.usedMask == -1) {
            WITH_FREE.remove(ss);
        }
        return s;
    }

    /** Takes back an empty span (used == 0). The span object is dead afterwards, unless the span cache keeps it. */
    static void release(Span s) {
        release(s, System.nanoTime());
    }

    /** Takes back an empty span idle since {@code idleSince} (nanoTime), e.g. one a heap kept parked. */
    static void release(Span s, long idleSince) {
        PoolLock.lock();
        try {
            releaseLocked(s, idleSince);
        } finally {
            PoolLock.unlock();
        }
    }

    /** {@link #release}, lock held. */
    static void releaseLocked(Span s, long now) {
        assert PoolLock.isHeldByCurrentThread() : "pool lock not held";
        assert s.used == 0 && s.list == SpanLists.NONE : "released span not empty or still listed: " + s;
        s.setOwner(null);
        s.forgetPurges();
        s.clearShadow();
        if (SpanCache.fits(s)) {
            SpanCache.keep(s, now);
            return;
        }
        dissolve(s, now);
    }

    /**
     * Unmakes span {@code s}, released (its shadow bits cleared): its slots free again and clean in
     * its SuperSlab, which goes to the {@link SuperSlabCache} if that was its last span.
     * {@code idleSince}: when the span's memory became idle, for decay. Lock held.
     */
    static void dissolve(Span s, long idleSince) {
        assert PoolLock.isHeldByCurrentThread() : "pool lock not held";
        SuperSlab ss = s.ss;
        SpanMap.map(s, false);
        int m = SuperSlab.runMask(s.firstSlot, s.slots);
        ss.shadowDirty &= ~m;
        boolean wasFull = ss.usedMask == -1;
        ss.usedMask &= ~m;
        ss.idleSince = idleSince;
        if (ss.usedMask == 0) {
            WITH_FREE.remove(ss);
            SuperSlabCache.emptied(ss);
        } else {
            if (wasFull) {
                WITH_FREE.add(ss);
            }
            DecayClock.schedule(ss.idleSince + DecayClock.DECAY_NANOS);
        }
    }

    /** Gives every kept span, every cached SuperSlab and every free resident slot back to the OS. */
    public static void trim() {
        PoolLock.lock();
        try {
            SpanCache.clear();
            SuperSlabCache.trim();
            for (SuperSlab ss : WITH_FREE) {
                ss.purgeIdleSlots();
            }
        } finally {
            PoolLock.unlock();
        }
    }

    /**
     * The pool's decay pass: gives back what has been idle since before {@code now - DECAY}: kept
     * spans (dissolved), resident free slots of SuperSlabs in use and cached SuperSlabs.
     *
     * @return the next deadline, or {@link DecayClock#NONE}
     */
    public static long decay(long now) {
        PoolLock.lock();
        try {
            long next = SpanCache.decay(now);
            for (SuperSlab ss : WITH_FREE) {
                next = DecayClock.earlier(next, ss.decayIdleSlots(now, DecayClock.DECAY_NANOS));
            }
            return DecayClock.earlier(next, SuperSlabCache.decay(now));
        } finally {
            PoolLock.unlock();
        }
    }

    static {
        if (Config.flag("sharedPoolStageStats", false)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.print(stageReport()), "hakmem-stage-stats"));
        }
    }

    /** The stages' names, in the order of {@link #stageHits()}. */
    public static String[] stageNames() {
        return STAGE_NAMES.clone();
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
        PoolLock.lock();
        try {
            return SuperSlabCache.committed();
        } finally {
            PoolLock.unlock();
        }
    }

    /** Orphaned spans waiting for a new owner. */
    public static int orphans() {
        return Orphans.count();
    }

    /** Acquisitions per stage (index {@link #STAGE_EMPTY} .. {@link #STAGE_MMAP}). */
    public static long[] stageHits() {
        PoolLock.lock();
        try {
            return STAGE_HITS.clone();
        } finally {
            PoolLock.unlock();
        }
    }
}
