package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;

/**
 * Free blocks of a class held beside its magazine, for a loop on more blocks than the magazine's
 * room. One heap's, per class; holder only, like the magazines.
 *
 * <p>A thread that allocates n blocks of one class and frees them, again and again, keeps them all
 * in its magazine when n fits the room ({@link Bursts}). With n larger (glibc-simple on 1,600
 * blocks of 16 bytes, room 1,024), every turn refilled from the spans and flushed back to them
 * twice: 0.72-0.75x of mimalloc and tcmalloc, whose free lists have no room to run out of. A room
 * of 4,096 held that loop (1.39x) but made every heap's magazine array 59 KiB larger from its first
 * allocation. So a class whose swing at the room was larger than the magazine
 * ({@link Bursts#BEYOND}) gets a stash of {@code hakmem.stashRooms} (default 3) times its room, a
 * Java array made then, and from then on:
 * <pre>
 *   flush:   magazine full -&gt; its newest batch onto the stash while it has space (a copy, nothing
 *            moved down), what does not fit (the oldest blocks) back to the spans
 *   refill:  magazine empty -&gt; a batch from the top of the stash, copied, while it holds any; the
 *            spans only then
 *   sweep:   the class's magazine idle since the last sweep ({@link Bursts#idleSinceSweep}), and
 *            a flush of the whole heap (trim, idle, exit): every stashed block back to its span,
 *            the array dropped
 * </pre>
 * Stashed blocks are free blocks the heap caches, like those in its magazine: not live in the
 * shadow (so a second free of one is refused), counted in the spans' {@code used}, in the
 * statistics' cached blocks and in {@link Whereabouts}' answer. The fast paths do not change.
 */
final class Stash {
    /** Stash per class, in rooms of its magazine ({@code hakmem.stashRooms}, 0-8; 0: no stash). */
    static final int ROOMS = Math.clamp(Config.integer("stashRooms", 3), 0, 8);

    /** Per class: the stashed blocks (the top at {@code count - 1}), or null while the class has no stash. */
    private final long[][] blocks = new long[SizeClasses.COUNT][];
    /** Per class: blocks in the stash. */
    private final int[] count = new int[SizeClasses.COUNT];

    /** Java-heap bytes of one instance and its two tables, without the stashes themselves (for the metadata estimate). */
    static long footprint() {
        return 16 + 2 * 16 + (4 + 4) * (long) SizeClasses.COUNT;
    }

    /** Java-heap bytes of the stash arrays the classes have now (plain reads: from another thread a snapshot, for stats). */
    long arrayBytes() {
        long bytes = 0;
        for (long[] s : blocks) {
            if (s != null) {
                bytes += 16 + 8L * s.length;
            }
        }
        return bytes;
    }

    /** Gives class {@code c} a stash (empty) if it has none and stashes are on. */
    void activate(int c) {
        if (ROOMS > 0 && blocks[c] == null) {
            blocks[c] = new long[ROOMS * Magazines.room(c)];
        }
    }

    /** Blocks of class {@code c} in the stash. */
    int count(int c) {
        return count[c];
    }

    /** Blocks class {@code c}'s stash has space for (0 without a stash). */
    int space(int c) {
        long[] s = blocks[c];
        return s == null ? 0 : s.length - count[c];
    }

    /** Copies the {@code k <= space(c)} blocks {@code src[from .. from + k)} onto class {@code c}'s stash, in that order. */
    void put(int c, long[] src, int from, int k) {
        assert k <= space(c) : k + " blocks for a stash with space for " + space(c);
        if (k > 0) {
            int n = count[c];
            System.arraycopy(src, from, blocks[c], n, k);
            count[c] = n + k;
        }
    }

    /**
     * Moves up to {@code max} blocks from the top of class {@code c}'s stash into {@code dst[at ..]}
     * (in the order they were stashed: a magazine gets back the order it had); returns how many.
     */
    int take(int c, long[] dst, int at, int max) {
        int n = count[c];
        int k = Math.min(max, n);
        if (k > 0) {
            System.arraycopy(blocks[c], n - k, dst, at, k);
            count[c] = n - k;
        }
        return k;
    }

    /**
     * Ends class {@code c}'s stash: returns its array (or null), whose first {@link #count} blocks
     * the caller gives back, and forgets it. Read the count first.
     */
    long[] drop(int c) {
        long[] s = blocks[c];
        blocks[c] = null;
        count[c] = 0;
        return s;
    }

    /**
     * Whether block {@code a} is in class {@code c}'s stash (plain reads: exact for the holder;
     * from another thread a snapshot, for diagnostics only, see {@link Whereabouts}).
     */
    boolean holds(int c, long a) {
        long[] s = blocks[c];
        if (s == null) {
            return false;
        }
        for (int i = 0, n = Math.min(count[c], s.length); i < n; i++) {
            if (s[i] == a) {
                return true;
            }
        }
        return false;
    }
}
