package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Os;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A span: one or more consecutive 64 KiB slabs of a {@link SuperSlab}, carved into blocks of one
 * size class. Its metadata lives here, on the Java heap, never inside the blocks.
 *
 * <pre>
 * base                                                    base + slots * 64 KiB
 * | block 0 | block 1 | ... | block carved-1 | never handed out ... | tail |
 * block i is at base + i * blockSize;  i &lt; capacity
 *
 * a block is in exactly one of these states:
 *   uncarved   i &gt;= carved
 *   available  freeMap bit i set               (counted in freeCount)
 *   cached     in its heap's magazine          (LIVE bit clear)
 *   live       LIVE bit set in the {@link Shadow}
 *   remote     LIVE and REMOTE bits set: freed by another thread, not yet collected
 * carved = freeCount + used;   used = cached + live + remote  (the blocks out of the span)
 * </pre>
 *
 * <p>Who may touch what:
 * <ul>
 * <li>everything but the pending flag and {@link #idleSince}: the thread holding {@link #owner}
 *     (see {@link Heap}), or the pool under its lock while the span has no owner (in the pool's
 *     span cache, or orphaned);</li>
 * <li>the pending flag: any thread, through {@link #raisePending()} (remote freers) and
 *     {@link #claimPending()} (the owner); see {@link RemoteFree};</li>
 * <li>the collect count: written by the owner around {@link RemoteFree#collect}, read by
 *     remote freers ({@link #awaitCollect()});</li>
 * <li>{@link #idleSince}: see there.</li>
 * </ul>
 */
final class Span {
    final SuperSlab ss;
    final long base;
    final int firstSlot;
    final int slots;
    final int cls;
    final int blockSize;
    final long magic;
    final int capacity;
    /**
     * Slots of its SuperSlab whose pages were not resident (never written, or purged) when the
     * pool formatted the span: for tiny and mid classes until its new owner has had them
     * populated or not ({@link #populateCold}), for large classes until the carving point passes
     * them ({@link #carvedCold}).
     */
    int coldSlots;
    /** Whether this heap populated pages of the span (so their residency says nothing of the user's writes). */
    boolean prefaulted;
    /**
     * For block sizes 8-512 that are powers of two, log2(size / 8): the shift from a shadow
     * granule's bit in a 512-byte word to its block's place among the word's blocks (see
     * {@link #giveWord}); -1 for every other size.
     */
    final int wordShift;

    /**
     * The span's leases in address order, or null while it has none ({@link Lender}). Written by the
     * span's holder under the span's monitor; read plainly by the holder and by a thread freeing
     * or measuring a block lent out of it (it got the block's address after the lease was made).
     */
    Leases leases;
    /**
     * Blocks lent out of the leases, one byte per 16-byte granule of the span: at a lent block's
     * start, 1 + its class; 0 elsewhere (lent blocks are at least 16 bytes and 16-byte aligned).
     * Made with the first lease, dropped with the last (null with {@link #leases}): 4 KiB per slab,
     * one array index from the address instead of a hash lookup. Under the span's monitor.
     */
    private byte[] lent;

    /** log2 of the bytes per entry of {@link #lent}: lent blocks' granule. */
    static final int LENT_SHIFT = 4;

    /** Bit i set: block i is available in the span. */
    private final long[] freeMap;

    /**
     * Blocks given back to {@link #freeMap} so far ({@link #countGiven}, on every path that raises {@link #freeCount}):
     * what a run can have grown by since {@link #takeRun} last looked. Holder only.
     */
    private long gaveBack;
    /**
     * What {@link #takeRun} found when it last looked and found no run long enough: every run of
     * available blocks shorter than {@link #runsBelow}, as long as {@link #gaveBack} is still
     * {@link #runsKnownAt} (taking blocks only shortens runs). A harvest that passes over the
     * span again then skips it without scanning its free map. Holder only.
     */
    private int runsBelow = Integer.MAX_VALUE;
    private long runsKnownAt = -1;
    /** Large classes only (null below them): the blocks' written pages and hand-out ages, see {@link LargeSlack}. */
    private final LargeSlack slack;
    int freeCount;
    private int cursor;
    int carved;
    int used;

    /** The heap allowed to carve and free locally, or {@code null} while the span sits in the pool. */
    Heap owner;

    /**
     * The owner's platform thread: the thread whose frees into this span are local, or
     * {@code null} (a shared heap, or no owner). Compared with the current thread (or its
     * carrier) on the free's slow path and with the checks off; the checks-on fast path reads the
     * same fact from the span's {@link PageOwners} entries, which {@link #setOwnerThread} keeps equal.
     */
    Thread ownerThread;

    /**
     * The owner's magazine array, or {@code null} (no owner): a local free pushes the block there,
     * whatever span it belongs to, as a thread cache's free list would; the magazine's bound
     * ({@link SizeClasses#cacheCapacity}) keeps what it pins small, and a flush gives its oldest
     * blocks back to their spans. Holding the array itself spares the free path the loads of the
     * owner and of its array; the class's header is at {@link #magBase}. Set and cleared with the
     * owner ({@link #setOwner}).
     */
    long[] ownerMag;

    /** Index of this class's magazine header in {@link #ownerMag} (set with it). */
    int magBase;

    /**
     * Since when the span has been empty and idle (nanoTime), for decay: written by the pool under
     * its lock when it keeps the span for reuse; for a span parked in a heap ({@link ParkedSpans}),
     * stamped by the first decay pass that sees it (0 until then) and read by the passes after it.
     */
    long idleSince;

    /** 1 when remote frees may be waiting in the span's REMOTE words; see {@link RemoteFree}. */
    private volatile int remotePending;

    /**
     * Collects run on this span so far, times two, plus one while one runs (a sequence lock for
     * {@link RemoteFree#push}'s step 4; the owner writes it, remote freers read it). Through {@link #COLLECTS}.
     */
    private int collects;

    // ---- the owner's per-class lists ({@link SpanLists}): intrusive, doubly linked ----
    Span prev;
    Span next;
    /** Which list of its owner the span is on: {@link SpanLists#NONE}, {@code PARTIAL} or {@code FULL}. */
    byte list;

    /**
     * Faults the {@link #coldSlots cold slots'} pages in with one call per run of slots
     * ({@link Os#populate}) instead of a page fault per page at the first writes into its blocks.
     * The span's owner (or nobody else yet); no lock held.
     */
    void populateCold() {
        prefaulted = true;
        populateColdPart(0, bytes());
        coldSlots = 0;
    }

    // ---- pages given back while the span is in use (see purgeFreePages) ----
    /** Pages (4 KiB) purged with madvise and not written since: bit p = page p. Null until the first purge. */
    private long[] purged;
    /** Pages free at the last sweep: the candidates of the next one. Null until the first sweep. */
    private long[] freeAtLastSweep;
    /** Number of bits set in {@link #purged}. */
    int purgedPages;

    private static final VarHandle PENDING;
    private static final VarHandle COLLECTS;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(Span.class, "remotePending", int.class);
            COLLECTS = MethodHandles.lookup().findVarHandle(Span.class, "collects", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Span(SuperSlab ss, int firstSlot, int slots, int cls) {
        this.ss = ss;
        this.firstSlot = firstSlot;
        this.slots = slots;
        this.base = ss.base + ((long) firstSlot << SizeClasses.SLAB_SHIFT);
        this.cls = cls;
        this.blockSize = SizeClasses.size(cls);
        this.magic = SizeClasses.magic(cls);
        this.capacity = slots * SizeClasses.SLAB_SIZE / blockSize;
        this.wordShift = blockSize <= 512 && Integer.bitCount(blockSize) == 1
                ? Integer.numberOfTrailingZeros(blockSize) - 3 : -1;
        this.freeMap = new long[(capacity + 63) >>> 6];
        this.slack = blockSize > SizeClasses.MAX_SMALL ? new LargeSlack(capacity, blockSize) : null;
    }

    /**
     * How many of the span's slabs hold a block start: all of them for blocks under 64 KiB, one
     * per block above. {@link SpanMap} has entries for exactly these ({@link PageOwners}: {@link SpanEntries#pages}).
     */
    int mappedSlabs() {
        return blockSize < SizeClasses.SLAB_SIZE ? slots : capacity;
    }

    /** An address in the {@code k}-th of the {@link #mappedSlabs} (its start, or the block start in it). */
    long mappedSlab(int k) {
        return blockSize < SizeClasses.SLAB_SIZE ? base + ((long) k << SizeClasses.SLAB_SHIFT) : base + (long) k * blockSize;
    }

    /** Length of the span in bytes: its slabs times 64 KiB. */
    long bytes() {
        return (long) slots << SizeClasses.SLAB_SHIFT;
    }

    /** Block index of {@code a}, which must lie in this span; exact only when {@code a} is a block start. */
    long indexOf(long a) {
        return ((a - base) * magic) >>> SizeClasses.MAGIC_SHIFT;
    }

    /** True when {@code a} is the start of a block that has been carved. */
    boolean isBlockStart(long a) {
        long o = a - base;
        long i = (o * magic) >>> SizeClasses.MAGIC_SHIFT;
        return o >= 0 && i * blockSize == o && i < carved;
    }

    /** No block can be taken without collecting remote frees first. */
    boolean exhausted() {
        return freeCount == 0 && carved == capacity;
    }

    /** The span's own bookkeeping adds up, and its {@link PageOwners} entry names its owner thread and class (for asserts). */
    boolean consistent() {
        return freeCount >= 0 && used >= 0 && carved <= capacity && freeCount + used == carved
                && PageOwners.matches(this);
    }

    /**
     * Moves up to {@code max} blocks out of the span into {@code dst[at .. at+n)}, available
     * blocks first (in address order from the cursor's free-map word on, a run of free blocks
     * at a time), then fresh ones. Owner only.
     *
     * @return n
     */
    int take(long[] dst, int at, int max) {
        return take(dst, at, max, false);
    }

    /**
     * {@link #take(long[], int, int)}; with {@code fill}, the pages under the blocks taken that are
     * not resident (purged by a sweep, or in a large span's {@link #coldSlots}) are populated, a
     * run of consecutive pages per call ({@link Os#populate}), and only those: the refill's blocks
     * are about to be written all over (see {@link Prefaults}). Owner only.
     *
     * @return n
     */
    int take(long[] dst, int at, int max, boolean fill) {
        int n = 0;
        if (freeCount > 0) {
            long[] fm = freeMap;
            int w = cursor;
            long bs = blockSize;
            while (n < max && freeCount > 0) {
                long bits = fm[w];
                while (bits != 0 && n < max) {
                    // a run of free blocks [b, b + len) of the word: one multiply, then adds
                    int b = Long.numberOfTrailingZeros(bits);
                    int len = Math.min(Long.numberOfTrailingZeros(~(bits >>> b)), max - n);
                    bits &= ~((-1L >>> (64 - len)) << b);
                    freeCount -= len;
                    long a = base + (long) ((w << 6) + b) * bs;
                    for (int end = n + len; n < end; n++, a += bs) {
                        dst[at + n] = a;
                    }
                }
                fm[w] = bits;
                if (bits == 0) {
                    w = w + 1 == fm.length ? 0 : w + 1;
                }
            }
            cursor = w;
        }
        int fresh = carved;
        while (n < max && carved < capacity) {
            dst[at + n++] = base + (long) (carved++) * blockSize;
        }
        used += n;
        if (purgedPages > 0) {
            unpurge(dst, at, n, fill);
        }
        if (coldSlots != 0 && carved > fresh) {
            carvedCold(fresh, fill);
        }
        return n;
    }

    /**
     * Blocks {@code fresh .. carved} of a large class were just carved: with {@code fill}, the
     * pages in cold slots under the part of each that every request of the class writes
     * ({@link #surelyWritten}) are populated, and a block wholly in cold slots starts its
     * written-pages record ({@link LargeSlack}) at what that made resident. The slots now wholly below the
     * carving point are no longer cold (their blocks are out, and a block that comes back is
     * resident unless a sweep purges it, see {@link #purged}).
     */
    private void carvedCold(int fresh, boolean fill) {
        long sure = surelyWritten();
        for (int k = fresh; k < carved && (fill || slack != null); k++) {
            long o = (long) k * blockSize;
            int first = (int) (o >>> SizeClasses.SLAB_SHIFT);
            int m = SuperSlab.runMask(firstSlot + first, (int) ((o + blockSize - 1) >>> SizeClasses.SLAB_SHIFT) - first + 1);
            if (slack != null && (coldSlots & m) == m) { // never written: resident only what the fill below populates
                slack.carvedUnwritten(k, fill ? sure : 0);
            }
            if (fill) {
                populateColdPart(o & -PAGE, o + sure + PAGE - 1 & -PAGE);
            }
        }
        int done = carved == capacity ? slots : (int) (((long) carved * blockSize) >>> SizeClasses.SLAB_SHIFT);
        if (done > 0) {
            coldSlots &= ~SuperSlab.runMask(firstSlot, done);
        }
    }

    /**
     * Populates the part of span offsets {@code [from, to)} (whole pages) in cold slots, a run of
     * slots per call ({@link SuperSlab#runLength}).
     */
    private void populateColdPart(long from, long to) {
        int first = (int) (from >>> SizeClasses.SLAB_SHIFT);
        int last = (int) ((to - 1) >>> SizeClasses.SLAB_SHIFT);
        int cold = coldSlots & SuperSlab.runMask(firstSlot + first, last - first + 1);
        while (cold != 0) {
            int slot = Integer.numberOfTrailingZeros(cold);
            int len = SuperSlab.runLength(cold, slot);
            long lo = Math.max(from, (long) (slot - firstSlot) << SizeClasses.SLAB_SHIFT);
            long hi = Math.min(to, (long) (slot - firstSlot + len) << SizeClasses.SLAB_SHIFT);
            Os.populate(base + lo, hi - lo);
            prefaulted = true;
            cold &= ~SuperSlab.runMask(slot, len);
        }
    }

    /**
     * Bytes from a block's start that every request of the class covers: the whole block up to a
     * page (its pages hold other blocks too), else the size of the class below (a request of this
     * class is larger). Populating past it would fault in the class's rounding, which a request of
     * the smallest size never writes.
     */
    private int surelyWritten() {
        return blockSize <= PAGE ? blockSize : SizeClasses.size(cls - 1);
    }

    // ------------------------------------------------------------------ large blocks' slack (see LargeSlack)

    /** Large block {@code a}, handed out by heap {@code h}, now serves {@code size} bytes: {@link LargeSlack#fit}. */
    void fitLarge(long a, long size, Heap h) {
        slack.fit((int) indexOf(a), a, size, h.largeAges);
    }

    /** Large block {@code a}, resized in place to {@code size} bytes: its owner may write that many now. */
    void recordLarge(long a, long size) {
        slack.record((int) indexOf(a), size);
    }

    /** Test hook: the pages of block {@code a}'s written-pages record ({@link LargeSlack}). */
    int writtenPages(long a) {
        return slack.written((int) indexOf(a));
    }

    // ------------------------------------------------------------------ purging free pages

    /** Pages of the span. */
    int pages() {
        return slots << (SizeClasses.SLAB_SHIFT - PAGE_SHIFT);
    }

    static final int PAGE_SHIFT = 12;
    static final int PAGE = 1 << PAGE_SHIFT;

    /**
     * Blocks {@code dst[at .. at+n)} were taken out and will be written: their pages are resident
     * again. With {@code fill}, the purged ones under the part of each block every request writes
     * ({@link #surelyWritten}) are populated first, each run of consecutive pages with one call
     * (the blocks come in address order, a run of free blocks at a time, so runs join across blocks).
     */
    private void unpurge(long[] dst, int at, int n, boolean fill) {
        int runStart = -1; // pending run of purged pages [runStart, runEnd) to populate
        int runEnd = -1;
        int sure = fill ? surelyWritten() : 0;
        for (int k = at; k < at + n; k++) {
            long o = dst[k] - base;
            int first = (int) (o >>> PAGE_SHIFT);
            int last = (int) ((o + blockSize - 1) >>> PAGE_SHIFT);
            int lastSure = (int) ((o + sure - 1) >>> PAGE_SHIFT); // pages under the part every request writes
            for (int p = first; p <= last; p++) {
                long m = 1L << p;
                if ((purged[p >>> 6] & m) != 0) {
                    purged[p >>> 6] &= ~m;
                    purgedPages--;
                    if (fill && p <= lastSure) {
                        if (p != runEnd) {
                            populatePages(runStart, runEnd);
                            runStart = p;
                        }
                        runEnd = p + 1;
                    }
                }
            }
        }
        populatePages(runStart, runEnd);
    }

    /** Populates pages {@code [from, to)} of the span; nothing when {@code from < 0}. */
    private void populatePages(int from, int to) {
        if (from >= 0) {
            Os.populate(base + ((long) from << PAGE_SHIFT), (long) (to - from) << PAGE_SHIFT);
        }
    }

    /** Whether the span has enough free bytes that whole pages may be free (a cheap filter for sweeps). */
    boolean mayHaveFreePages() {
        long free = (long) freeCount * blockSize + (long) (capacity - carved) * blockSize;
        return free >= 2L * PAGE || (blockSize >= PAGE && (freeCount > 0 || carved < capacity));
    }

    /**
     * The pages that hold no block out of the span (every block overlapping them is available or
     * never carved, and the tail past the last block), into {@code into} (bit p = page p).
     */
    long[] freePages(long[] into) {
        int pages = pages();
        java.util.Arrays.fill(into, 0, (pages + 63) >>> 6, 0);
        for (int p = 0; p < pages; p += 64) {
            int n = Math.min(64, pages - p);
            into[p >>> 6] = n == 64 ? -1L : (1L << n) - 1;
        }
        long[] fm = freeMap;
        for (int w = 0; w < fm.length; w++) {
            int firstBlock = w << 6;
            if (firstBlock >= carved) {
                break;
            }
            long out = ~fm[w];
            int inWord = Math.min(64, carved - firstBlock);
            if (inWord < 64) {
                out &= (1L << inWord) - 1;
            }
            while (out != 0) {
                int b = Long.numberOfTrailingZeros(out);
                out &= out - 1;
                long o = (long) (firstBlock + b) * blockSize;
                int first = (int) (o >>> PAGE_SHIFT);
                int last = (int) ((o + blockSize - 1) >>> PAGE_SHIFT);
                for (int p = first; p <= last; p++) {
                    into[p >>> 6] &= ~(1L << p);
                }
            }
        }
        return into;
    }

    /**
     * Gives back ({@code madvise(DONTNEED)}) the pages of the span that hold no block out of the
     * span and are not given back yet: all of them if {@code now}, else only those that were free
     * at the last sweep too (so pages freed and taken again between two sweeps, a decay time
     * apart, are left alone: churn costs no system call). Holder of the span's heap only: it reads
     * the free map, and nothing may take a block from the span meanwhile.
     *
     * @return bytes given back
     */
    long purgeFreePages(boolean now) {
        int words = (pages() + 63) >>> 6;
        long[] free = freePages(new long[words]);
        if (purged == null) {
            purged = new long[words];
        }
        long[] candidates = free.clone();
        if (!now) {
            long[] last = freeAtLastSweep;
            freeAtLastSweep = free.clone();
            if (last == null) {
                return 0;
            }
            for (int i = 0; i < words; i++) {
                candidates[i] &= last[i];
            }
        }
        long bytes = 0;
        for (int i = 0; i < words; i++) {
            candidates[i] &= ~purged[i];
        }
        int p = 0;
        int pages = pages();
        while (p < pages) {
            if ((candidates[p >>> 6] & (1L << p)) == 0) {
                p++;
                continue;
            }
            int q = p;
            while (q < pages && (candidates[q >>> 6] & (1L << q)) != 0) {
                q++;
            }
            if (Os.madvise(base + ((long) p << PAGE_SHIFT), (long) (q - p) << PAGE_SHIFT, Os.MADV_DONTNEED)) {
                for (int r = p; r < q; r++) {
                    purged[r >>> 6] |= 1L << r;
                }
                purgedPages += q - p;
                bytes += (long) (q - p) << PAGE_SHIFT;
            }
            p = q;
        }
        return bytes;
    }

    /** Clears the purged bits of the pages bytes {@code [from, to)} of the span overlap (to be written). */
    private void forgetPurged(long from, long to) {
        if (purgedPages == 0) {
            return;
        }
        for (int p = (int) (from >>> PAGE_SHIFT), last = (int) ((to - 1) >>> PAGE_SHIFT); p <= last; p++) {
            long m = 1L << p;
            if ((purged[p >>> 6] & m) != 0) {
                purged[p >>> 6] &= ~m;
                purgedPages--;
            }
        }
    }

    /** Forgets the purge state (the span leaves its heap: the pool tracks its memory by slot). */
    void forgetPurges() {
        purged = null;
        freeAtLastSweep = null;
        purgedPages = 0;
    }

    /** Puts block {@code a} (a block start of this span, out of the span) back. Owner only. */
    void give(long a) {
        giveIndex((int) indexOf(a));
    }

    /**
     * Puts back the blocks {@code m[i], m[i+1], ...} up to {@code to} or the first block that is not
     * in this span (all block starts of this span, out of it), and returns the index after the last
     * one. Blocks at consecutive addresses, ascending or descending (a burst of frees in the order
     * the blocks were handed out, or the reverse: a magazine pops the top of what a refill stacked),
     * go back as one range of free-map bits: one division for the run, one mask per word, instead
     * of one of each per block.
     * <pre>
     * m: [ base+3s  base+4s  base+5s | base+9s | base+12s base+11s base+10s | other span ...]
     *      up: bits [3, 6)              [9, 10)   down: bits [10, 13)          -&gt; returns the index of "other span"
     * </pre>
     * A run ends with the span even where the next address is the first (or last) block of the
     * neighbouring span of the class. Owner only.
     */
    int giveRun(long[] m, int i, int to) {
        long[] fm = freeMap;
        long bs = blockSize;
        long span = bytes();
        int n = 0;
        long x = m[i];
        do {
            long a = x;
            int lo = (int) indexOf(a);
            int hi = lo + 1; // the run is blocks [lo, hi)
            if (++i < to) {
                x = m[i];
                long step = x - a;
                if (step == bs || step == -bs) {
                    // the run goes on while the next block follows by step, up to the span's end (or start)
                    int room = step > 0 ? capacity - hi : lo;
                    int k = 0;
                    for (long next = x; k < room && x == next; next += step) {
                        k++;
                        if (++i == to) {
                            break;
                        }
                        x = m[i];
                    }
                    if (step > 0) {
                        hi += k;
                    } else {
                        lo -= k;
                    }
                }
            }
            setFree(fm, lo, hi);
            n += hi - lo;
        } while (i < to && Long.compareUnsigned(x - base, span) < 0);
        countGiven(n);
        return i;
    }

    /** {@code n} blocks just came back into the free map: available, no longer used, and a run may have grown ({@link #gaveBack}). */
    private void countGiven(int n) {
        freeCount += n;
        used -= n;
        gaveBack += n;
    }

    /** Sets bits {@code [from, to)} of free map {@code fm}, which must all be clear. */
    private static void setFree(long[] fm, int from, int to) {
        int w = from >>> 6;
        int last = (to - 1) >>> 6;
        long lo = -1L << from;       // bits from (from & 63) up, in word w
        long hi = -1L >>> -to;        // bits up to ((to - 1) & 63), in word last
        if (w == last) {
            long bits = lo & hi;
            assert (fm[w] & bits) == 0 : "blocks " + from + ".." + (to - 1) + " given back twice";
            fm[w] |= bits;
            return;
        }
        assert (fm[w] & lo) == 0 : "blocks from " + from + " given back twice";
        fm[w] |= lo;
        for (int j = w + 1; j < last; j++) {
            assert fm[j] == 0 : "blocks of free-map word " + j + " given back twice";
            fm[j] = -1L;
        }
        assert (fm[last] & hi) == 0 : "blocks up to " + (to - 1) + " given back twice";
        fm[last] |= hi;
    }

    /**
     * Puts back the blocks whose LIVE granule bits are {@code granules} in the shadow word that
     * covers the 512 bytes at offset {@code off} of the span (a multiple of 512), when the block
     * size is a power of two up to 512 ({@code wordShift >= 0}): the word's blocks are then
     * {@code 512 / blockSize} consecutive indices starting at {@code off / blockSize}, never
     * across two longs of the free map, so one OR gives them all back.
     * <pre>
     * 64-byte blocks: granule bits 0, 8, 16, ... 56 of the word -&gt; block bits 0, 1, 2, ... 7
     *                 at free-map index off / 64 (a multiple of 8)
     * </pre>
     * Owner only.
     *
     * @return blocks given back
     */
    int giveWord(long off, long granules) {
        assert wordShift >= 0 && (off & 511) == 0 : "giveWord on " + this + " at " + off;
        int n = Long.bitCount(granules);
        long blocks = 0;
        for (long g = granules; g != 0; g &= g - 1) {
            int b = Long.numberOfTrailingZeros(g);
            assert (b & ((1 << wordShift) - 1)) == 0 : "granule " + b + " is not a block start in " + this;
            blocks |= 1L << (b >>> wordShift);
        }
        int first = (int) (off >>> (wordShift + 3));
        long bits = blocks << (first & 63);
        assert (freeMap[first >>> 6] & bits) == 0 : "blocks " + Long.toHexString(bits) + " given back twice to " + this;
        freeMap[first >>> 6] |= bits;
        countGiven(n);
        return n;
    }

    /**
     * Takes the first run of at least {@code min} consecutive available blocks (from block 0; the
     * whole run) out of the span, as blocks out of it, for a lease: the blocks lent out of it will
     * write its pages, so the sweeps no longer count them as purged ({@link #purged}; they skipped
     * such a page after the lease ended, resident again, until a refill of the span's class took
     * a block over it). Holder only.
     *
     * @return {first block, blocks, pages of it that were purged} of the run, or null
     */
    int[] takeRun(int min) {
        if (runsKnownAt == gaveBack && min >= runsBelow) {
            return null; // no block came back since a scan found every run shorter
        }
        long[] fm = freeMap;
        int longest = 0;
        int i = nextBit(fm, 0, false);
        while (i >= 0) {
            int end = nextBit(fm, i, true);
            longest = Math.max(longest, end - i);
            if (end - i >= min) {
                for (int k = i; k < end; k++) {
                    fm[k >>> 6] &= ~(1L << k);
                }
                freeCount -= end - i;
                used += end - i;
                int purgedBefore = purgedPages;
                forgetPurged((long) i * blockSize, (long) end * blockSize);
                return new int[] {i, end - i, purgedBefore - purgedPages};
            }
            i = end < fm.length << 6 ? nextBit(fm, end, false) : -1;
        }
        runsBelow = longest + 1;
        runsKnownAt = gaveBack;
        return null;
    }

    /** The first bit at or after {@code from} that is set ({@code clear} false; else -1) or clear ({@code clear}; else the map's length in bits). */
    private static int nextBit(long[] fm, int from, boolean clear) {
        int w = from >>> 6;
        long bits = (clear ? ~fm[w] : fm[w]) & (-1L << from);
        while (bits == 0) {
            if (++w == fm.length) {
                return clear ? fm.length << 6 : -1;
            }
            bits = clear ? ~fm[w] : fm[w];
        }
        return (w << 6) + Long.numberOfTrailingZeros(bits);
    }

    /** Size of the block lent out of a lease at {@code a}, an address in the span, or -1 (any thread). */
    synchronized int lentSize(long a) {
        long o = a - base;
        if (lent == null || (o & ((1 << LENT_SHIFT) - 1)) != 0) {
            return -1;
        }
        int v = lent[(int) (o >>> LENT_SHIFT)] & 0xFF;
        return v == 0 ? -1 : SizeClasses.size(v - 1);
    }

    /**
     * The size class of the block at {@code a}, a block start in the span: a block lent out of one
     * of its leases has its own, the span's blocks the span's (any thread).
     */
    int classAt(long a) {
        int lent = leases != null ? lentSize(a) : -1;
        return lent >= 0 ? SizeClasses.classOf(lent) : cls;
    }

    /** The span's first lease begins: its lent table. Holder, under the span's monitor. */
    void beginLending() {
        assert Thread.holdsLock(this) && leases == null;
        leases = new Leases();
        lent = new byte[(int) (bytes() >>> LENT_SHIFT)];
    }

    /** Its last lease ended: no leases, no lent table. Holder, under the span's monitor. */
    void endLending() {
        assert Thread.holdsLock(this) && leases.isEmpty() && lentBlocks() == 0 : "lent blocks left in " + this;
        leases = null;
        lent = null;
    }

    /** Block {@code a} of class {@code c} (16 bytes or more, 16-byte aligned) is lent out of a lease. Under the span's monitor. */
    void markLent(long a, int c) {
        assert Thread.holdsLock(this) && SizeClasses.size(c) >= 1 << LENT_SHIFT && ((a - base) & ((1 << LENT_SHIFT) - 1)) == 0;
        lent[(int) ((a - base) >>> LENT_SHIFT)] = (byte) (c + 1);
    }

    /** Block {@code a} is no longer lent: its size, or -1 if it was not lent. Under the span's monitor. */
    int unmarkLent(long a) {
        assert Thread.holdsLock(this);
        int size = lentSize(a);
        if (size >= 0) {
            lent[(int) ((a - base) >>> LENT_SHIFT)] = 0;
        }
        return size;
    }

    /** Blocks lent out of the span (a scan: for asserts). Under the span's monitor. */
    private int lentBlocks() {
        int n = 0;
        if (lent != null) {
            for (byte v : lent) {
                n += v != 0 ? 1 : 0;
            }
        }
        return n;
    }

    /** The lease holding address {@code a}, or null (any thread). */
    synchronized Lease leaseAt(long a) {
        if (leases == null) {
            return null;
        }
        return leases.at(a);
    }

    /** The start of the live lent block that {@code a} lies inside (not at its start), or 0 (any thread; a scan: for error paths). */
    synchronized long lentBlockAround(long a) {
        if (lent == null) {
            return 0;
        }
        for (long g = (a - base) >>> LENT_SHIFT; g >= 0; g--) {
            int v = lent[(int) g] & 0xFF;
            if (v != 0) {
                long start = base + (g << LENT_SHIFT);
                // a lent block waiting in a magazine, or freed remotely, is free memory: not "live"
                return start < a && a < start + SizeClasses.size(v - 1) && Shadow.isLiveAndNotQueued(start) ? start : 0;
            }
        }
        return 0;
    }

    /** The span leaves its heap: its leases leave the heap's hole index (every one, with holes or fully lent). Holder. */
    synchronized void detachLeases() {
        if (leases != null) {
            for (Lease l : leases) {
                l.index = null;
            }
        }
    }

    /** Whether every block lent out of the span's leases is LIVE (for asserts). */
    synchronized boolean lentLive() {
        if (lent != null) {
            for (int g = 0; g < lent.length; g++) {
                if (lent[g] != 0 && !Shadow.isLive(base + ((long) g << LENT_SHIFT))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Blocks of the span in leases (for asserts). */
    synchronized int leasedBlocks() {
        int n = 0;
        if (leases != null) {
            for (Lease l : leases) {
                n += l.blocks;
            }
        }
        return n;
    }

    /** Puts back blocks {@code [from, to)}, all out of the span (a lease that ended). Holder only. */
    void giveRange(int from, int to) {
        setFree(freeMap, from, to);
        countGiven(to - from);
    }

    /**
     * Gives block {@code a} back: to its lease if it is lent out of one ({@link Lender#release}),
     * else to the span ({@link #give}). Holder only.
     *
     * @return blocks that came back into the span: 1 for one of its own, a lease's blocks when
     *         the lease ended with it, else 0
     */
    int giveBack(long a) {
        int k = leases != null ? Lender.release(this, a) : -1;
        if (k < 0) {
            give(a);
            return 1;
        }
        return k;
    }

    /** Puts block {@code i} back. Owner only. */
    void giveIndex(int i) {
        assert (freeMap[i >>> 6] & (1L << i)) == 0 : "block " + i + " given back twice to " + this;
        freeMap[i >>> 6] |= 1L << i;
        countGiven(1);
    }

    /**
     * Hands a span the pool kept, empty, to a new owner: its carved blocks are all available, and
     * its shadow bits and pending flag were cleared when it was kept. Pool lock held.
     */
    void reuse(Heap newOwner) {
        assert used == 0 && remotePending == 0 : "reused span not clean: " + this;
        setOwner(newOwner);
    }

    /** Gives the span to heap {@code h} (or, with null, to nobody: the pool). Pool lock held, or the span's holder. */
    void setOwner(Heap h) {
        owner = h;
        setOwnerThread(h == null ? null : h.platformThread());
        if (h != null) {
            magBase = Magazines.base(cls);
            ownerMag = h.mag;
        } else {
            ownerMag = null;
        }
    }

    /**
     * Makes {@code t} (a platform thread, or null) the owner thread, here and in the span's
     * {@link PageOwners} entries. Under the same conditions as {@link #setOwner}, or the
     * registry lock when a heap is bound to a new thread.
     */
    void setOwnerThread(Thread t) {
        ownerThread = t;
        SpanEntries.publish(this);
    }

    /** The start of the page of {@code a} (a lease's pages: from the floor of its start to the ceiling of its end). */
    static long pageFloor(long a) {
        return a & -PAGE;
    }

    /** {@code a} rounded up to a page boundary. */
    static long pageCeil(long a) {
        return (a + PAGE - 1) & -PAGE;
    }

    /** Zeroes the shadow bits its blocks may have left (see {@link Shadow#clearBlocks}). Pool lock held, no owner. */
    void clearShadow() {
        Shadow.clearBlocks(base, blockSize, carved);
    }

    // ---- the pending flag (the remote-free protocol's per-span step) ----

    /** Owner: takes the pending flag (sets it to 0, getAndSet) and returns whether it was set. */
    boolean claimPending() {
        return remotePending != 0 && (int) PENDING.getAndSet(this, 0) != 0;
    }

    /**
     * Remote freer: raises the pending flag if it is down (volatile read, then volatile write).
     *
     * @return whether this call raised it
     */
    boolean raisePending() {
        if (remotePending == 0) {
            remotePending = 1;
            return true;
        }
        return false;
    }

    /** Whether the pending flag is up (volatile read). */
    boolean isPending() {
        return remotePending != 0;
    }

    // ---- the collect count (lets a remote freer tell its mark from one a collect is taking) ----

    /**
     * Owner, before a collect: makes the collect count odd (opaque write: no fence; the collect's
     * release writes of LIVE words that follow publish it to a freer that reads one of them).
     */
    void beginCollect() {
        assert (collects & 1) == 0 : "nested collect on " + this;
        COLLECTS.setOpaque(this, collects + 1);
    }

    /** Owner, after a collect: makes the collect count even again (release write: after the collect's REMOTE updates). */
    void endCollect() {
        COLLECTS.setRelease(this, collects + 1);
    }

    /**
     * Remote freer: waits until no collect runs on this span (acquire reads; a collect is short
     * and never blocks, so this spins, yielding after a while in case its thread was descheduled).
     *
     * @return the collect count then (even)
     */
    int awaitCollect() {
        int c;
        for (int spins = 0; ((c = (int) COLLECTS.getAcquire(this)) & 1) != 0; spins++) {
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        return c;
    }

    /** The collect count (acquire read): odd while a collect runs; changed when one started. */
    int collects() {
        return (int) COLLECTS.getAcquire(this);
    }

    /** Pool, the span having no owner and nothing queued: lowers the flag (volatile write). */
    void clearPending() {
        remotePending = 0;
    }

    /** Whether block {@code i} is available in the span (for checks and tests). */
    boolean isAvailable(int i) {
        return (freeMap[i >>> 6] & (1L << i)) != 0;
    }

    @Override
    public String toString() {
        return "span@0x" + Long.toHexString(base) + "[class " + cls + ", " + blockSize + " B x " + capacity
                + ", used " + used + "]";
    }
}
