package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.Os;

import java.util.Arrays;

/**
 * Lending: a heap's small class about to take a new span first takes blocks of its size out of
 * the free bytes of the heap's leases; with no hole that holds one, a run of available blocks of
 * another small class's partial span becomes a new {@link Lease}. A lent block freed gives its
 * bytes back to its lease (merged with the free bytes next to it in the lease), and a lease with
 * nothing lent ends: its blocks go back to their span. So the space random frees leave in the
 * spans of one class serves the growth of another, byte by byte, where segregated classes alone
 * would map new spans (docs/results/memory: frag-refill's peak from 1.76 to about 1.47 of the
 * live bytes); the fast paths stay as they are, and a class that has blocks of its own never
 * lends. The heap's sweep gives back the whole pages inside holes ({@link #purgeHoles}).
 *
 * <pre>
 * hole index (this heap's leases' free bytes):
 *   bins[k]: holes of at least size(k) bytes and less than size(k + 1) (the last: 32 KiB and up),
 *            a LIFO list; mask: the non-empty bins.  A block of class c takes the first hole of
 *            the first non-empty bin &gt;= c (two bit scans).
 *   a lease's holes: the records of its free bytes in address order, in the lease
 *            ({@link Lease#holeEndingAt}, {@link Lease#holeStartingAt}), to merge a freed block
 *            with the holes next to it (never across two leases): the lease's own arrays, which
 *            the free reads anyway, instead of a map of the whole heap's holes.
 * </pre>
 *
 * <p>A lent block lives in a span of another class: the {@link PageOwners} entries of the pages
 * its lease touches are zero while the lease lasts, so every free there takes the slow path, which finds lent
 * blocks in the span's lent table ({@link Span#lentSize}); the LIVE/REMOTE shadow bits work for a
 * lent block as for any block (they mark block starts, whatever the size). What a lease holds
 * (its lent blocks' sizes and count) lives with its span, so it follows the span when its heap
 * dies; the hole index is the heap's, and a lease whose heap died ({@link Lease#index} null) is
 * only waited out.
 *
 * <p>Holder of the heap only, but {@link #release}, which whoever acts as the span's owner calls
 * (its heap's holder, or the pool under its lock for an orphan).
 */
final class Lender {
    /**
     * Whether heaps lend at all (hakmem.lend, on by default: on the memory suite it takes
     * frag-refill's peak from 1.76 to about 1.47 of the live bytes and leaves the other drivers as
     * they were; the quick suite's heaps stay below {@link #MIN_BYTES}, and a heap that lends
     * keeps the fast path for every free but those on the pages of a lease).
     */
    static final boolean ENABLED = Config.flag("lend", true);
    /** Small spans a heap holds before it lends (hakmem.lendMinBytes): a small heap has little to lend and its frees stay fast. */
    static final long MIN_BYTES = Math.max(0, Config.size("lendMinBytes", 64L << 20));
    /** Partial spans a harvest looks at, at most, before it gives up. */
    static final int SPANS_PER_HARVEST = 256;
    private static final int BINS = SizeClasses.SMALL_COUNT + 1;
    private static final int NONE = -1;

    // hole records, by index; free records are a stack through next
    private long[] start = new long[64];
    private int[] length = new int[64];
    private int[] prev = new int[64];
    private int[] next = new int[64];
    private Lease[] lease = new Lease[64];
    /** Sweep the record was made after (see {@link #purgeHoles}); {@link #PURGED}: its whole pages are purged. */
    private int[] born = new int[64];
    private static final int PURGED = -1;
    private int records;
    /**
     * The records not purged yet, oldest first: (record &lt;&lt; 32) | its birth sweep, appended as each
     * is made (so in birth order); an entry whose record was removed or made again since is stale
     * and skipped. {@link #purgeHoles} takes them from the head up to the first that is too young,
     * so a sweep costs the holes it purges, not all the heap's holes.
     */
    private long[] unpurged = new long[64];
    private int unpurgedHead;
    private int unpurgedTail;
    /** Sweeps so far. */
    private int sweeps;
    private int freeRecord = NONE;

    private final int[] bins = new int[BINS];
    private final long[] mask = new long[(BINS + 63) >>> 6];

    /** Where the next harvest starts: a class, and a span of its partial list (or null: its head). */
    private int cursorClass;
    private Span cursorSpan;
    /**
     * The class where the harvests' current pass over the partial lists began, or {@link #NONE}:
     * none under way. A pass goes on over as many harvests as its spans take, {@link
     * #SPANS_PER_HARVEST} at a time, and ends at a new lease or back at this class.
     */
    private int passStart = NONE;
    /** What a harvest found: a new lease, nothing in a whole pass, or nothing yet (its budget ran out mid-pass). */
    private static final int FOUND = 0, NOTHING = 1, NOT_YET = 2;
    /**
     * Passes that found nothing, in a row; lending is skipped for a while after each. A harvest
     * whose budget ran out mid-pass is no miss: skipping then left runs a few hundred spans on
     * unlent while the class took new spans (frag-refill's peak 1.47-1.54 of the live bytes
     * against 1.42-1.45 without that skip, stop 55).
     */
    private int misses;
    private int skip;
    /** Bytes that came back into the heap's spans since the last miss: enough of them end the skip. */
    private long freedSinceMiss;
    /** Bytes back in the spans after which a harvest is tried again, however many misses before. */
    private static final long RETRY_BYTES = 64 << 10;

    /** The heap whose leases these are (its holder lends). */
    final Heap heap;

    Lender(Heap heap) {
        this.heap = heap;
        Arrays.fill(bins, NONE);
    }

    /** Java-heap bytes of an idle lender (its tables grow with the holes it indexes). */
    static long footprint() {
        return 64 + 6 * (16 + 64 * 8L) + 16 + 4L * BINS + 16 + 8L * ((BINS + 63) >>> 6);
    }

    // ------------------------------------------------------------------ lending

    /**
     * Up to {@code max} consecutive blocks of small class {@code c}, cut from one hole (a new lease's
     * if no hole holds one), into {@code dst[at ..]} so that they pop in address order. With
     * {@code fill} (the class's blocks are written all over, see {@link Prefaults#fillsTaken}), the
     * pages under them are populated in one call when the hole's pages had gone back to the OS
     * (a purged hole, or a lease over a span's purged pages), instead of a fault per page.
     *
     * @return blocks lent (0: none; the class takes a new span)
     */
    int lend(int c, SpanLists lists, long[] dst, int at, int max, boolean fill) {
        int need = SizeClasses.size(c);
        if (need < 1 << Span.LENT_SHIFT) {
            return 0; // 8-byte blocks take spans of their own (the lent table's granule is 16 bytes)
        }
        if (skip > 0) {
            skip--;
            return 0;
        }
        // every block of a class is aligned to its size's lowest set bit (as in its own spans, see
        // SizeClasses.classOfAligned): so are lent ones, and one block n * need on too
        int align = Integer.lowestOneBit(need);
        int r = fit(c, need, align);
        if (r == NONE) {
            int found = harvest(c, need + align - Math.min(align, 8), lists);
            if (found != FOUND) {
                if (found == NOTHING) {
                    misses++;
                    skip = 1 << Math.min(misses, 10);
                    freedSinceMiss = 0;
                }
                return 0;
            }
            misses = 0;
            r = fit(c, need, align);
            assert r != NONE : "a new lease holds a block of class " + c;
        }
        Lease l = lease[r];
        long h = start[r];
        int len = length[r];
        boolean purged = born[r] == PURGED;
        long a = (h + align - 1) & -align;
        int n = (int) Math.min(max, (h + len - a) / need);
        remove(r);
        // the parts left keep a purged hole's state: their whole pages are among its whole pages
        if (a > h) {
            insert(l, h, (int) (a - h), purged);
        }
        long after = a + (long) n * need;
        if (after < h + len) {
            insert(l, after, (int) (h + len - after), purged);
        }
        if (purged && fill) {
            long from = Span.pageFloor(a);
            Os.populate(from, Span.pageCeil(after) - from);
        }
        Span s = l.span;
        synchronized (s) {
            for (int i = 0; i < n; i++) {
                s.markLent(a + (long) i * need, c);
            }
        }
        for (int i = 0; i < n; i++) {
            dst[at + i] = a + (long) (n - 1 - i) * need;
        }
        l.lent += n;
        return n;
    }

    /** Holes looked at per bin for one that holds an aligned block before going on to larger bins. */
    private static final int PER_BIN = 4;

    /**
     * A hole holding a block of {@code need} bytes aligned to {@code align}: the first that does
     * among the first few of each non-empty bin from class {@code c} up (a hole of a bin of at
     * least {@code need + align - 8} bytes always does), or NONE.
     */
    private int fit(int c, int need, int align) {
        for (int b = nextBin(c); b != NONE; b = nextBin(b + 1)) {
            int k = 0;
            for (int r = bins[b]; r != NONE && k < PER_BIN; r = next[r], k++) {
                long a = (start[r] + align - 1) & -align;
                if (a + need <= start[r] + length[r]) {
                    return r;
                }
            }
        }
        return NONE;
    }

    /** The first non-empty bin at or above {@code b}, or NONE. */
    private int nextBin(int b) {
        for (int w = b >>> 6; w < mask.length; w++) {
            long m = mask[w] & (w == b >>> 6 ? -1L << b : -1L);
            if (m != 0) {
                return (w << 6) + Long.numberOfTrailingZeros(m);
            }
        }
        return NONE;
    }

    /**
     * Takes a run of available blocks of at least {@code need} bytes from a partial span of
     * another small class (the first one found, the whole run) as a new lease: looks at up to
     * {@link #SPANS_PER_HARVEST} spans, class by class from where the last harvest stopped, as a
     * step of the current pass ({@link #passStart}; the part of its first class's list before the
     * span it began at is left to the next pass).
     *
     * @return {@link #FOUND}, {@link #NOTHING} (the pass ended without a lease) or {@link #NOT_YET}
     */
    private int harvest(int c, int need, SpanLists lists) {
        int budget = SPANS_PER_HARVEST;
        int d = cursorClass;
        Span s = cursorSpan;
        if (s != null && (s.owner != heap || s.list != SpanLists.PARTIAL || s.cls != d)) {
            s = null; // the cursor left the list: start the class again
        }
        if (passStart == NONE) {
            passStart = d;
        }
        for (int classes = 0; classes <= SizeClasses.SMALL_COUNT && budget > 0; classes++) {
            if (classes > 0 && d == passStart) {
                break; // back where this pass began, nothing found on the way
            }
            if (d != c) {
                int size = SizeClasses.size(d);
                int min = (need + size - 1) / size;
                for (s = s != null ? s : lists.partialHead(d); s != null && budget > 0; s = s.next, budget--) {
                    if ((long) s.freeCount * size < need) {
                        continue;
                    }
                    int[] run = s.takeRun(min);
                    if (run != null) {
                        cursorClass = d;
                        cursorSpan = s.next;
                        passStart = NONE;
                        newLease(s, run[0], run[1], run[2]);
                        return FOUND;
                    }
                }
                if (budget == 0) {
                    cursorClass = d;
                    cursorSpan = s;
                    return NOT_YET; // the pass goes on at the next refill that would grow
                }
            }
            s = null;
            d = d + 1 == SizeClasses.SMALL_COUNT ? 0 : d + 1;
        }
        cursorClass = d;
        cursorSpan = null;
        passStart = NONE;
        return NOTHING;
    }

    /** A lease of blocks {@code [first, first + blocks)} of span {@code s}, {@code purgedPages} of whose pages the span's sweeps had purged. */
    private void newLease(Span s, int first, int blocks, int purgedPages) {
        Lease l = new Lease(s, first, blocks, this);
        synchronized (s) {
            if (s.leases == null) {
                s.beginLending();
            }
            s.leases.add(l);
        }
        SpanEntries.leaseBegun(s, l); // 0 there now: frees of those pages take the slow path
        // a hole whose whole pages all went back is a purged one (see lend)
        long whole = (Span.pageFloor(l.end) - Span.pageCeil(l.start)) / Span.PAGE;
        insert(l, l.start, (int) (l.end - l.start), whole > 0 && purgedPages >= whole);
    }

    // ------------------------------------------------------------------ freeing

    /** Blocks came back into the heap's spans: new runs, perhaps; after enough of them the next refill that would grow tries again. */
    void freedIntoSpans(long bytes) {
        if (skip > 0 && (freedSinceMiss += bytes) >= RETRY_BYTES) {
            skip = 0;
            misses = 0;
        }
    }

    /**
     * Frees block {@code a} of span {@code s} if it is lent out of one of the span's leases: its
     * bytes go back to the lease (into its heap's hole index, if the heap still has it), and a
     * lease with nothing lent ends. The span's holder, or the pool under its lock.
     *
     * @return blocks given back to the span (a lease ended), 0, or -1 if {@code a} is not lent
     */
    static int release(Span s, long a) {
        Lease l;
        int size;
        synchronized (s) {
            size = s.leases == null ? -1 : s.unmarkLent(a);
            if (size < 0) {
                return -1;
            }
            l = s.leases.floor(a);
        }
        assert a >= l.start && a + size <= l.end : "lent block 0x" + Long.toHexString(a) + " outside " + l;
        if (l.index != null) {
            l.index.freed(l, a, size);
        }
        if (--l.lent > 0) {
            return 0;
        }
        if (l.index != null) {
            l.index.ended(l);
        }
        synchronized (s) {
            s.leases.remove(l);
            if (s.leases.isEmpty()) {
                s.endLending();
            }
        }
        s.giveRange(l.firstBlock, l.firstBlock + l.blocks);
        SpanEntries.leaseEnded(s, l); // the owner's again where no other lease touches
        return l.blocks;
    }

    /** Lent bytes {@code [a, a + len)} of lease {@code l} are free: a hole, merged with its neighbours in the lease. */
    private void freed(Lease l, long a, int len) {
        long from = a;
        long to = a + len;
        int left = l.holeEndingAt(from);
        if (left != NONE) {
            from = start[left];
            remove(left);
        }
        int right = l.holeStartingAt(to);
        if (right != NONE) {
            to += length[right];
            remove(right);
        }
        insert(l, from, (int) (to - from), false);
    }

    /** Lease {@code l} has nothing lent: its one hole (all of it) leaves the index. */
    private void ended(Lease l) {
        int r = l.holeStartingAt(l.start);
        assert r != NONE && length[r] == l.end - l.start && l.holeCount() == 1 : "an ended lease is one hole: " + l;
        remove(r);
    }

    /**
     * The heap's spans go to other owners (its thread died): their leases stay with them, out of
     * any index ({@link Span#detachLeases}), until they end; the index is emptied.
     */
    void dropAll() {
        for (int r = 0; r < records; r++) {
            if (lease[r] != null) {
                lease[r].clearHoles();
            }
        }
        Arrays.fill(lease, 0, records, null);
        records = 0;
        freeRecord = NONE;
        Arrays.fill(bins, NONE);
        Arrays.fill(mask, 0);
        unpurgedHead = 0;
        unpurgedTail = 0;
        newPass();
        freedSinceMiss = 0;
    }

    /** For tests: the next harvest begins a pass at class {@code c}'s partial list, with no skip pending. */
    void restartHarvestsAt(int c) {
        cursorClass = c;
        newPass();
    }

    /** The next harvest begins a pass of its own, at the start of the cursor's class, with no skip pending. */
    private void newPass() {
        cursorSpan = null;
        passStart = NONE;
        misses = 0;
        skip = 0;
    }

    /**
     * Part of the heap's sweep: gives back ({@code madvise(DONTNEED)}) the whole pages inside the
     * holes of its leases, those of holes that were there at the last sweep too (all of them if
     * {@code now}), as a span's free pages go back. A hole merged or cut since is a new record and
     * waits a sweep again, but the parts of a purged hole that a lend cut stay purged (their whole
     * pages are among its whole pages); a purged page lent again is populated by the lend
     * ({@link #lend}) or faulted in by the write that uses it.
     *
     * @return bytes given back
     */
    long purgeHoles(boolean now) {
        sweeps++;
        long bytes = 0;
        for (; unpurgedHead < unpurgedTail; unpurgedHead++) {
            long q = unpurged[unpurgedHead];
            int r = (int) (q >>> 32);
            if (!isCurrent(q)) {
                continue; // removed, or made again (a later entry)
            }
            if (!now && born[r] >= sweeps - 1) {
                break; // this one and every one after it are too young
            }
            long from = Span.pageCeil(start[r]);
            long to = Span.pageFloor(start[r] + length[r]);
            if (to > from && Os.madvise(from, to - from, Os.MADV_DONTNEED)) {
                bytes += to - from;
            }
            born[r] = PURGED;
        }
        if (unpurgedHead == unpurgedTail) {
            unpurgedHead = 0;
            unpurgedTail = 0;
        }
        return bytes;
    }

    /** Whether entry {@code q} of {@link #unpurged} still names its record, unpurged. */
    private boolean isCurrent(long q) {
        int r = (int) (q >>> 32);
        return lease[r] != null && born[r] == (int) q;
    }

    /** Appends record {@code r}, just made, to {@link #unpurged}; drops the stale entries first when they fill it. */
    private void unpurged(int r) {
        if (unpurgedTail == unpurged.length) {
            int n = 0;
            for (int i = unpurgedHead; i < unpurgedTail; i++) {
                if (isCurrent(unpurged[i])) {
                    unpurged[n++] = unpurged[i];
                }
            }
            unpurgedHead = 0;
            unpurgedTail = n;
            if (n > unpurged.length / 2) {
                unpurged = Arrays.copyOf(unpurged, unpurged.length * 2);
            }
        }
        unpurged[unpurgedTail++] = (long) r << 32 | born[r];
    }

    // ------------------------------------------------------------------ hole records

    /** The bin of a hole of {@code len} bytes: the largest small class of at most {@code len} bytes (the last bin above them all). */
    static int binOf(long len) {
        if (len >= SizeClasses.MAX_SMALL) {
            return BINS - 1;
        }
        int c = SizeClasses.classOf(len);
        return SizeClasses.size(c) == len ? c : c - 1;
    }

    /** Hole record {@code a, len} of lease {@code l}; {@code purged}: its whole pages went back to the OS already (not queued for a purge). */
    private void insert(Lease l, long a, int len, boolean purged) {
        int r = freeRecord;
        if (r != NONE) {
            freeRecord = next[r];
        } else {
            if (records == start.length) {
                int n = records * 2;
                start = Arrays.copyOf(start, n);
                length = Arrays.copyOf(length, n);
                prev = Arrays.copyOf(prev, n);
                next = Arrays.copyOf(next, n);
                lease = Arrays.copyOf(lease, n);
                born = Arrays.copyOf(born, n);
            }
            r = records++;
        }
        start[r] = a;
        length[r] = len;
        lease[r] = l;
        if (purged) {
            born[r] = PURGED;
        } else {
            born[r] = sweeps;
            unpurged(r);
        }
        int b = binOf(len);
        int h = bins[b];
        prev[r] = NONE;
        next[r] = h;
        if (h != NONE) {
            prev[h] = r;
        }
        bins[b] = r;
        mask[b >>> 6] |= 1L << b;
        l.addHole(a, len, r);
    }

    private void remove(int r) {
        int b = binOf(length[r]);
        if (prev[r] != NONE) {
            next[prev[r]] = next[r];
        } else {
            bins[b] = next[r];
            if (next[r] == NONE) {
                mask[b >>> 6] &= ~(1L << b);
            }
        }
        if (next[r] != NONE) {
            prev[next[r]] = prev[r];
        }
        lease[r].removeHole(start[r]);
        lease[r] = null;
        next[r] = freeRecord;
        freeRecord = r;
    }
}
