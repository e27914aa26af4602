package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Checks;
import dev.hakmem.internal.huge.HugeTier;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.os.Reservation;

import java.lang.foreign.MemorySegment;

/**
 * The allocation and free paths. The fast paths are a few dozen bytecodes each so the JIT
 * inlines them into the caller:
 *
 * <pre>
 * malloc(size &lt;= 32 KiB):  class's magazine header b = table[(size+7)/8]
 *                          t = the current carrier (the thread itself on a platform thread)
 *                          magazines = MAGS[t.id &amp; MASK], used if word 0 == t.id
 *                          (a plain read, see Heap, "the owner word")
 *                          pop the class magazine, set the block's LIVE bit      -- else refill
 *                          a miss (no heap yet, BUSY, stale, borrowed): mallocMiss, where a virtual
 *                          thread re-synchronises its carrier's heap or claims a shared heap
 * malloc(32 KiB - 2 MiB):  the same (mallocLarge), the class from a second table; then the
 *                          block's slack fitted to the request (LargeSlack.fit)
 * free(a):                 a in the reservation's window (a shift and a compare, Reservation.inWindow)
 *                          e = PageOwners[a's page]   (owner id, magazine index)   - all three loads
 *                          LIVE and REMOTE words of a                               depend on a alone
 *                          (checks on) LIVE bit of a set, REMOTE clear, a 8-byte aligned
 *                          e's owner == the carrier's id (the thread's own on a platform thread)
 *                            and word 0 of MAGS[id &amp; MASK] == id (plain): clear LIVE, push into
 *                            that magazine at e's index; no Span, no division
 *                          e's owner another platform thread (e != 0): a remote free, the REMOTE
 *                            bit set with one atomic OR (RemoteFree.pushLive), counted with e's
 *                            class; the Span looked up only by the first mark into an empty word
 *                          (checks off) the same owner tests, no shadow access
 * otherwise (slow path):   span = SpanMap[a] (none -&gt; huge tier or exception); the full checks,
 *                          then as above, or a remote free (RemoteFree.push; e == 0: a shared
 *                          heap's span, an orphan, a stale entry)
 * </pre>
 * The fast paths reach the shadow words in as few frames as possible: C2 inlines the JDK's
 * segment access only within 15 frames of the method it compiles (see {@link Shadow#get}).
 * Everything else (first use of a thread, shared heaps, refill, flush, big blocks, errors) is in
 * separate methods.
 */
public final class Front {
    private Front() {}

    // ------------------------------------------------------------------ malloc

    /**
     * A block of {@code size} bytes: of a size class up to 2 MiB from the current platform
     * thread's heap (a virtual thread: its carrier's, see {@link Carriers#carrierId}), else from
     * the slow path. A platform thread is its own carrier: it pays one type check, on a thread C2
     * keeps in a register across a loop, for virtual threads. The heap's owner word is the
     * carrier's id only while no slow path holds it (Heap, "the BUSY protocol"), and a virtual
     * thread stays on its carrier until it blocks, which the fast path never does.
     * Everything is spelled out here, with no helper in between: one inlining level less on the
     * hot path (see {@link Shadow#get}).
     */
    public static long malloc(long size) {
        int b; // the class's magazine header: for small sizes straight from the size, one load
        if (Long.compareUnsigned(size, SizeClasses.MAX_SMALL) <= 0) {
            b = Magazines.baseOfSmall(size);
        } else if (Long.compareUnsigned(size, SizeClasses.MAX_SIZE) <= 0) {
            return mallocLarge(size); // above MAX_SMALL: no second compare
        } else {
            return mallocHuge(size);
        }
        long tid = Carriers.carrierId(Thread.currentThread());
        int i = (int) tid & Heaps.MASK;
        long[] m = Heaps.MAGS[i];
        if (Magazines.ownerPlain(m) == tid) {
            long a = Magazines.popAt(m, b);
            // the heap is looked up only on a miss: word 0 == tid means table slot i is ours
            return a != 0 ? a : Heaps.HEAPS[i].refill(Magazines.classOfBase(b));
        }
        return mallocMiss(Magazines.classOfBase(b));
    }

    /**
     * A block of a large class (32 KiB - 2 MiB) for {@code size} bytes: the same magazines as
     * {@link #malloc}, then the block's slack is fitted to the request ({@link #fitLarge}).
     */
    private static long mallocLarge(long size) {
        long a = largeBlock(SizeClasses.classOfLarge(size));
        fitLarge(a, size);
        return a;
    }

    /** A block of large class {@code c}, its slack as its last owner left it. */
    private static long largeBlock(int c) {
        long tid = Carriers.carrierId(Thread.currentThread());
        int i = (int) tid & Heaps.MASK;
        long[] m = Heaps.MAGS[i];
        if (Magazines.ownerPlain(m) == tid) {
            long a = Magazines.popAt(m, Magazines.base(c));
            return a != 0 ? a : Heaps.HEAPS[i].refill(c);
        }
        return mallocMiss(c);
    }

    /**
     * Large block {@code a}, just handed out, serves {@code size} bytes: see {@link LargeSlack#fit}.
     * Nothing for a zero address (no memory: the caller throws) or with {@code hakmem.largeSlackPages=0}.
     */
    private static void fitLarge(long a, long size) {
        if (LargeSlack.PAGES > 0 && a != 0) {
            Span s = largeSpan(a);
            Heap h = s.owner; // the heap that handed a out, which holds the span while a is out
            if (h != null) {
                s.fitLarge(a, size, h);
            } else {
                s.recordLarge(a, size);
            }
        }
    }

    /** Large block {@code a}, live, was resized in place to {@code size} bytes ({@code realloc} within its class). */
    public static void resizedLarge(long a, long size) {
        if (LargeSlack.PAGES > 0) {
            largeSpan(a).recordLarge(a, size);
        }
    }

    private static Span largeSpan(long a) {
        Span s = SpanMap.of(a);
        assert s != null && s.blockSize > SizeClasses.MAX_SMALL && s.isBlockStart(a) : "not a large block: " + a;
        return s;
    }

    /**
     * The fast path found no idle heap of the current thread (or carrier) in the table: a thread
     * without a heap yet, a heap that is borrowed, stale or BUSY, no carriers.
     */
    private static long mallocMiss(int c) {
        Thread t = Thread.currentThread();
        return t.isVirtual() && Carriers.AVAILABLE ? allocVirtual(c) : allocSlow(t, c);
    }

    /**
     * A virtual thread: a block from its carrier's magazines when the carrier's heap is idle (the
     * same fast path, one frame deeper), else the slow path. The carrier is read again after
     * {@link Heaps#prepareCarrier}: it may block on the registry lock, and the thread then go on on
     * another carrier, while the carrier it left runs other virtual threads on the heap just made
     * for it (reusing the first carrier, a block was taken from a magazine another thread was
     * popping: handed out twice, then freed twice; {@code CarrierHeapsTest}).
     */
    private static long allocVirtual(int c) {
        long a = allocOnCarrier(Carriers.current(), c);
        if (a == 0 && Heaps.prepareCarrier(Carriers.current())) {
            a = allocOnCarrier(Carriers.current(), c); // a heap was made for the carrier it was on then
        }
        return a != 0 ? a : allocSlow(Thread.currentThread(), c);
    }

    /** A block of class {@code c} (its size maps back to {@code c}). */
    public static long allocClass(int c) {
        assert SizeClasses.classOfAny(SizeClasses.size(c)) == c : "class " + c;
        return malloc(SizeClasses.size(c));
    }

    /** A virtual thread on carrier {@code carrier}: a block from the carrier's heap if it is idle, else 0. */
    private static long allocOnCarrier(Thread carrier, int c) {
        long cid = carrier.threadId();
        int i = (int) cid & Heaps.MASK;
        long[] m = Heaps.MAGS[i];
        if (Magazines.ownerPlain(m) == cid || Heaps.HEAPS[i].resyncServing(cid)) {
            long a = Magazines.popAt(m, Magazines.base(c));
            return a != 0 ? a : Heaps.HEAPS[i].refill(c);
        }
        return 0;
    }

    /**
     * The fast path missed: a platform thread without a heap yet (or whose heap is borrowed or
     * stale); a virtual thread whose carrier's heap is BUSY ({@link #allocVirtual} tried it), or a
     * virtual thread without carriers. The last two, and a borrowed heap's owner, claim a shared heap.
     */
    private static long allocSlow(Thread t, int c) {
        if (!t.isVirtual()) {
            Heap own = Heaps.ofPlatformThread(t);
            if (own.notBorrowed()) {
                return own.alloc(c);
            }
            // borrowed by a thread giving memory back while this one was blocked: a shared heap meanwhile
        }
        Heap h = SharedHeaps.claim(t);
        try {
            return h.alloc(c);
        } finally {
            h.unclaim();
        }
    }

    /** Blocks above the large tier (huge mappings), and negative sizes. */
    private static long mallocHuge(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("hakmem: negative size " + size);
        }
        return HugeTier.allocate(size, 16, false);
    }

    /** {@code size} bytes aligned to {@code alignment}, a power of two (checked by the caller). */
    public static long alignedAlloc(long alignment, long size) {
        if (size < 0) {
            throw new IllegalArgumentException("hakmem: alignedAlloc(" + alignment + ", " + size + "): negative size");
        }
        if (alignment <= 8) {
            return malloc(size);
        }
        int c = SizeClasses.classOfAligned(size, alignment);
        if (c >= 0) {
            if (c < SizeClasses.SMALL_COUNT) {
                return allocClass(c);
            }
            long a = largeBlock(c);
            fitLarge(a, size);
            return a;
        }
        return HugeTier.allocate(size, alignment, false);
    }

    // ------------------------------------------------------------------ free

    public static void free(long a) {
        if (Reservation.inWindow(a)) {
            // The owner's free, in loads that depend only on a and the thread: the page's owner
            // entry, the shadow words (checks on), the owner's magazines; no Span.
            long e = PageOwners.get(a);
            long w = Shadow.word(a);
            long lw = 0;
            boolean live = true; // checks off: the caller is trusted, as everywhere then
            if (Checks.ON) {
                // A set LIVE bit at an 8-byte aligned address proves a live block starts there
                // (LIVE bits are set only at block starts, blocks never overlap and every span
                // starts with its bits clear, see Shadow), and a matching entry that a's page is
                // in a span of this thread's heap (see PageOwners), so the owner's common case
                // needs no division check; everything else goes on to freeSlow, which checks in full.
                lw = Shadow.get(w);
                long free = lw & ~Shadow.get(w + 8);
                // bit 0 of (free >>> granule): live and not queued as a remote free; it beats
                // (a & 7) only when it is 1 and a is 8-byte aligned: one compare for both
                live = ((free >>> (a >>> 3)) & 1) > (a & 7);
            }
            if (live) {
                // the carrier: a virtual thread frees into its carrier's heap (owners are platform threads)
                long id = Carriers.carrierId(Thread.currentThread());
                long owner = PageOwners.ownerId(e);
                if (owner == id) {
                    int i = (int) id & Heaps.MASK;
                    long[] m = Heaps.MAGS[i];
                    // the owner word: the heap is idle and this thread's (or its carrier's), and
                    // m is the magazines of the heap the entry names (one heap per platform thread).
                    // Plain reads suffice: finding its id there, this OS thread made the last change
                    // to the heap itself (Heap, "the owner word"), so the LIVE word read above is
                    // current, and a live block's span cannot have left the heap (only empty spans
                    // are released, by the owner or a borrower, which leaves a STALE owner word)
                    if (Magazines.ownerPlain(m) == id) {
                        if (Checks.ON) {
                            Shadow.set(w, lw & ~Shadow.bit(a));
                        }
                        int b = PageOwners.magBase(e);
                        if (!Magazines.push(m, b, a)) {
                            Heaps.HEAPS[i].flush(Magazines.classOfBase(b), a);
                        }
                        return;
                    }
                } else if (owner != 0) {
                    freeRemoteLive(a, w, e, id);
                    return;
                }
            }
        }
        Span s = SpanMap.of(a);
        if (s != null) {
            freeSlow(s, a);
            return;
        }
        freeOther(a);
    }

    /** Every free of a span block but the owner's free of a live block (checks on): full validation. */
    private static void freeSlow(Span s, long a) {
        if (s.leases != null) {
            freeInLeasedSpan(s, a); // out of line: the common slow path stays as small as before lending
            return;
        }
        long o = a - s.base;
        long i = (o * s.magic) >>> SizeClasses.MAGIC_SHIFT;
        if (!Checks.ON || (i * s.blockSize == o && i < s.carved)) {
            freeValid(s, a);
            return;
        }
        throw Errors.notBlockStart("free", a, s);
    }

    /**
     * A slow-path free in a span with leases (every free on a page a lease touches comes here: its
     * owner entry is zero): a block lent out of a lease, at any offset, or a block of the span.
     */
    private static void freeInLeasedSpan(Span s, long a) {
        long o = a - s.base;
        long i = (o * s.magic) >>> SizeClasses.MAGIC_SHIFT;
        boolean start = i * s.blockSize == o && i < s.carved;
        // a live block at a block start of the span is one of its blocks or a lent one (LIVE bits
        // mark live block starts only); anything else is refused below, by where it lies
        if (s.lentSize(a) >= 0 || !Checks.ON || (start && Shadow.isLiveAndNotQueued(a))) {
            freeValid(s, a);
            return;
        }
        throw s.leaseAt(a) != null ? Errors.inLease("free", a, s)
                : start ? Errors.notLive("free", a, s) : Errors.notBlockStart("free", a, s);
    }

    /** Frees block {@code a} of span {@code s}, a validated block start: locally when this thread (or its carrier) holds the span's heap, else as a remote free. */
    private static void freeValid(Span s, long a) {
        Thread t = Thread.currentThread();
        Thread c = Carriers.current();
        if (s.ownerThread == c) {
            if (c == t) {
                if (s.owner.notBorrowed()) {
                    freeLocal(s, a);
                    return;
                }
                freeRemote(s, a, t); // borrowed by a thread giving memory back: its owner collects later
                return;
            }
            if (Heap.carrierHeapIdle(c) && s.ownerThread == c) {
                freeLocal(s, a);
                return;
            }
        }
        freeRemote(s, a, t);
    }

    /** Frees block {@code a} of span {@code s} into its heap, which the caller holds. */
    private static void freeLocal(Span s, long a) {
        if (Checks.ON) {
            long w = Shadow.word(a);
            long m = Shadow.bit(a);
            long aw = Shadow.get(w);
            if ((aw & m) == 0 || (Shadow.get(w + 8) & m) != 0) {
                throw (aw & m) == 0 ? Errors.notLive("free", a, s) : Errors.queued("free", a, s.classAt(a));
            }
            Shadow.set(w, aw & ~m);
        }
        Heap.freeValidated(s, a);
    }

    /**
     * A free by a thread that does not own the span. A virtual thread first tries to claim the
     * span's shared heap and free locally (one CAS, nothing left to collect); otherwise the block
     * is queued as a remote free.
     */
    private static void freeRemote(Span s, long a, Thread t) {
        Heap h = s.owner;
        if (t.isVirtual() && h != null && h.shared && h.tryClaim(t)) {
            try {
                if (s.owner == h) {
                    freeLocal(s, a);
                    return;
                }
            } finally {
                h.unclaim();
            }
        }
        int cls = s.classAt(a); // read before the push: a collect may end the lease
        int r = RemoteFree.push(s, a);
        if (r != RemoteFree.OK) {
            throw Errors.refusedPush("free", a, cls, r);
        }
        countRemoteFree(t, cls, s.owner);
    }

    /**
     * A remote free from the fast path: block {@code a} (its shadow word {@code w}) proved live at
     * a block start (checks on) in a span of the heap of platform thread {@code ownerId(e)}, not the
     * current thread's carrier {@code id}. Queued without the span ({@link RemoteFree#pushLive}) and
     * counted in the carrier's heap when that is idle, with the class the entry names; the rest
     * (refused, a wait for a collect, no idle heap of one's own) in {@link #freeRemoteLiveSlow}.
     */
    private static void freeRemoteLive(long a, long w, long e, long id) {
        int r = RemoteFree.pushLive(a, w);
        int cls = Magazines.classOfBase(PageOwners.magBase(e));
        // OK: no call that could block since the carrier was read, so id is still this thread's carrier
        if (r != RemoteFree.OK || !countInIdleHeap(id, cls)) {
            freeRemoteLiveSlow(a, r, cls);
        }
    }

    private static void freeRemoteLiveSlow(long a, int r, int cls) {
        if (r > RemoteFree.OK) {
            throw Errors.refusedPush("free", a, cls, r);
        }
        Span s = SpanMap.of(a); // the block's span unless a collect already emptied and released it
        countRemoteFree(Thread.currentThread(), cls, s != null ? s.owner : null);
    }

    /**
     * Counts a remote free in the counters of the heap the current thread holds: its own (a
     * platform thread that has none yet gets one now: a thread that only frees, such as a
     * consumer, would otherwise pay an atomic add per free) or, on a virtual thread, its carrier's
     * while that is idle (plain writes: the carrier is this same OS thread). Otherwise (a borrowed
     * or BUSY heap, no carriers) in the shared atomic counters.
     */
    private static void countRemoteFree(Thread t, int cls, Heap blockOwner) {
        // the carrier is read here, after the push, not taken from freeSlow: the push may yield
        // (Span.awaitCollect), and a virtual thread may then go on on another carrier
        if (!countInIdleHeap(Carriers.current().threadId(), cls)) {
            countRemoteFreeSlow(t, cls, blockOwner);
        }
    }

    /**
     * Counts a remote free of class {@code cls} in the heap of table slot {@code id} when word 0 of
     * its magazines is {@code id}, the current thread's carrier (itself on a platform thread): that
     * heap is then idle and ours (see Heap, "the owner word"), its counters ours to write (plain).
     *
     * @return whether it was counted
     */
    private static boolean countInIdleHeap(long id, int cls) {
        int i = (int) id & Heaps.MASK;
        if (Magazines.ownerPlain(Heaps.MAGS[i]) == id) {
            Heaps.HEAPS[i].counters.inc(cls, Counters.REMOTE_FREES);
            return true;
        }
        return false;
    }

    /** {@link #countRemoteFree} when the current thread (or carrier) has no idle heap in the table. */
    private static void countRemoteFreeSlow(Thread t, int cls, Heap blockOwner) {
        Heap mine;
        if (t.isVirtual()) {
            Thread c = Carriers.current();
            mine = c != t ? Heaps.fast(c) : null;
        } else {
            mine = Heaps.forCounting(t, blockOwner);
        }
        if (mine != null && mine.notBorrowed()) {
            mine.counters.inc(cls, Counters.REMOTE_FREES);
        } else {
            Heaps.countUnownedFree(cls);
        }
    }

    private static void freeOther(long a) {
        if (a == 0) {
            return;
        }
        if (!HugeTier.free(a)) {
            throw Errors.noBlockAt("free", a);
        }
    }

    // ------------------------------------------------------------------ queries

    /**
     * How the fast paths run in this JVM, for the exit report: whether virtual threads use their
     * carrier's heap ({@link Carriers}) and whether the magazines' hot words skip the array's range
     * check ({@link UncheckedArrays}), each "on" or "off" with the reason.
     */
    public static String modes() {
        return "carrier heaps " + (Carriers.AVAILABLE ? "on" : "off (" + Carriers.UNAVAILABLE_REASON + ")")
                + "; unchecked magazines " + (UncheckedArrays.AVAILABLE ? "on" : "off (" + UncheckedArrays.UNAVAILABLE_REASON + ")");
    }

    /**
     * Usable size of the live block at {@code a}.
     *
     * @throws IllegalArgumentException if {@code a} is not a block start hakmem handed out
     * @throws IllegalStateException    if the block is free
     */
    public static long usableSize(long a, String op) {
        Span s = SpanMap.of(a);
        if (s != null) {
            boolean leased = s.leases != null && s.leaseAt(a) != null;
            int lent = leased ? s.lentSize(a) : -1;
            if (leased ? lent < 0 : !s.isBlockStart(a)) {
                throw leased ? Errors.inLease(op, a, s) : Errors.notBlockStart(op, a, s);
            }
            if (Checks.ON && !Shadow.isLiveAndNotQueued(a)) {
                throw Errors.notLive(op, a, s);
            }
            return lent >= 0 ? lent : s.blockSize;
        }
        long len = HugeTier.lengthOf(a);
        if (len < 0) {
            throw Errors.noBlockAt(op, a);
        }
        return len;
    }

    /** Zeroes {@code n} bytes at {@code a}. */
    public static void zero(long a, long n) {
        if (n > 0) {
            Os.ALL.asSlice(a, n).fill((byte) 0);
        }
    }

    /** Copies {@code n} bytes. */
    public static void copy(long from, long to, long n) {
        if (n > 0) {
            MemorySegment.copy(Os.ALL, from, Os.ALL, to, n);
        }
    }
}
