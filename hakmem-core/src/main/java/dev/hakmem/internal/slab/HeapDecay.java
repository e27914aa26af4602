package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.DecayClock;

import java.util.concurrent.atomic.LongAdder;

/**
 * What goes back from the thread heaps, and when: the decay thread's passes over the heaps
 * ({@link #decayParked}, {@link #decayHeaps}: parked spans handed to the pool, sweeps asked for,
 * idle heaps of blocked owners borrowed and emptied, dead threads' heaps retired), a thread's own
 * periodic trim ({@link #trimOwnIfIdle}) and {@code trim()}'s reach ({@link #flushReachable}).
 * The heaps themselves and their registry: {@link Heap}, {@link Heaps}.
 *
 * <pre>
 * who empties a platform thread's heap        when
 *   the owner (emptyOwn)                      trimOwnIfIdle after an idle period; trim()
 *   the decay thread (borrow, emptyBorrowed)  idle for a decay time and the owner blocked
 *   a trim() on another thread (borrow)       the owner blocked right now
 * </pre>
 */
public final class HeapDecay {
    private HeapDecay() {}

    /** Heaps borrowed so far (decay and trim): {@link #borrows()}. */
    private static final LongAdder BORROWS = new LongAdder();

    /** Heaps of blocked threads emptied by another thread so far (the decay thread, a trim). */
    public static long borrows() {
        return BORROWS.sum();
    }

    /** Times the decay thread nudged a running heap's owner to serve a pending sweep ({@link Heap#nudge}; for tests). */
    static final LongAdder NUDGES = new LongAdder();

    /**
     * The decay pass over the heaps' parked spans: hands the pool those idle for the decay time,
     * walking the heaps only when something was parked since the last walk or is due (see
     * {@link ParkedSpans}). Decay thread only.
     *
     * @return the next deadline, or {@link DecayClock#NONE}
     */
    public static long decayParked(long now) {
        if (!ParkedSpans.walkDue(now)) {
            return ParkedSpans.nextDue();
        }
        long next = DecayClock.NONE;
        for (Heap h : Heaps.all()) {
            next = DecayClock.earlier(next, h.handOverParked(now, false));
        }
        ParkedSpans.walked(next);
        return next;
    }

    /**
     * The decay pass over the thread heaps (besides their parked spans): asks every heap's holder
     * to sweep its spans' free pages on its next slow path, and makes one of the next fast path of
     * a holder that did not come by a slow path since the last pass ({@link Heap#nudge}); empties
     * the heaps idle for a decay time (no slow path, flush or push seen at passes that far apart,
     * {@link Heap#activeAtDecay}) whose owner is blocked (borrowed: magazines flushed, empty
     * spans released, free pages given back; see {@link Heap#tryBorrow}); and retires the heaps of
     * threads that died. Decay thread only.
     *
     * @return the next deadline (one decay time on) while some heap holds memory, else {@link DecayClock#NONE}
     */
    public static long decayHeaps(long now) {
        Heaps.reclaimDead(false);
        boolean holding = false;
        for (Heap h : Heaps.all()) {
            if (h.shared) {
                if (h.holdsMemory() && h.tryClaim(Thread.currentThread())) {
                    try {
                        if (h.activity() == h.activityAtLastDecay) {
                            h.flushAll();
                            h.sweep(true);
                        } else {
                            h.sweep(false);
                        }
                        h.activityAtLastDecay = h.activity();
                    } finally {
                        h.unclaim();
                    }
                }
            } else {
                long activity = h.activity();
                if (activity != h.activityAtLastDecay) {
                    h.activeAtDecay = now;
                }
                // idle for a decay time, not only since the last pass: passes come as often as any
                // of the decay thread's deadlines (the pool's, parked spans'), and a blocked owner
                // may be a carrier whose virtual thread is pinned mid-way (see Heap#tryBorrow)
                if (activity == h.activityAtLastDecay && now - h.activeAtDecay >= DecayClock.DECAY_NANOS
                        && h.holdsMemory() && h.tryBorrow()) {
                    h.idleSinceForReleases = h.activeAtDecay; // idle since then: see emptyBorrowed
                    emptyBorrowed(h);
                } else if (h.requestSweep() && h.nudge()) {
                    NUDGES.increment(); // asked a decay time ago and no slow path since: make one
                }
                h.activityAtLastDecay = activity;
            }
            holding |= h.holdsMemory();
        }
        return holding ? now + DecayClock.DECAY_NANOS : DecayClock.NONE;
    }

    /**
     * Empties the calling platform thread's heap (cached blocks back to their spans, empty spans to
     * the pool, free pages to the OS) when it saw no slow path, flush or local free since the
     * previous call, and was active before that: a thread that idles in native code, such as an
     * event loop waiting in {@code epoll_wait}, is never blocked in the JVM's sense, so the decay
     * thread does not borrow its heap ({@link Heap#tryBorrow}), and having no fast path to run it
     * never comes by the sweep it is asked for. Called from the thread itself, periodically
     * (hakmem-netty schedules it on each event loop). Nothing for a virtual thread (its carrier's
     * heap is not its own), a thread without a heap, or a heap emptied since its last activity.
     *
     * <pre>
     * call k:    activity moved since call k-1   -&gt; recorded, active; false
     * call k+1:  no activity since call k, active -&gt; emptied, not active; true
     * call k+2:  still none                       -&gt; false (nothing new to give back)
     * </pre>
     *
     * @return whether it emptied the heap
     */
    public static boolean trimOwnIfIdle() {
        Thread me = Thread.currentThread();
        if (me.isVirtual()) {
            return false;
        }
        Heap h = Heaps.existing(me);
        if (h == null || h.shared) {
            return false;
        }
        long a = h.activity();
        if (a != h.activityAtOwnTrim) {
            h.activityAtOwnTrim = a;
            h.activeSinceOwnTrim = true;
            return false;
        }
        if (!h.activeSinceOwnTrim) {
            return false;
        }
        emptyOwn(h); // waits for a borrower (the decay thread) to let go of it
        h.activityAtOwnTrim = h.activity(); // the empty's own flushes count as activity
        h.activeSinceOwnTrim = false;
        OWN_TRIMS.increment();
        return true;
    }

    private static final LongAdder OWN_TRIMS = new LongAdder();

    /** Heaps emptied by {@link #trimOwnIfIdle} so far (for tests and diagnostics). */
    static long ownTrims() {
        return OWN_TRIMS.sum();
    }

    /** Empties heap {@code h} of the calling thread (or of its carrier): magazines, empty spans, free pages. */
    private static void emptyOwn(Heap h) {
        long o = h.enterSlow();
        try {
            h.flushAll();
            h.sweep(true);
        } finally {
            h.exitSlow(o);
        }
    }

    /**
     * Empties heap {@code h}, borrowed ({@link Heap#tryBorrow} succeeded), and lets go of it. The
     * spans it releases carry {@link Heap#idleSinceForReleases} when the caller set it (the decay
     * pass, for a heap idle for a decay time: since the pass that last saw it active): their
     * SuperSlabs then go back to the OS a decay time after the heap went idle, in this pass or the
     * next deadline, instead of a decay time after this one (memory freed by a thread that then
     * blocked was back within three passes, past the memory suite's 3 s in a slow JVM: 20-37 MiB
     * above baseline, stop 47).
     */
    private static void emptyBorrowed(Heap h) {
        BORROWS.increment();
        try {
            h.flushAll();
            h.sweep(true);
        } finally {
            h.idleSinceForReleases = 0;
            h.endBorrow();
        }
    }

    /**
     * Gives back everything this thread can reach safely: the calling thread's own heap, the heaps
     * of other threads that are blocked right now (borrowed), every shared heap not held right now,
     * the heaps of exited threads (abandoned to the pool), every heap's parked spans, and the free
     * pages of the spans of all these heaps.
     */
    public static void flushReachable() {
        Thread me = Thread.currentThread();
        if (!me.isVirtual()) {
            emptyOwn(Heaps.ofPlatformThread(me)); // waits for a borrower (the decay thread) to let go of it
        } else {
            Thread c = Carriers.current();
            Heap h = Heaps.fast(c);
            if (h != null && c != me && Heap.carrierHeapIdle(c)) {
                emptyOwn(h);
            }
        }
        for (Heap h : Heaps.all()) {
            if (!h.shared && h.platformThread() != me && h.tryBorrow()) {
                emptyBorrowed(h);
            }
        }
        for (Heap h : SharedHeaps.all()) {
            if (h.tryClaim(me)) {
                try {
                    h.flushAll();
                    h.sweep(true);
                } finally {
                    h.unclaim();
                }
            }
        }
        Heaps.reclaimDead(true);
        long now = System.nanoTime();
        for (Heap h : Heaps.all()) {
            h.handOverParked(now, true);
        }
    }
}
