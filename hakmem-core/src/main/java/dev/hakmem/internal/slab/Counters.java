package dev.hakmem.internal.slab;

/**
 * A heap's event counters per size class: plain longs written only by the thread holding the
 * heap, summed (racily: exact only while the heap is quiet) into {@link Totals} for the stats.
 *
 * <p>Allocations are not counted on the fast path: they follow from the magazine's balance,
 * {@code allocations = taken + pushes - flushed - cached}, where {@code pushes} (local frees into
 * the magazine) and {@code cached} live in the magazine itself ({@link Magazines}), and in the
 * {@link Stash} ({@code cached} also counts its blocks, which were neither flushed nor taken). Frees are
 * {@code pushes + remoteFrees}: every local free goes into the magazine.
 */
public final class Counters {
    /** Blocks moved from spans into the magazine. */
    static final int TAKEN = 0;
    /** Refills of the magazine. */
    static final int REFILLS = 1;
    /** Remote frees made by the heap's thread (blocks of spans other heaps own). */
    static final int REMOTE_FREES = 2;
    /** Blocks moved from the magazine back to their spans. */
    static final int FLUSHED = 3;
    /** Blocks lent to the class out of other classes' free runs ({@link Lender}); also counted as taken. */
    static final int LENT = 4;
    /** log2 of the slots per class: eight, five used (TAKEN, REFILLS, REMOTE_FREES, FLUSHED, LENT). */
    private static final int SHIFT = 3;

    private final long[] cells = new long[SizeClasses.COUNT << SHIFT];

    Counters() {}

    /** Adds one to counter {@code slot} of class {@code c}. */
    void inc(int c, int slot) {
        cells[(c << SHIFT) + slot]++;
    }

    /** Adds {@code n} to counter {@code slot} of class {@code c}. */
    void add(int c, int slot, long n) {
        cells[(c << SHIFT) + slot] += n;
    }

    long get(int c, int slot) {
        return cells[(c << SHIFT) + slot];
    }

    /** Java-heap bytes of one instance (for the metadata estimate). */
    static long footprint() {
        return 16 + 16 + 8L * (SizeClasses.COUNT << SHIFT);
    }

    /** Adds these counters and the balance of magazine {@code mag} and stash {@code stash} to {@code t}. */
    void addTo(Totals t, long[] mag, Stash stash) {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            long pushes = Magazines.pushes(mag, c);
            long remote = get(c, REMOTE_FREES);
            t.add(c, get(c, TAKEN) + pushes - get(c, FLUSHED) - Magazines.count(mag, c) - stash.count(c),
                    pushes + remote, get(c, REFILLS), remote, get(c, LENT));
        }
    }

    /** Counters summed over heaps, per size class. */
    public static final class Totals {
        private final long[] allocations = new long[SizeClasses.COUNT];
        private final long[] frees = new long[SizeClasses.COUNT];
        private final long[] refills = new long[SizeClasses.COUNT];
        private final long[] remoteFrees = new long[SizeClasses.COUNT];
        private final long[] lent = new long[SizeClasses.COUNT];

        Totals() {}

        void add(int c, long allocs, long frees, long refills, long remoteFrees, long lent) {
            this.allocations[c] += allocs;
            this.frees[c] += frees;
            this.refills[c] += refills;
            this.remoteFrees[c] += remoteFrees;
            this.lent[c] += lent;
        }

        void addAll(Totals o) {
            for (int c = 0; c < SizeClasses.COUNT; c++) {
                add(c, o.allocations[c], o.frees[c], o.refills[c], o.remoteFrees[c], o.lent[c]);
            }
        }

        /** Blocks of class {@code c} lent out of other classes' free runs. */
        public long lent(int c) {
            return lent[c];
        }

        /** Blocks of class {@code c} handed out. */
        public long allocations(int c) {
            return allocations[c];
        }

        /** Blocks of class {@code c} given back, local and remote. */
        public long frees(int c) {
            return frees[c];
        }

        /** Refills of thread magazines of class {@code c}. */
        public long refills(int c) {
            return refills[c];
        }

        /** Frees of class {@code c} made by a thread other than the owner of the block's span. */
        public long remoteFrees(int c) {
            return remoteFrees[c];
        }
    }
}
