package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Checks;
import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.DecayClock;
import dev.hakmem.internal.os.Os;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A thread heap: the magazines ({@link Magazines}), the spans it owns ({@link SpanLists}), its
 * parked large spans ({@link ParkedSpans}) and its counters ({@link Counters}), and the
 * operations that move blocks between them, the spans and the pool.
 *
 * <p><b>Who holds a heap.</b> Everything but the parked spans, the remote-free hint and the holder
 * field itself is used only by the thread holding the heap, {@link #holder()}: for a platform
 * thread's heap that thread, for life ({@link #bind}); for a shared heap (virtual threads, see
 * {@link SharedHeaps}) the thread that claimed it ({@link #tryClaim}) until it lets go
 * ({@link #unclaim}). The holder field is written by compare-and-set and released with a
 * release store, so the next holder sees everything the last one did.
 *
 * <p><b>Where a freed block goes.</b> A local free goes into the magazine of its class
 * ({@link Span#ownerMag}), whatever span it belongs to; a flush gives the oldest batch back to the
 * spans, and a span whose blocks are all back leaves for the pool, or, for a large class, waits in
 * the parked slots. Large blocks pin the most, so the sweep the decay thread asks for also gives
 * back the large classes' magazines ({@link #sweep}): a heap in use holds a freed large block for
 * at most about one decay time, as it did when large frees went straight back to their spans.
 *
 * <p><b>Carrier heaps and the BUSY protocol.</b> With {@link Carriers#AVAILABLE}, a virtual thread
 * uses the heap of its carrier (a platform thread) with the platform fast paths, no atomics: the
 * virtual threads mounted on one carrier run one at a time, and one is unmounted only when it
 * blocks, which no fast path does. A slow path (refill, flush, a span leaving) may block on the
 * pool's lock (after spinning for it, see {@link PoolLock}); the virtual thread is then unmounted,
 * another runs on the carrier, and the first may go on later on another carrier. So every slow
 * path brackets itself:
 * <pre>
 * o = enterSlow()            mag[0]: id or STALE(id) -&gt; BUSY (compare-and-set): every fast path on the
 *                            carrier misses from now on; the others on this carrier only run after this one blocked
 * ... slow path ...          may block, and finish on another carrier
 * exitSlow(o)                mag[0] = id, on the heap's own thread (release store: the slow path's last write),
 *                                     or STALE(id) when finishing on another carrier
 * </pre>
 * After anything that may block (a slow path, {@link Heaps#prepareCarrier}), a virtual thread
 * reads its carrier again before it uses a carrier's heap: the one it read before may be running
 * other virtual threads on that heap, and STALE(id) does not keep them out (the first of them
 * re-synchronises it to id at once). So {@link #servedSweep} answers whether the caller is on the
 * heap's carrier, not what the word says.
 *
 * <p><b>The owner word.</b> {@code mag[0]} holds the heap's thread id (its platform thread or
 * carrier), BUSY while a slow path or a borrower ({@link #tryBorrow}) holds the heap, or
 * {@code STALE(id)} after another thread used the heap: a borrower, or a slow path that ended on
 * another carrier; or after the decay thread asked the owner to come by its slow path
 * ({@link #nudge}). Only the heap's own thread writes {@code id} after changing the heap (a borrower
 * that finds the owner running puts back the word it found, having changed nothing). So the fast
 * paths read the word plain ({@link Magazines#ownerPlain}): finding their id, the last change to
 * the heap was made on this same thread, and nothing needs ordering. Anything else is a miss; the
 * slow path reads the word with acquire and turns {@code STALE(id)} back into {@code id}
 * ({@link #resync}), seeing every write of the other thread. (An acquire read on every fast path
 * cost 15 % of tiny-hot: it keeps C2 from scheduling the loads after it.) A virtual thread frees
 * into its carrier's heap on the owner's path ({@link Front#free} with the carrier's id): it runs on
 * that same OS thread, and a fast path never unmounts. A heap whose carrier has died may still be
 * BUSY (its last slow path goes on elsewhere): adoption and retirement skip it until it is not
 * ({@link #quiescent}). For a platform thread's own heap the
 * bracket costs two uncontended atomic operations per slow path.
 *
 * <p>Invariants: every block in the magazines and stashes belongs to a span this heap owns; what
 * the magazines pin is bounded by their capacities (grown in a burst, see {@link Bursts}, for about a
 * decay time after it), what a class's {@link Stash} pins by {@link Stash#ROOMS} rooms (for about a
 * decay time after its last swing), and for one to two decay times the parked spans.
 */
final class Heap {
    final long[] mag = Magazines.create();
    final Counters counters = new Counters();
    private final SpanLists lists = new SpanLists();
    private final ParkedSpans parked = new ParkedSpans();
    /** Lends the free runs of its spans to a small class before it takes a new span. Holder only. */
    final Lender lender = new Lender(this);
    /** Bytes of the small spans the heap holds (the lender's gate). Holder only. */
    private long smallBytes;
    /** Lent blocks the holder freed, not yet back in their leases ({@link #freeLent}). Holder only. */
    private final long[] lentFreed = new long[64];
    private int lentFreedCount;

    /** The clock of the large blocks handed out of this heap's spans, and the share of old ones among them: see {@link LargeSlack}. */
    final LargeSlack.Ages largeAges = new LargeSlack.Ages();

    /** Identity for diagnostics. */
    final int id;
    /** True for heaps shared by virtual threads (claimed per operation). */
    final boolean shared;
    /** Slot in {@link Heaps}' table, or -1. Registry lock. */
    int tableSlot = -1;
    /** When a class's magazine grows in a burst of frees. Holder only. */
    private final Bursts bursts = new Bursts(mag);
    /** Blocks of the classes that loop on more than their magazine's room, held beside it. Holder only. */
    private final Stash stash = new Stash();

    /** {@link #activity()} at the owner's last {@link HeapDecay#trimOwnIfIdle} call, -1 before the first. Owner only. */
    long activityAtOwnTrim = -1;
    /** Whether the heap saw activity since the owner's last {@link HeapDecay#trimOwnIfIdle} emptied it. Owner only. */
    boolean activeSinceOwnTrim;

    /** nanoTime when a scan first found this heap's thread dead, or 0. Registry lock. */
    long deadSince;
    /** {@link #activity()} at the decay thread's last pass. Decay thread only. */
    long activityAtLastDecay = -1;
    /**
     * The time of the decay pass that last saw {@link #activity()} move: the heap has been idle
     * since then at most. Decay thread only.
     */
    long activeAtDecay;
    /**
     * While the decay thread empties this heap, idle for a decay time: {@link #activeAtDecay},
     * the idle-since stamp of the spans it releases (their memory has been idle since then, so the
     * pool gives it back a decay time after that, not a decay time after the empty); else 0 (now).
     * Holder only.
     */
    long idleSinceForReleases;

    /** The thread holding the heap, or null. See the class comment. */
    private volatile Thread thread;
    /** The platform thread owning the heap for life, or null (a shared heap, or none yet). Registry lock. */
    private Thread platformThread;
    /** 1 when one of this heap's spans got its first remote free since the last collect. */
    private volatile int remoteHint;
    /** Set by the decay thread once per decay time: the holder sweeps its spans' free pages on its next slow path. */
    private volatile boolean sweepRequested;
    /** Set by the decay thread when it nudged the holder ({@link #nudge}); cleared by the sweep it serves. */
    private volatile boolean nudged;
    /** When the heap gives back its spans' free pages on its own. Holder only. */
    private final SweepSchedule sweeps = new SweepSchedule();
    /** Which non-resident pages refills fault in ahead of the writes. Holder only. */
    private final Prefaults prefaults = new Prefaults();
    /** The order refills stack the blocks of the classes under 512 bytes in. */
    private final RefillOrder order = new RefillOrder();
    /**
     * Made for a platform thread whose first operation was a remote free, to count its frees
     * ({@link Heaps#forCounting}): the thread's first refill may swap it for a dead thread's heap
     * ({@link Heaps#adoptForCountingHeap}). Owner only (set under the registry lock by the owner itself).
     */
    boolean countsOnly;

    private static final VarHandle THREAD;
    private static final VarHandle HINT;

    static {
        try {
            THREAD = MethodHandles.lookup().findVarHandle(Heap.class, "thread", Thread.class);
            HINT = MethodHandles.lookup().findVarHandle(Heap.class, "remoteHint", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Heap(int id, boolean shared) {
        this.id = id;
        this.shared = shared;
    }

    /** Java-heap bytes of one heap: its object and every array it owns (an estimate, for stats). */
    static long footprint() {
        return 64 + 16 + 8L * Magazines.SLOTS + Bursts.footprint() + Stash.footprint() + SweepSchedule.footprint()
                + Counters.footprint() + SpanLists.footprint() + ParkedSpans.footprint() + Prefaults.footprint()
                + 16 + 8L * 64 + Lender.footprint() + RefillOrder.footprint();
    }

    // ------------------------------------------------------------------ holder

    /** The thread holding the heap now, or null (volatile read). */
    Thread holder() {
        return thread;
    }

    /** The platform thread owning the heap for life, or null. */
    Thread platformThread() {
        return platformThread;
    }

    /**
     * Makes platform thread {@code t} (or nobody) the owner for life and tells every span the heap
     * owns. Registry lock held; no other thread holds the heap.
     */
    void bind(Thread t) {
        assert !shared;
        deadSince = 0;
        platformThread = t;
        order.reset(); // a new owner's classes start as a fresh heap's
        mag[Magazines.OWNER] = t == null ? Magazines.NO_OWNER : t.threadId();
        lists.setOwnerThread(t);
        thread = t; // last: the volatile write publishes the fields above to whoever reads holder()
    }

    /** Claims an unheld heap for {@code t} (compare-and-set); pair with {@link #unclaim()}. */
    boolean tryClaim(Thread t) {
        return thread == null && THREAD.compareAndSet(this, (Thread) null, t);
    }

    /** Lets go of a claimed heap (release store: the next holder sees what this one did). */
    void unclaim() {
        assert thread == Thread.currentThread() : "unclaim by " + Thread.currentThread() + " of " + this;
        THREAD.setRelease(this, (Thread) null);
    }

    // ------------------------------------------------------------------ remote-free hint

    /** A remote freer: notes that one of this heap's spans has remote frees waiting. */
    void raiseHint() {
        if (remoteHint == 0) {
            remoteHint = 1;
        }
    }

    /** Whether the hint is raised (volatile read; for checks and tests). */
    boolean isHintRaised() {
        return remoteHint != 0;
    }

    /** Holder: takes the hint (getAndSet 0) and returns whether it was raised. */
    boolean takeHint() {
        return (int) HINT.getAndSet(this, 0) != 0;
    }

    // ------------------------------------------------------------------ hot path

    /** Allocates a block of class {@code c}. Caller holds the heap. */
    long alloc(int c) {
        long a = Magazines.popAt(mag, Magazines.base(c));
        return a != 0 ? a : refill(c);
    }

    /**
     * Frees block {@code a} of span {@code s}, already validated and marked not live, for the
     * thread holding the span's heap: into the magazine (a span with an owner always has one, see
     * {@link Span#setOwner}).
     */
    static void freeValidated(Span s, long a) {
        if (s.leases != null && s.owner.freeLent(s, a)) {
            return; // a block lent out of one of the span's leases
        }
        long[] mg = s.ownerMag;
        assert mg != null : "a span with an owner has its magazine: " + s;
        if (!Magazines.push(mg, s.magBase, a)) {
            s.owner.flush(s.cls, a);
        }
    }

    /**
     * Whether the owner of this platform heap may use it (it is not borrowed; acquire), after
     * which its fast paths find its id in the owner word again ({@link #resync}). Owner only.
     */
    boolean notBorrowed() {
        return resyncServing(platformThread.threadId());
    }

    /**
     * Whether thread {@code id} (a heap's platform thread, or a virtual thread on that carrier)
     * may use the heap of magazines {@code m} now: the owner word (acquire) is {@code id}, or
     * {@code STALE(id)}, which is then replaced by {@code id} (compare-and-set), so that the fast
     * paths' plain reads find it; everything the last user of the heap wrote is visible after this.
     * False while a slow path or a borrower holds the heap.
     */
    static boolean resync(long[] m, long id) {
        long w = Magazines.owner(m);
        return w == id || (w == Magazines.stale(id) && Magazines.compareAndSetOwner(m, w, id));
    }

    /**
     * Whether virtual thread on carrier {@code c} may use its carrier's heap now: its magazine's
     * owner word is {@code c}'s id (acquire, see {@link #resync}), so no slow path is running on it
     * and everything the last one wrote is visible. Span fields must be read (again) after this.
     */
    static boolean carrierHeapIdle(Thread c) {
        long tid = c.threadId();
        int i = (int) tid & Heaps.MASK;
        return resync(Heaps.MAGS[i], tid) && Heaps.HEAPS[i].servedSweep(tid);
    }

    /**
     * {@link #resync} on this heap, then, if the decay thread asked for a sweep, that sweep
     * ({@link #servedSweep}): the owner's way in after its fast path missed. Owner, or a virtual
     * thread on the carrier owning the heap.
     */
    boolean resyncServing(long id) {
        return resync(mag, id) && servedSweep(id);
    }

    /**
     * Serves the sweep the decay thread asked for, if it did (one volatile read when not), in a
     * slow path's bracket ({@link #enterSlow}); called by thread {@code id} (the owner, or a
     * virtual thread on the carrier owning the heap) right after it re-synchronised. A fast path
     * that never misses never serves a request on its own, so the decay thread makes it miss
     * ({@link #nudge}).
     *
     * @return whether the caller may still use the heap: false when a virtual thread blocked in the
     *         sweep and finished it on another carrier. Its exit left the owner word STALE
     *         ({@link #exitSlow}), but a virtual thread now on the heap's carrier may already have
     *         re-synchronised it to {@code id}: so the answer is whether the caller runs on thread
     *         {@code id} now, not the owner word alone ({@code CarrierSweepMoveTest})
     */
    boolean servedSweep(long id) {
        if (!sweepRequested) {
            return true;
        }
        long o = enterSlow();
        try {
            if (nudged) {
                // every free page at once (a nudge comes once per wholesale free, not twice a
                // decay time apart), and the magazines as they are: the loop goes on with them
                nudged = false;
                sweep(true);
            } else if (sweepRequested) {
                sweep(false);
            }
        } finally {
            exitSlow(o);
        }
        return Carriers.current().threadId() == id && Magazines.owner(mag) == id;
    }

    /**
     * Starts a slow path: the owner word goes from the owner's id ({@link Magazines#NO_OWNER} for
     * a shared heap) to BUSY by compare-and-set, waiting while a borrower ({@link #tryBorrow}) holds
     * the heap: for a moment, when it found the owner running and is putting the word back; for a
     * flush at most, when the owner itself wants the whole heap (trim). The fast paths never get
     * here while a borrower holds the heap: they see BUSY first.
     *
     * @return the owner word, for {@link #exitSlow}
     */
    long enterSlow() {
        Thread p = platformThread;
        if (p == null) {
            while (!Magazines.compareAndSetOwner(mag, Magazines.NO_OWNER, Magazines.BUSY)) {
                Thread.onSpinWait();
            }
            return Magazines.NO_OWNER;
        }
        long o = p.threadId();
        long stale = Magazines.stale(o);
        while (!Magazines.compareAndSetOwner(mag, o, Magazines.BUSY)
                && !Magazines.compareAndSetOwner(mag, stale, Magazines.BUSY)) {
            Thread.onSpinWait();
        }
        return o;
    }

    /**
     * Ends a slow path (release store, the slow path's last write to the heap): the owner word
     * back to the owner's id {@code o} when this thread runs on the heap's own thread (the platform
     * thread itself, or a virtual thread still on the carrier it started on); {@code STALE(o)} when
     * a virtual thread finishes on another carrier, so the next fast path on the heap's carrier
     * re-synchronises ({@link #resync}).
     */
    void exitSlow(long o) {
        Thread p = platformThread;
        Magazines.unmarkBusy(mag, p == null || Carriers.current() == p ? o : Magazines.stale(o));
    }

    /**
     * Whether no slow path is running on this heap (acquire), e.g. one a virtual thread started
     * on a carrier that has died since. Adoption and retirement wait for it.
     */
    boolean quiescent() {
        return Magazines.owner(mag) != Magazines.BUSY;
    }

    // ------------------------------------------------------------------ refill and flush

    /**
     * The magazine of class {@code c} is empty: take a batch from spans, return one block.
     *
     * <p>The batch is filled from the current span and, when that runs dry, from the next spans
     * of the partial list, which become current in turn (exhausted ones go to the full list), so
     * a current span with only a few free blocks left does not make every few allocations a
     * refill. A span comes from the parked slot or the pool only while nothing was taken. The
     * blocks are then stacked so that those of the oldest span are popped first, leaving the new
     * current span's blocks at the bottom: the spans given up empty out and nothing but the
     * current span stays pinned by the magazine.
     */
    long refill(int c) {
        if (countsOnly) {
            Heap h = Heaps.adoptForCountingHeap(this);
            if (h != this) {
                return h.alloc(c);
            }
        }
        long o = enterSlow();
        try {
            return refillBusy(c);
        } finally {
            exitSlow(o);
        }
    }

    private long refillBusy(int c) {
        if (sweepRequested) {
            sweep(false);
        }
        counters.inc(c, Counters.REFILLS);
        int b = Magazines.base(c);
        int cap = Magazines.capacity(mag[b]);
        int batch = Bursts.batchFor(c, cap);
        if (stash.count(c) > 0) {
            return refillFromStash(c, b, batch);
        }
        boolean reordered = order.reorders(c);
        if (reordered) {
            batch = RefillOrder.batch(c, batch, cap);
        }
        int got = 0;
        int spans = 0;
        boolean filled = false;
        int lentBlocks;
        Span s = lists.current(c);
        while (true) {
            if (s != null) {
                // pages not resident under the blocks to take: populated if the class writes its blocks all over
                boolean fill = (s.purgedPages | s.coldSlots) != 0 && prefaults.fillsTaken(c);
                filled |= fill;
                int n = s.take(mag, b + 2 + got, batch - got, fill);
                if (n > 0) {
                    got += n;
                    spans++;
                    if (got == batch) {
                        break;
                    }
                }
                if (s.claimPending() && RemoteFree.collect(s) > 0) {
                    continue;
                }
                lists.setCurrent(c, null);
                lists.link(s, SpanLists.FULL);
            }
            if (remoteHint != 0) {
                collectRemote(false);
            }
            s = lists.partialHead(c);
            if (s != null) {
                lists.unlink(s);
            } else if (got > 0) {
                break;
            } else if (Lender.ENABLED && c < SizeClasses.SMALL_COUNT && smallBytes >= Lender.MIN_BYTES
                    && (lentBlocks = lendAfterFrees(c, mag, b + 2, batch)) > 0) {
                // blocks lent out of the free runs of other classes' spans, instead of a new span
                counters.add(c, Counters.TAKEN, lentBlocks);
                counters.add(c, Counters.LENT, lentBlocks);
                return handOutTop(b, lentBlocks);
            } else if (c < SizeClasses.SMALL_COUNT || (s = takeParked(c)) == null) {
                Heaps.reclaimDeadSometimes();
                if (sweeps.dueBeforeGrowth()) {
                    sweeps.gave(sweep(true));
                }
                s = SpanPool.acquire(this, c);
                if (c < SizeClasses.SMALL_COUNT) {
                    smallBytes += s.bytes();
                }
                if (s.coldSlots != 0) {
                    prefaults.newSpan(s, lists.fullHead(c));
                }
            }
            lists.setCurrent(c, s);
        }
        if (spans > 1) {
            reverse(mag, b + 2, b + 2 + got);
        }
        if (reordered) {
            order.arrange(c, mag, b + 2, got);
        }
        counters.add(c, Counters.TAKEN, got);
        sweeps.taken(c, (long) got * SizeClasses.size(c));
        bursts.refilled(c);
        long a = handOutTop(b, got);
        if (c >= SizeClasses.SMALL_COUNT) {
            prefaults.handed(c, a, filled);
        }
        return a;
    }

    /**
     * A refill of class {@code c}'s empty magazine (header at {@code b}) out of its {@link Stash}:
     * up to {@code batch} blocks, copied, nothing taken from the spans.
     */
    private long refillFromStash(int c, int b, int batch) {
        int got = stash.take(c, mag, b + 2, batch);
        assert got > 0 && Magazines.count(mag[b]) == 0 : "refill from the stash of class " + c + ": " + got;
        bursts.refilled(c);
        return handOutTop(b, got);
    }

    /**
     * The empty magazine whose header is at {@code b} was just filled with {@code got > 0} blocks:
     * keeps {@code got - 1} of them and hands out the top one, marked live (every refill's end).
     */
    private long handOutTop(int b, int got) {
        mag[b] = Magazines.withCount(mag[b], got - 1);
        long a = mag[b + 1 + got];
        Magazines.markLive(a);
        return a;
    }

    /** {@link Lender#lend}, after the lent blocks freed since the last batch are back in their leases. */
    private int lendAfterFrees(int c, long[] dst, int at, int max) {
        if (lentFreedCount > 0) {
            releaseLentFreedBusy();
        }
        return lender.lend(c, lists, dst, at, max, prefaults.fillsTaken(c));
    }

    /** For tests: the lending a refill of class {@code c} about to take a new span tries, into {@code dst[0 ..]}. Holder, in a slow path. */
    int lendBeforeGrowth(int c, long[] dst, int max) {
        return lendAfterFrees(c, dst, 0, max);
    }

    private static void reverse(long[] m, int from, int to) {
        for (int i = from, j = to - 1; i < j; i++, j--) {
            long t = m[i];
            m[i] = m[j];
            m[j] = t;
        }
    }

    /** The magazine of class {@code c} is full: give its oldest batch back, then push {@code a}. */
    void flush(int c, long a) {
        long o = enterSlow();
        try {
            flushBusy(c, a);
        } finally {
            exitSlow(o);
        }
    }

    private void flushBusy(int c, long a) {
        order.overflowed(c); // from now on the class's refills keep address order
        if (sweepRequested) {
            sweep(false);
        }
        int b = Magazines.base(c);
        int outcome = bursts.onFlush(c, b);
        if (outcome == Bursts.BEYOND) {
            stash.activate(c);
        }
        if (outcome == Bursts.GREW) {
            // room for the block now: nothing goes back to the spans
            long hdr = mag[b];
            int n = Magazines.count(hdr);
            mag[b + 2 + n] = a;
            mag[b] = hdr + 1;
            bursts.flushed(c, b);
            return;
        }
        long hdr = mag[b];
        int n = Magazines.count(hdr);
        int cap = Magazines.capacity(hdr);
        int batch = Math.min(outcome == Bursts.HOLD ? Bursts.heldBatch(cap) : Bursts.batchFor(c, cap), n);
        // the newest blocks into the class's stash while it has one with space (no move), the oldest to the spans
        int stashed = Math.min(batch, stash.space(c));
        stash.put(c, mag, b + 2 + n - stashed, stashed);
        n -= stashed;
        if (stashed < batch) {
            giveBackOldest(c, b, n, batch - stashed);
            n -= batch - stashed;
        }
        mag[b + 2 + n] = a;
        mag[b] = Magazines.withCount(hdr, n + 1);
        bursts.flushed(c, b);
        sweepOnFreed();
    }

    // ------------------------------------------------------------------ bursts (see Bursts)

    /**
     * Gives the oldest {@code k} of the {@code n} blocks in class {@code c}'s magazine (header at
     * {@code b}) back to their spans and moves the others down; the caller sets the new count.
     */
    private void giveBackOldest(int c, int b, int n, int k) {
        counters.add(c, Counters.FLUSHED, k);
        giveBackRuns(mag, b + 2, b + 2 + k);
        System.arraycopy(mag, b + 2 + k, mag, b + 2, n - k);
    }

    /** Gives every block in class {@code c}'s {@link Stash} back to its span and ends the stash. Holder only. */
    private void emptyStash(int c) {
        int n = stash.count(c);
        long[] s = stash.drop(c);
        if (n > 0) {
            counters.add(c, Counters.FLUSHED, n);
            giveBackRuns(s, 0, n);
        }
    }

    /**
     * Part of the periodic sweep: the classes that grew and saw no burst since the last sweep go
     * back to their configured capacity, giving the oldest blocks above half of it back to the spans.
     */
    private void shrinkIdleBursts() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            if (bursts.idleSinceSweep(c)) {
                emptyStash(c);
                int b = Magazines.base(c);
                long hdr = mag[b];
                int dflt = SizeClasses.cacheCapacity(c);
                int n = Magazines.count(hdr);
                int k = n > dflt ? n - dflt / 2 : 0;
                if (k > 0) {
                    giveBackOldest(c, b, n, k);
                }
                mag[b] = Magazines.withCapacity(Magazines.withCount(hdr, n - k), dflt);
            }
        }
    }

    /**
     * Returns the blocks {@code mag[from .. to)} to their spans, releasing those that become empty. A
     * run of blocks of one span (the common case: a magazine fills with blocks freed in
     * the order they were handed out) costs one span lookup, one count and one settle:
     * <pre>
     * mag: [ a1 a2 a3 | b1 b2 | a4 ]    spans A, B, A
     *        run of A   run of B  run of A   -&gt; settle(A), settle(B), settle(A)
     * </pre>
     * A span is settled after its whole run is back, which is where the block-by-block order
     * would have left it: its blocks in the run kept it in use until the last of them. Within a
     * run, blocks at consecutive addresses go back as one range of free-map bits ({@link Span#giveRun}).
     */
    private void giveBackRuns(long[] m, int from, int to) {
        int i = from;
        while (i < to) {
            long x = m[i];
            Span s = SpanMap.of(x);
            assert s != null && s.owner == this : "magazine block 0x" + Long.toHexString(x) + " of a span not owned: " + s;
            if (s.leases != null) { // block by block: lent blocks go back to their lease
                giveBack(s, x);
                i++;
                continue;
            }
            boolean wasExhausted = s.exhausted();
            int first = i;
            i = s.giveRun(m, i, to);
            freedIntoSpans(s.cls, (long) (i - first) * s.blockSize);
            settle(s, wasExhausted);
        }
    }

    /**
     * Frees {@code a} if it is a block lent out of one of span {@code s}'s leases (the holder's
     * local free; LIVE already cleared, which refuses a second free from here on); whether it was.
     * Counted as a free into the magazine and a flush out of it, which keeps the statistics'
     * balance (Counters). The block goes back to its lease with the next batch
     * ({@link #releaseLentFreed}): the free stays short, and so does what the JIT inlines of it.
     */
    boolean freeLent(Span s, long a) {
        int size = s.lentSize(a);
        if (size < 0) {
            return false;
        }
        int c = SizeClasses.classOf(size);
        mag[Magazines.base(c) + 1]++;
        counters.inc(c, Counters.FLUSHED);
        lentFreed[lentFreedCount++] = a;
        if (lentFreedCount == lentFreed.length) {
            releaseLentFreed();
        }
        return true;
    }

    /** Java-heap bytes of the heap's {@link Stash} arrays now, which {@link #footprint} leaves out (racy read: for stats). */
    long stashBytes() {
        return stash.arrayBytes();
    }

    /** Blocks of class {@code c} in the heap's {@link Stash} (holder; for tests). */
    int stashed(int c) {
        return stash.count(c);
    }

    /** Bytes of the free blocks cached in the heap's magazines and stashes (racy reads from another thread: for stats). */
    long cachedBytes() {
        long bytes = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            bytes += (long) (Magazines.count(mag, c) + stash.count(c)) * SizeClasses.size(c);
        }
        return bytes;
    }

    /**
     * Whether block {@code a} of class {@code c} is in the heap's {@link Stash} (plain reads: from
     * another thread a snapshot, for diagnostics only, see {@link Whereabouts}).
     */
    boolean holdsStashed(int c, long a) {
        return stash.holds(c, a);
    }

    /**
     * Whether lent block {@code a} is among those freed since the last batch (plain reads: from
     * another thread a snapshot, for diagnostics only, see {@link Whereabouts}).
     */
    boolean holdsLentFreed(long a) {
        for (int i = 0, n = Math.min(lentFreedCount, lentFreed.length); i < n; i++) {
            if (lentFreed[i] == a) {
                return true;
            }
        }
        return false;
    }

    /** Gives the lent blocks freed since the last batch back to their leases. Holder (enters the slow path itself). */
    void releaseLentFreed() {
        long o = enterSlow();
        try {
            releaseLentFreedBusy();
        } finally {
            exitSlow(o);
        }
    }

    private void releaseLentFreedBusy() {
        for (int i = 0; i < lentFreedCount; i++) {
            long a = lentFreed[i];
            Span s = SpanMap.of(a);
            assert s.lentSize(a) >= 0 : "lent block 0x" + Long.toHexString(a) + " lost";
            giveBack(s, a);
        }
        lentFreedCount = 0;
    }

    /**
     * Gives block {@code a} of span {@code s}, this heap's, back: to its lease if it is lent out of
     * one, else to the span; settles the span when blocks came back to it (a lease that ended, or
     * the block itself). Holder only.
     */
    private void giveBack(Span s, long a) {
        boolean wasExhausted = s.exhausted();
        int k = s.giveBack(a);
        if (k > 0) {
            freedIntoSpans(s.cls, (long) k * s.blockSize);
            settle(s, wasExhausted);
        }
    }

    /** {@code bytes} of class {@code c} came back into the heap's spans: for the sweeps, and new runs the lender may find. */
    private void freedIntoSpans(int c, long bytes) {
        sweeps.freed(c, bytes);
        lender.freedIntoSpans(bytes);
    }

    /** After blocks came back to span {@code s}: move it between lists, park it or release it when empty. */
    private void settle(Span s, boolean wasExhausted) {
        assert s.consistent() : "span bookkeeping broken: " + s;
        if (s == lists.current(s.cls)) {
            if (s.used == 0 && s.cls >= SizeClasses.SMALL_COUNT) {
                // an empty large span waits parked, for this heap's next block of its class
                lists.setCurrent(s.cls, null);
                park(s);
            }
            return;
        }
        if (s.used == 0) {
            lists.unlink(s);
            if (s.cls >= SizeClasses.SMALL_COUNT) {
                park(s);
            } else {
                releaseSmall(s);
            }
        } else if (wasExhausted) {
            lists.unlink(s);
            lists.link(s, SpanLists.PARTIAL);
        }
    }

    /** Gives empty small span {@code s}, out of the lists, back to the pool, and out of {@link #smallBytes}. Holder only. */
    private void releaseSmall(Span s) {
        smallBytes -= s.bytes();
        SpanPool.release(s, idleSince());
    }

    /** When the memory of a span this heap releases now became idle: now, or {@link #idleSinceForReleases}. */
    private long idleSince() {
        return idleSinceForReleases != 0 ? idleSinceForReleases : System.nanoTime();
    }

    /** Parks empty large span {@code s}; what the slot cannot keep goes to the pool. Holder only. */
    void park(Span s) {
        Span out = parked.park(s);
        if (out != null) {
            SpanPool.release(out, idleSince());
        }
        if (out != s) {
            ParkedSpans.noteParked();
            DecayClock.wake();
        }
    }

    // ------------------------------------------------------------------ remote frees

    /** Collects remote frees on every span of this heap that has some waiting (all spans if {@code force}). */
    void collectRemote(boolean force) {
        if (!takeHint() && !force) {
            return;
        }
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Span cur = lists.current(c);
            if (cur != null && cur.claimPending()) {
                RemoteFree.collect(cur);
            }
            collectList(lists.fullHead(c));
            collectList(lists.partialHead(c));
        }
        if (!force) {
            sweepOnFreed();
        }
    }

    private void collectList(Span s) {
        while (s != null) {
            Span next = s.next;
            if (s.claimPending()) {
                boolean wasExhausted = s.exhausted();
                int n = RemoteFree.collect(s);
                if (n > 0) {
                    freedIntoSpans(s.cls, (long) n * s.blockSize);
                    settle(s, wasExhausted);
                }
            }
            s = next;
        }
    }

    // ------------------------------------------------------------------ giving everything back

    /**
     * Collects remote frees, empties every magazine back into the spans, releasing the spans that
     * empty, and hands parked spans over (trim, thread exit, a borrower). Holder only. Remote frees
     * come first: a current span that only they emptied is released too, not kept current.
     */
    void flushAll() {
        releaseLentFreedBusy();
        collectRemote(true);
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            emptyMagazine(c);
        }
        // then the current spans: emptying a later class's magazine may have ended a lease in one
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Span cur = lists.current(c);
            if (cur != null && cur.used == 0) {
                lists.setCurrent(c, null);
                if (c < SizeClasses.SMALL_COUNT) {
                    releaseSmall(cur);
                } else {
                    SpanPool.release(cur, idleSince());
                }
            }
        }
        parked.flush(idleSince());
        assert !Checks.ON || everySpanHoldsOnlyLiveBlocks() : "used != live after flushAll: " + this;
    }

    /**
     * With the magazines empty and remote frees collected, every block out of a span is live:
     * {@code used = cached + live + remote} with {@code cached = remote = 0} (remote frees queued
     * since the collect still count as live: their LIVE bit stays set until collected). For asserts.
     */
    private boolean everySpanHoldsOnlyLiveBlocks() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            if (!holdsOnlyLive(lists.current(c))) {
                return false;
            }
            for (Span s = lists.partialHead(c); s != null; s = s.next) {
                if (!holdsOnlyLive(s)) {
                    return false;
                }
            }
            for (Span s = lists.fullHead(c); s != null; s = s.next) {
                if (!holdsOnlyLive(s)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean holdsOnlyLive(Span s) {
        if (s == null) {
            return true;
        }
        if (s.leases == null) {
            return s.consistent() && s.used == Shadow.countLive(s.base, s.blockSize, s.carved);
        }
        // leased blocks are out of the span; each lent block out of them is live
        int live = 0;
        for (int i = 0; i < s.carved; i++) {
            long a = s.base + (long) i * s.blockSize;
            if (s.leaseAt(a) == null && Shadow.isLive(a)) {
                live++;
            }
        }
        return s.consistent() && s.used == live + s.leasedBlocks() && s.lentLive();
    }

    /**
     * The owning thread has died: empties the magazines and hands every span to the pool (empty
     * ones are released, the others become orphans that any heap may take, with their pending
     * remote frees). Registry lock held; no thread holds this heap.
     */
    void abandon() {
        flushAll();
        lender.dropAll(); // the spans' leases go with them, out of this heap's hole index
        smallBytes = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Span cur = lists.current(c);
            if (cur != null) {
                lists.setCurrent(c, null);
                handOver(cur);
            }
            for (Span s = lists.partialHead(c); s != null; s = lists.partialHead(c)) {
                lists.unlink(s);
                handOver(s);
            }
            for (Span s = lists.fullHead(c); s != null; s = lists.fullHead(c)) {
                lists.unlink(s);
                handOver(s);
            }
        }
    }

    private static void handOver(Span s) {
        s.detachLeases(); // no heap indexes their holes now: they end when their lent blocks are freed
        if (s.used == 0) {
            SpanPool.release(s);
        } else {
            Orphans.add(s);
        }
    }

    // ------------------------------------------------------------------ free pages of spans in use

    /**
     * Decay thread: asks the holder to sweep on its next slow path (one volatile read there).
     *
     * @return whether the last request was still pending: a decay time went by without a slow path
     */
    boolean requestSweep() {
        if (!sweepRequested) {
            sweepRequested = true;
            return false;
        }
        return true;
    }

    /** For tests of the nudge: counts {@code bytes} of class {@code c} as given back into its spans, as a flush does. Holder only. */
    void countFreedIntoSpans(int c, long bytes) {
        sweeps.freed(c, bytes);
    }

    /**
     * Decay thread, for a running owner that has not served the sweep asked for a decay time ago
     * (a loop whose fast paths never miss): turns the owner word from the owner's id into
     * {@code STALE(id)} (compare-and-set), so that the owner's next fast path misses, re-synchronises
     * and serves the sweep there ({@link #resyncServing}). Nothing else of the heap is touched, and
     * STALE is the word a finished borrow leaves ({@link #endBorrow}): to the owner the nudge looks
     * like a borrow that changed nothing.
     * <pre>
     * decay pass k:    requestSweep()            pending = true
     * decay pass k+1:  requestSweep() -&gt; true    still pending: nudge()  mag[0]: id -&gt; STALE(id)
     * owner:           fast path misses, resync  mag[0]: STALE(id) -&gt; id (acquire)
     *                  servedSweep: enterSlow, sweep(now), exitSlow   pending = false
     * </pre>
     * Only a heap whose spans got back at least {@link SweepSchedule#NUDGE_BYTES} since its last
     * sweep is nudged (a loop churning in its magazines has nothing there to give back: sweeping
     * it cost tiny-hot 10-20 %, the pages it takes again), and the nudged sweep gives back every
     * free page at once and leaves the magazines alone ({@link #servedSweep}). Fails, changing
     * nothing, while a slow path or a borrower holds the heap (they sweep), and for shared heaps
     * (their holders sweep on their slow paths; the decay thread sweeps them when it can claim them).
     *
     * @return whether the owner word was changed
     */
    boolean nudge() {
        Thread t = platformThread;
        if (shared || t == null || !sweepRequested || sweeps.sinceGiveBackOpaque() < SweepSchedule.NUDGE_BYTES) {
            return false;
        }
        long tid = t.threadId();
        // before the compare-and-set: the owner reads the flag after its acquire of the STALE word
        nudged = true;
        if (Magazines.compareAndSetOwner(mag, tid, Magazines.stale(tid))) {
            return true;
        }
        nudged = false;
        return false;
    }

    /**
     * Gives back the free pages of the spans this heap uses (current and partial; full ones have
     * none): those free at this sweep and the last one, or all of them if {@code now}. The
     * periodic sweep ({@code now} false: the decay thread's request) first gives the large classes'
     * magazines back ({@link #flushLarge}). Holder only (a slow path, or a borrower).
     *
     * @return bytes given back
     */
    long sweep(boolean now) {
        sweepRequested = false;
        if (now) {
            sweeps.gaveBackAll();
        } else {
            flushLarge();
            shrinkIdleBursts();
        }
        sweeps.reset();
        long bytes = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            Span cur = lists.current(c);
            if (cur != null && cur.mayHaveFreePages()) {
                bytes += cur.purgeFreePages(now);
            }
            for (Span s = lists.partialHead(c); s != null; s = s.next) {
                if (s.mayHaveFreePages()) {
                    bytes += s.purgeFreePages(now);
                }
            }
        }
        return bytes + lender.purgeHoles(now);
    }

    /**
     * Sweeps now if the heap's spans hand out enough less than at its last sweep
     * ({@link SweepSchedule#due}). Called after a flush or a collect gave blocks back (before a
     * refill takes a new span, {@link SweepSchedule#dueBeforeGrowth} decides). Holder only.
     */
    private void sweepOnFreed() {
        if (sweeps.due()) {
            sweeps.gave(sweep(true));
        }
    }

    /**
     * Gives the blocks in the large classes' magazines back to their spans (empty ones are parked,
     * see {@link #settle}): part of the sweep the decay thread asks for, so freed large blocks do
     * not stay pinned in a heap in use. Holder only.
     */
    private void flushLarge() {
        for (int c = SizeClasses.SMALL_COUNT; c < SizeClasses.COUNT; c++) {
            emptyMagazine(c);
        }
    }

    /** Gives every block in class {@code c}'s magazine back to its span ({@link #giveBackRuns}). Holder only. */
    private void emptyMagazine(int c) {
        int b = Magazines.base(c);
        long hdr = mag[b];
        int n = Magazines.count(hdr);
        mag[b] = Magazines.withCapacity(0, SizeClasses.cacheCapacity(c)); // empty, at the configured capacity
        bursts.runEnds(c);
        counters.add(c, Counters.FLUSHED, n);
        giveBackRuns(mag, b + 2, b + 2 + n);
        emptyStash(c);
    }

    /** Whether the heap has anything to give back: a span, a cached block or a parked span (racy; for the decay thread). */
    boolean holdsMemory() {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            if (lists.current(c) != null || lists.partialHead(c) != null || lists.fullHead(c) != null
                    || Magazines.count(mag, c) != 0 || stash.count(c) != 0) {
                return true;
            }
        }
        return parked.holdsAny();
    }

    /** Slow paths and flushes so far, to tell an idle heap (racy; for the decay thread). */
    long activity() {
        long n = 0;
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            n += counters.get(c, Counters.REFILLS) + counters.get(c, Counters.FLUSHED) + Magazines.pushes(mag, c);
        }
        return n;
    }

    /**
     * Another thread takes this platform thread's heap while its owner is blocked: the owner's
     * state is looked at first (a running owner's word is left alone: while BUSY, its mallocs would
     * go to a shared heap), then the owner word goes from the owner's id to BUSY (compare-and-set:
     * fails while a slow path runs on the heap), then the owner's state must still say it is
     * parked, sleeping, waiting or blocked on a monitor, with no virtual thread mounted on it
     * ({@link #blocked}), i.e. not inside a fast path, which blocks nowhere of its own (else the
     * word goes back and the heap is left alone). From then on every path of the owner sees BUSY:
     * malloc uses a shared heap, free queues the block as a remote free. The borrower acts as the
     * holder: it may flush the magazines, collect remote frees, release and park empty spans and
     * give back free pages; the owner's free path reads the LIVE bits again after the owner word.
     * Pair with {@link #endBorrow}. The owner of a carrier's heap is the carrier: idle, it runs no
     * virtual thread.
     */
    boolean tryBorrow() {
        Thread t = platformThread;
        if (shared || t == null) {
            return false;
        }
        if (!blocked(t)) {
            return false; // running: not even a moment of BUSY, which would send its mallocs to a shared heap
        }
        long tid = t.threadId();
        long w = Magazines.owner(mag);
        if ((w != tid && w != Magazines.stale(tid)) || !Magazines.compareAndSetOwner(mag, w, Magazines.BUSY)) {
            return false;
        }
        if (blocked(t)) {
            return true;
        }
        Magazines.unmarkBusy(mag, w); // untouched: the word as it was
        return false;
    }

    /**
     * Whether thread {@code t} is parked, sleeping, waiting or blocked on a monitor, with no virtual
     * thread mounted on it: never inside a fast path (a carrier's state is that of its mounted
     * virtual thread, which can be blocked, pinned, anywhere; see {@link Carriers#runsVirtualThread}).
     */
    private static boolean blocked(Thread t) {
        Thread.State st = t.getState();
        return (st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING || st == Thread.State.BLOCKED)
                && !Carriers.runsVirtualThread(t);
    }

    /**
     * Ends a borrow: the owner word becomes {@code STALE(owner id)} (release store), so the owner's
     * next fast path misses and re-synchronises with the borrower's writes ({@link #resync}).
     */
    void endBorrow() {
        Magazines.unmarkBusy(mag, Magazines.stale(platformThread.threadId()));
    }

    /**
     * Any thread: hands the pool this heap's parked spans idle for the decay time, or all of them.
     *
     * @return when the next parked span will be due, or {@link DecayClock#NONE}
     */
    long handOverParked(long now, boolean all) {
        return parked.handOver(now, DecayClock.DECAY_NANOS, all);
    }

    /** Holder: takes back the span parked for large class {@code c}, or returns null. */
    Span takeParked(int c) {
        return parked.take(c);
    }

    /** Holder: hands every parked span to the pool. */
    void flushParked() {
        parked.flush(System.nanoTime());
    }

    /** Adds this heap's counters to {@code t} (racy reads: exact only when the heap is quiet). */
    void addCounters(Counters.Totals t) {
        counters.addTo(t, mag, stash);
    }

    /**
     * Adds this heap's counters to {@code t}, read whole between the slow paths and borrows that
     * change them in bulk: the owner word is read (acquire) before and after the counters and
     * must be the same and not BUSY, else the read is retried (yielding) until {@code deadline},
     * after which the heap is read as it is. A borrower's flush moves blocks from the magazine
     * count to the flushed counter in two writes; a read between them was off by the blocks in
     * flight. Still racy against the owner's own fast paths: exact when the owner is quiet.
     *
     * <pre>
     *   reader:  w = owner (acquire) --- read counters --- acquireFence --- owner == w ?
     *   borrower:        CAS owner id -&gt; BUSY ... flush ... release owner = STALE(id)
     *   (the word differs, or is BUSY, whenever a borrow overlaps the read)
     * </pre>
     */
    void addCountersQuiet(Counters.Totals t, long deadline) {
        while (true) {
            long w = Magazines.owner(mag);
            if (w != Magazines.BUSY) {
                Counters.Totals mine = new Counters.Totals();
                counters.addTo(mine, mag, stash);
                VarHandle.acquireFence();
                if (Magazines.owner(mag) == w) {
                    t.addAll(mine);
                    return;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                addCounters(t);
                return;
            }
            Thread.yield();
        }
    }

    @Override
    public String toString() {
        return "Heap#" + id + (shared ? "(shared)" : "") + "[" + thread + "]";
    }
}
