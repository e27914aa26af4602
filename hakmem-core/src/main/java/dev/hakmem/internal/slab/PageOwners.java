package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.os.Reservation;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Who may free into each 4 KiB page of the SuperSlabs without a lock: one word per page of the
 * reservation, in native memory found by address arithmetic, so the owner's free tests ownership
 * with one load that depends only on the address, beside the shadow's, instead of the chain
 * SpanMap chunk -&gt; {@link Span} -&gt; owner thread -&gt; owner's magazines.
 *
 * <pre>
 * entry(a) = TABLE + ((a - BASE) &gt;&gt;&gt; 12) * 8
 *   (ownerId &lt;&lt; 24) | b     the span mapped at a's page belongs to the heap of platform thread
 *                            ownerId (its magazines are MAGS[ownerId &amp; MASK] while that thread
 *                            holds its table slot), and its class's magazine header is at index
 *                            b = {@link Magazines#base}(cls) of them (the free needs no multiply)
 *   0                        no span, a span in the pool or the cache, a shared heap's span, or a
 *                            page that a lease of the span touches ({@link Lender}: the blocks lent
 *                            there are of other classes, so their frees take the slow path)
 *
 * a span of class 1 KiB owned by thread 7, with one lease (its blocks 9-14, bytes [9 KiB, 15 KiB)):
 *   page    |  0  |  1  |  2  |  3  |  4  | ... | 15  |
 *   entry   | 7,b | 7,b |  0  |  0  | 7,b | ... | 7,b |     b = Magazines.base(1 KiB's class)
 *   frees on pages 0-1 and 4-15 take the owner's fast path; on pages 2-3 (the lease's) the slow path
 * </pre>
 *
 * <p>Invariant ({@link #matches}): a non-zero entry names the span's {@link Span#ownerThread} and
 * class; it is written with them ({@link Span#setOwner}, {@link Span#setOwnerThread}) at every
 * page of the span (for blocks of 64 KiB and more: the page of each block start, the only
 * addresses a free of them can pass), zeroed when the span loses its owner (released, cached or
 * orphaned), and zeroed at a lease's pages while it lasts ({@link SpanEntries#leaseBegun}). Writers hold
 * the pool lock, the registry lock or the span; the free path reads plainly, as it reads
 * {@code ownerThread}: a thread finds its own id only in entries it wrote itself or that a lock it
 * took since published, and a match is then confirmed by its magazines' owner word (the heap is
 * idle and its own). A stale entry can only miss, never match another thread: thread ids are never
 * reused.
 *
 * <p>The region is one {@code mmap(PROT_READ|PROT_WRITE, MAP_NORESERVE)} of the reservation's
 * window / 512 bytes (512 MiB of address space for the default 256 GiB), at {@code WINDOW >>> 9}
 * where that range is free, so that TABLE, BASE's entry, is {@code BASE >>> 9}
 * ({@link Reservation#mapMetadata}); entries of the window's addresses before BASE exist and stay
 * zero, as a free of such an address may read one ({@link Reservation#inWindow}). Resident only
 * where written: one
 * page of it per 2 MiB SuperSlab (SuperSlabs are 2 MiB-aligned), given back with the SuperSlab's
 * memory ({@link #purge}).
 */
final class PageOwners {
    private PageOwners() {}

    private static final MemorySegment ALL = Os.ALL;
    /** Plain accesses, as in {@link Shadow} (one frame less than {@code ALL.get(layout, offset)}). */
    private static final VarHandle PLAIN = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();
    /** One entry per page of the spans ({@link Span#PAGE}, the unit their free pages are purged in). */
    static final int PAGE_SHIFT = Span.PAGE_SHIFT;
    static final long PAGE = Span.PAGE;
    static final long BASE = Reservation.BASE;
    /** Start of the table (0 when there is no reservation). */
    static final long TABLE;

    static {
        TABLE = Reservation.mapMetadata(PAGE_SHIFT - 3); // at BASE >>> 9 where it can: see BIAS
    }

    /**
     * {@code TABLE - (BASE >>> 9)}: with BASE page-aligned, the entry of a is this plus
     * {@code (a >>> 9) & ~7}; 0, so no constant at all, when the table sits at {@code BASE >>> 9}
     * ({@link Reservation#mapMetadata}).
     */
    private static final long BIAS = TABLE - (BASE >>> (PAGE_SHIFT - 3));

    /** Address of the entry of address {@code a}, which must lie in the reservation. */
    static long entryAddress(long a) {
        return BIAS + ((a >>> (PAGE_SHIFT - 3)) & ~7L);
    }

    /** The entry of address {@code a}, which must lie in the reservation (plain read). */
    static long get(long a) {
        return (long) PLAIN.get(ALL, entryAddress(a));
    }

    /** The entry for a span of class {@code cls} owned by the heap of platform thread {@code owner}, or 0 for none. */
    static long entry(Thread owner, int cls) {
        return owner == null ? 0 : owner.threadId() << 24 | Magazines.base(cls);
    }

    /** The owner id of entry {@code e} (0 for none). */
    static long ownerId(long e) {
        return e >>> 24;
    }

    /** The index of the class's magazine header named by entry {@code e}. */
    static int magBase(long e) {
        return (int) e & 0xFF_FFFF;
    }

    /** Writes {@code e} at the pages {@code [from, to)} (page-aligned addresses in the reservation). */
    static void fill(long from, long to, long e) {
        if (TABLE == 0) {
            return;
        }
        for (long p = from; p < to; p += PAGE) {
            set(p, e);
        }
    }

    /** Whether every entry of span {@code s} is what {@link SpanEntries#at} says (for asserts; the span's holder or the pool lock). */
    static boolean matches(Span s) {
        if (TABLE == 0) {
            return true;
        }
        for (int k = 0, n = SpanEntries.pages(s); k < n; k++) {
            long p = SpanEntries.page(s, k);
            if (get(p) != SpanEntries.at(s, p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Gives back the table's page for the SuperSlab at {@code base}, whose entries are all zero (it
     * holds no span): it stops being resident and reads as zero after. Pool lock held.
     */
    static void purge(long base) {
        if (TABLE == 0) {
            return;
        }
        assert (entryAddress(base) & (PAGE - 1)) == 0 : "a SuperSlab's entries are one table page";
        Os.madvise(entryAddress(base), PAGE, Os.MADV_DONTNEED);
    }

    private static void set(long a, long e) {
        PLAIN.set(ALL, entryAddress(a), e);
    }

    static {
        assert Magazines.SLOTS <= 0x100_0000 : "magazine indices do not fit an entry's 24 bits";
        assert (BASE & (Reservation.UNIT - 1)) == 0 : "reservation not SuperSlab-aligned";
        assert Reservation.UNIT >>> (PAGE_SHIFT - 3) == PAGE : "one table page per SuperSlab";
    }
}
