package dev.hakmem.internal.slab;

/**
 * When a heap's magazine of one class grows: one heap's record of its flushes, per class. Holder
 * only, like the magazines it reads ({@code mag}, the heap's own array).
 *
 * <p>A thread that frees thousands of blocks of one class in a row and then allocates as many (a
 * consumer and a producer taking turns on one carrier, a phase freed and rebuilt) sends each block
 * magazine -&gt; span -&gt; magazine, a flush or a refill every batch. A native allocator with
 * per-page free lists has no such round trip: its free list is its cache. So the magazine of a
 * class of the smallest sizes grows while its frees keep coming:
 * <pre>
 *   flush, then frees only (no pop), flush again,   -&gt; burst: capacity x2 (up to the class's
 *     three flushes in a row                            room); refills and flushes then move
 *                                                       half the capacity ({@link #batchFor})
 *   flush, refill, flush, with at most twice the     -&gt; swing: capacity x2 as well; at the
 *     capacity pushed since the first flush             room already, the flush gives back a
 *                                                       sixteenth of the capacity ({@link #onFlush}),
 *                                                       or, after more than the capacity in pushes,
 *                                                       the class gets a {@link Stash}
 *   decay sweep with no burst or swing since the     -&gt; back to the configured capacity, the
 *     last one                                          blocks above half of it back to the spans
 *                                                       ({@link #idleSinceSweep}, Heap's sweep)
 *   flush of the whole heap (trim, idle, exit)       -&gt; back to the configured capacity
 * </pre>
 * A swing is a loop on a set of blocks a little larger than the magazine: allocate 200 blocks of
 * 16 bytes, free them, again (the magazine holds 128). Each turn of the loop empties the magazine
 * (refills) and overflows it (flushes), every block goes magazine -&gt; span -&gt; magazine, and the
 * refills after the first flush come in address order, where consecutive blocks share a shadow
 * word (Heap's {@code interleave}): tiny-hot with 200 blocks ran at 0.6-0.7x of tcmalloc and
 * mimalloc, whose thread caches and free lists have no such edge. Grown, the set stays in the
 * magazine (1.3-2.0x faster with 200-400 blocks of 16-256 bytes, stop 63).
 * <p>
 * Allocations alone never grow a magazine: a thread whose blocks are all freed by others (a
 * producer on platform threads) refills in a row, but bigger refills only take more from its
 * spans at a time (measured: xmalloc with one pair 6 % slower), and a new thread's first refills
 * would take blocks it gives back at its exit. The fast paths do not change: the capacity is in
 * the magazine's header, which push reads anyway. A mix of allocations and frees (a random walk of
 * the magazine's count) has a pop between two flushes, so it never counts as a burst, and goes
 * from full to empty and back only after many times the capacity in pushes (a walk of n steps
 * moves about sqrt(n)), so it is no swing either: it keeps the configured capacity and batch.
 */
final class Bursts {
    /**
     * Flushes in a row with only frees between them that make a burst: 3, so a run of a few
     * hundred frees leaves the capacity alone; a burst of thousands grows at its third flush.
     */
    private static final int FLUSHES = 3;

    /** The heap's magazines (the same array for the heap's life). */
    private final long[] mag;
    /**
     * Per class: the flushes in a row with only frees between them, up to and including the last
     * slow path; 0 when that was not a flush (a refill, an emptied or shrunk magazine).
     */
    private final int[] flushRun = new int[SizeClasses.COUNT];
    /** Per class: the magazine's push counter right after its last flush. */
    private final long[] pushesAfter = new long[SizeClasses.COUNT];
    /** Per class: the magazine's count right after its last flush. */
    private final int[] countAfter = new int[SizeClasses.COUNT];
    /** Per class: whether a burst or a swing was seen since the last periodic sweep. */
    private final boolean[] sinceSweep = new boolean[SizeClasses.COUNT];
    /** Per class: whether it refilled since its last flush. */
    private final boolean[] refilledSinceFlush = new boolean[SizeClasses.COUNT];
    /** Per class: whether it has flushed at all (so {@link #pushesAfter} counts from a flush). */
    private final boolean[] flushedOnce = new boolean[SizeClasses.COUNT];

    Bursts(long[] mag) {
        this.mag = mag;
    }

    /** Java-heap bytes of one instance and its arrays (for the metadata estimate). */
    static long footprint() {
        return 24 + 6 * 16 + (4 + 8 + 4 + 1 + 1 + 1) * (long) SizeClasses.COUNT;
    }

    /** Whether class {@code c}'s magazine may grow ({@link SizeClasses#burstCapacity} above its capacity). */
    static boolean growable(int c) {
        return Magazines.room(c) > SizeClasses.cacheCapacity(c);
    }

    /** The batch of class {@code c} at capacity {@code cap}: the configured one, or half a grown capacity. */
    static int batchFor(int c, int cap) {
        int batch = SizeClasses.batch(c);
        return cap > SizeClasses.cacheCapacity(c) ? Math.max(batch, cap / 2) : batch;
    }

    /** {@link #onFlush}: an ordinary flush, which gives a batch back ({@link #batchFor}). */
    static final int GIVE = 0;
    /** {@link #onFlush}: the magazine grew; it has room for the block, and nothing goes back. */
    static final int GREW = 1;
    /** {@link #onFlush}: a swing at the class's room, which gives back only {@link #heldBatch}. */
    static final int HOLD = 2;
    /**
     * {@link #onFlush}: a swing at the class's room whose turn was larger than the magazine (more
     * than its capacity pushed since the last flush): a loop no count of the magazine can hold,
     * which gives back a batch ({@link #batchFor}) into the heap's {@link Stash}.
     */
    static final int BEYOND = 3;

    /**
     * A flush of class {@code c} (header at {@code b}) found the magazine full: counts it in its
     * run and, when it makes a burst or ends a swing, doubles the capacity up to the class's room.
     * A swing that finds the magazine at its room already is a loop on between half and all of
     * the room's blocks, which a flush of half the capacity (the batch the refill before it took)
     * can keep cycling for ever: the turn's refill takes half a magazine, its frees overflow it and
     * give the same half back, and the next turn starts where this one did:
     *
     * <pre>
     *   room 1,024, loop on 800 blocks:  x = 700 -&gt; pop 700, refill 512, pop 100 -&gt; 412
     *                                     -&gt; push 612: full, flush 512 -&gt; 512, push 188 -&gt; 700
     * </pre>
     *
     * So that flush gives back a sixteenth of the capacity instead ({@link #HOLD}) when at most
     * the capacity was pushed since the last flush (a turn that fits): the count after a turn
     * then rises until it holds the whole loop. In a model of every loop and start count (room
     * 256-4,096), no loop of n &lt;= room cycles then, against n of 0.56-1.0 x room with half, and
     * loops larger than the room move as many blocks per turn as with half (without the
     * condition up to 1.6x as many: n = 1.3 x room). A turn that does not fit ({@link #BEYOND})
     * is such a loop, which the heap's {@link Stash} then holds beside the magazine.
     *
     * @return {@link #GIVE}, {@link #GREW}, {@link #HOLD} or {@link #BEYOND}
     */
    int onFlush(int c, int b) {
        if (!growable(c)) {
            return GIVE;
        }
        long pushed = mag[b + 1] - pushesAfter[c]; // since the last flush
        int cap = Magazines.capacity(mag[b]);
        boolean swing = swing(c, pushed, cap);
        if (burst(c, pushed, cap) || swing) {
            if (grow(c, b)) {
                return GREW;
            }
            if (swing) {
                // a turn that fits the magazine holds; else no count can hold the loop: the stash does
                return pushed <= cap ? HOLD : BEYOND;
            }
        }
        return GIVE;
    }

    /** What a flush of {@link #HOLD} gives back at capacity {@code cap}: a sixteenth of it. */
    static int heldBatch(int cap) {
        return Math.max(1, cap >>> 4);
    }

    /**
     * Whether this flush of class {@code c} (capacity {@code cap}, {@code pushed} pushes since the
     * last flush) ends a swing: the class refilled since its last flush, and at most twice the
     * capacity was pushed since then (a loop's turn, not a random walk).
     */
    private boolean swing(int c, long pushed, int cap) {
        boolean swing = refilledSinceFlush[c] && flushedOnce[c] && pushed <= 2L * cap;
        refilledSinceFlush[c] = false;
        flushedOnce[c] = true;
        if (swing) {
            sinceSweep[c] = true;
        }
        return swing;
    }

    /**
     * Counts this flush of class {@code c} (capacity {@code cap}, {@code pushed} pushes since the
     * last flush) in its run and says whether it makes a burst: it is the {@link #FLUSHES}th or
     * later slow path in a row that is a flush after which the fast paths only pushed (the push
     * counter moved by exactly the room the last flush left, plus the push that found the magazine
     * full: any pop between would have made room for one more push).
     */
    private boolean burst(int c, long pushed, int cap) {
        boolean onlyFrees = flushRun[c] > 0 && pushed == (long) cap - countAfter[c] + 1;
        int run = onlyFrees ? flushRun[c] + 1 : 1;
        flushRun[c] = run;
        if (run < FLUSHES) {
            return false;
        }
        sinceSweep[c] = true;
        return true;
    }

    /** Doubles class {@code c}'s capacity up to its room; returns whether it grew. */
    private boolean grow(int c, int b) {
        long hdr = mag[b];
        int cap = Magazines.capacity(hdr);
        int room = Magazines.room(c);
        if (cap >= room) {
            return false;
        }
        mag[b] = Magazines.withCapacity(hdr, Math.min(room, cap * 2));
        return true;
    }

    /** Notes class {@code c}'s magazine (header at {@code b}) right after a flush, for the next one. */
    void flushed(int c, int b) {
        pushesAfter[c] = mag[b + 1];
        countAfter[c] = Magazines.count(mag[b]);
    }

    /** The last slow path of class {@code c} was not a flush (a refill, an emptied magazine): the run ends. */
    void runEnds(int c) {
        flushRun[c] = 0;
    }

    /** Class {@code c} refilled: a run of flushes ends, and the next flush may end a swing. */
    void refilled(int c) {
        runEnds(c);
        refilledSinceFlush[c] = true;
    }

    /**
     * Part of the periodic sweep: whether class {@code c}'s magazine grew and saw no burst or
     * swing since the last sweep, so it goes back to its configured capacity (the caller shrinks
     * it; its run ends). Starts the next sweep's period for the class.
     */
    boolean idleSinceSweep(int c) {
        if (!growable(c)) {
            return false;
        }
        boolean idle = Magazines.capacity(mag[Magazines.base(c)]) > SizeClasses.cacheCapacity(c) && !sinceSweep[c];
        if (idle) {
            flushRun[c] = 0;
        }
        sinceSweep[c] = false;
        return idle;
    }
}
