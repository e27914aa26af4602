package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.Os;

/**
 * Which non-resident pages a heap faults in ahead of the user's writes: one heap's record of how
 * its classes' blocks get written. Holder only. A page fault is a trap into the kernel per 4 KiB;
 * {@code madvise(MADV_POPULATE_WRITE)} does the same work for a whole range without the traps (on
 * the 2-vCPU development VM 4.5-6 against 10 microseconds per page), so pages that will be
 * written anyway are cheaper populated in one call. Two moments of a refill:
 * <pre>
 *   it takes a new span (cold slots:    {@link #newSpan}: tiny and mid classes, every cold slot at once
 *     never touched, or purged by       ({@link Span#populateCold}) when the heap holds a span of the
 *     the pool)                         class that ran out (a working set growing a span at a time)
 *                                       and the class's blocks are written all over (below); large
 *                                       classes keep their cold slots for the next step
 *   it takes blocks over pages that     {@link #fillsTaken}: the pages under the blocks taken, and only
 *     are not resident (purged by a     those ({@link Span#take(long[], int, int, boolean)}), when the
 *     sweep, or a large span's cold     class's blocks are written all over; above a page only up to
 *     slots)                            the size of the class below, which every request covers
 * </pre>
 * Written all over: blocks up to a page always (a span that fills up, a block taken, is written on
 * every page it lies on); blocks of 4-32 KiB when a full span of the class that this heap did not
 * populate itself was resident all over (one {@code mincore}); large blocks when the block the
 * class's previous refill handed out is resident up to the class below's size (one
 * {@code mincore} per refill that would populate, {@link #handed}). Otherwise the class's last
 * answer stands: pages this heap populated itself prove nothing about the user's writes. A heap's
 * first span of a class (a thread that allocates a few blocks of many classes, a working set after
 * a free-all) and a large class's first block keep to the pages the user writes.
 */
final class Prefaults {

    /** Whether non-resident pages are faulted in ahead of the writes at all ({@code hakmem.prefault}). */
    static final boolean ENABLED = Config.flag("prefault", true);

    /** Per tiny and mid class: whether the last full span checked was resident all over; lazily made. */
    private boolean[] writtenAllOver;
    /** Per large class: the block its last refill handed out (0: none yet), the probe of the next one; lazily made. */
    private long[] lastHanded;
    /** Per large class: whether that block's pages were populated here (its residency then proves nothing). */
    private boolean[] lastFilled;
    /** Per large class: the last answer of the probe. */
    private boolean[] largeWritten;

    /** {@code mincore}'s vector: a byte per page of the largest span of a tiny or mid class, or of a large block; lazily made. */
    private byte[] residency;

    /** Java-heap bytes of the record before its first use (the arrays come with the first check). */
    static long footprint() {
        return 16 + 5 * 4;
    }

    /**
     * Refill: new span {@code s} (with cold slots) was taken while the heap holds {@code full}, a
     * span of the class that ran out, or null. Populates its cold slots or leaves them, as the
     * table above says; a large span keeps them for {@link #fillsTaken}.
     */
    void newSpan(Span s, Span full) {
        if (s.blockSize > SizeClasses.MAX_SMALL) {
            return; // large: the blocks taken are populated, not the span (fillsTaken)
        }
        if (ENABLED && full != null
                && (s.blockSize <= Os.PAGE || writtenAllOver(full))) {
            s.populateCold();
        }
        s.coldSlots = 0;
    }

    /** Refill of class {@code c} from a span with pages not resident: whether the blocks taken get theirs populated. */
    boolean fillsTaken(int c) {
        if (!ENABLED) {
            return false;
        }
        if (c < SizeClasses.SMALL_COUNT) {
            return SizeClasses.size(c) <= Os.PAGE || (writtenAllOver != null && writtenAllOver[c]);
        }
        int k = c - SizeClasses.SMALL_COUNT;
        if (lastHanded == null || lastHanded[k] == 0) {
            return false;
        }
        if (!lastFilled[k]) {
            // the part of the block every request of the class covers (the class below's size,
            // whole pages: large blocks start on a page), see Span.surelyWritten
            largeWritten[k] = Os.allResident(lastHanded[k], SizeClasses.size(c - 1) & -Os.PAGE, residency());
            lastHanded[k] = 0; // probed: the next refill probes the block that one hands out
        }
        return largeWritten[k];
    }

    /**
     * Refill of large class {@code c} handed out block {@code a}; {@code filled}: pages of the
     * refill's blocks were populated here.
     */
    void handed(int c, long a, boolean filled) {
        if (!ENABLED) {
            return;
        }
        int k = c - SizeClasses.SMALL_COUNT;
        if (lastHanded == null) {
            int large = SizeClasses.COUNT - SizeClasses.SMALL_COUNT;
            lastHanded = new long[large];
            lastFilled = new boolean[large];
            largeWritten = new boolean[large];
        }
        lastHanded[k] = a;
        lastFilled[k] = filled;
    }

    private byte[] residency() {
        if (residency == null) {
            residency = new byte[SuperSlab.SLABS * (SizeClasses.SLAB_SIZE >>> 12)];
        }
        return residency;
    }

    /** Whether the user writes all over the blocks of full span {@code full}'s class, as far as this heap can tell. */
    private boolean writtenAllOver(Span full) {
        if (writtenAllOver == null) {
            writtenAllOver = new boolean[SizeClasses.SMALL_COUNT];
        }
        if (!full.prefaulted) {
            writtenAllOver[full.cls] = Os.allResident(full.base, (long) full.slots << SizeClasses.SLAB_SHIFT, residency());
        }
        return writtenAllOver[full.cls];
    }
}
