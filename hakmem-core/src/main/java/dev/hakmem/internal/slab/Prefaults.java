package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.Os;

/**
 * Which non-resident pages of tiny and mid blocks (up to 32 KiB) a heap faults in ahead of the
 * user's writes: one heap's record of how its classes' blocks get written. Holder only. A page
 * fault is a trap into the kernel per 4 KiB; {@code madvise(MADV_POPULATE_WRITE)} does the same
 * work for a whole range without the traps (on the 2-vCPU development VM 4.5-6 against 10
 * microseconds per page), so pages that will be written anyway are cheaper populated in one call.
 * Two moments of a refill:
 * <pre>
 *   it takes a new span (cold slots:    {@link #newSpan}: every cold slot at once ({@link Span#populateCold})
 *     never touched, or purged by       when the heap holds a span of the class that ran out (a
 *     the pool)                         working set growing a span at a time) and the class's
 *                                       blocks are written all over (below)
 *   it takes blocks from a span with    {@link #fillsTaken}: the purged pages under the blocks taken,
 *     pages a sweep purged (a working   and only those ({@link Span#take(long[], int, int, boolean)}),
 *     set refilled after a free)        when the class's blocks are written all over
 * </pre>
 * Written all over: blocks up to a page always (a span that fills up, a block taken, is written
 * on every page it lies on); blocks of 4-32 KiB when a full span of the class that this heap did
 * not populate itself was resident all over (one {@code mincore}), the class's last answer
 * standing otherwise. A heap's first span of a class (a thread that allocates a few blocks of many
 * classes, a working set after a free-all) keeps to the pages it writes. Large blocks (one to a
 * few per span) are not populated: measured on frag-phases, populating the part of each large
 * block every request of its class writes made the run 15-20 % faster but its peak RSS 6 % higher,
 * since the pool's idle memory then waited out more of its decay time within a phase (see
 * docs/results/memory).
 */
final class Prefaults {

    /** Whether non-resident pages are faulted in ahead of the writes at all ({@code hakmem.prefault}). */
    static final boolean ENABLED = Config.flag("prefault", true);

    /** Per tiny and mid class: whether the last full span checked was resident all over; lazily made. */
    private boolean[] writtenAllOver;
    /** {@code mincore}'s vector: a byte per page of the largest span of a tiny or mid class; lazily made. */
    private byte[] residency;

    /** Java-heap bytes of the record before its first use (the arrays come with the first mid-class check). */
    static long footprint() {
        return 16 + 2 * 4;
    }

    /**
     * Refill: new span {@code s} (with cold slots) was taken while the heap holds {@code full}, a
     * span of the class that ran out, or null. Populates its cold slots or leaves them, as the
     * table above says.
     */
    void newSpan(Span s, Span full) {
        if (ENABLED && full != null
                && (s.blockSize <= Os.PAGE || (s.blockSize <= SizeClasses.MAX_SMALL && writtenAllOver(full)))) {
            s.populateCold();
        }
        s.coldSlots = 0;
    }

    /** Refill of class {@code c} from a span with purged pages: whether the blocks taken get theirs populated. */
    boolean fillsTaken(int c) {
        if (!ENABLED || c >= SizeClasses.SMALL_COUNT) {
            return false;
        }
        return SizeClasses.size(c) <= Os.PAGE || (writtenAllOver != null && writtenAllOver[c]);
    }

    /** Whether the user writes all over the blocks of full span {@code full}'s class, as far as this heap can tell. */
    private boolean writtenAllOver(Span full) {
        if (writtenAllOver == null) {
            writtenAllOver = new boolean[SizeClasses.SMALL_COUNT];
            residency = new byte[SuperSlab.SLABS * (SizeClasses.SLAB_SIZE >>> 12)];
        }
        if (!full.prefaulted) {
            writtenAllOver[full.cls] = Os.allResident(full.base, (long) full.slots << SizeClasses.SLAB_SHIFT, residency);
        }
        return writtenAllOver[full.cls];
    }
}
