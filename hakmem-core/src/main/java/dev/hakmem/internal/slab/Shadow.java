package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.os.Reservation;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The block-state bitmaps, in native memory beside the reservation (never inside user blocks),
 * so that their pages go back to the OS with the SuperSlab they describe.
 *
 * <pre>
 * for every 512 bytes of the reservation, 16 bytes of shadow:
 *   SHADOW + ((a - BASE) &gt;&gt;&gt; 9) * 16      LIVE word:   bit b set  &lt;=&gt;  a block starts at the 8-byte
 *                                           granule b of those 512 bytes and is handed out to the user
 *   ... + 8                                 REMOTE word: bit b set  &lt;=&gt;  that block was freed by a
 *                                           non-owner thread and the owner has not collected it yet
 * bit b of a word for address a:  mask = 1L &lt;&lt; (a &gt;&gt;&gt; 3)   (Java shifts take the low six bits)
 * a 2 MiB SuperSlab has 64 KiB of shadow, at SHADOW + slot * 64 KiB
 * </pre>
 *
 * <p>Invariants: LIVE words are written only by the thread holding the owner of the span that
 * covers them, or by the pool under its lock while the span has no owner (plain stores; other
 * threads read them opaquely); a REMOTE bit is set (atomic OR) only while the LIVE bit of the
 * same block is set, and taken by the owner with an atomic AND; a bit set on a free block (a
 * double free) is taken back by its freer or dropped, logged, by whoever clears it (see
 * {@link RemoteFree}). A span's bits are cleared when the span is released ({@link #clearBlocks});
 * slots whose shadow may still hold bits are cleared when a span is formatted on them (REMOTE
 * words never by a plain store: {@link #dropMarks}); the shadow of a SuperSlab is purged
 * ({@code madvise(DONTNEED)}, which zeroes it) when the SuperSlab's memory goes back to the OS,
 * and a shadow page of two free slots (already all zero) when the pool purges those slots
 * ({@link #purgeSlotPairs}). So every span starts with all of its bits clear.
 *
 * <p>The region is one {@code mmap(PROT_READ|PROT_WRITE, MAP_NORESERVE)} of the reservation's
 * window / 32 bytes at start-up: untouched pages cost nothing. It is placed at {@code WINDOW >>> 5}
 * where that range is free ({@link Reservation#mapMetadata}), so that SHADOW, BASE's word, is
 * {@code BASE >>> 5} and {@code SHADOW + ((a - BASE) >>> 9) * 16} is {@code (a >>> 5) & ~15}: no
 * 64-bit constant on the hot paths. The words of the window's addresses before BASE exist and
 * stay zero: a free of such an address reads them ({@link Reservation#inWindow}) and finds no block.
 */
final class Shadow {
    private Shadow() {}

    private static final MemorySegment ALL = Os.ALL;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    /** Plain accesses (see {@link #get}); called directly, one inlining level less than {@code ALL.get(layout, offset)}. */
    private static final VarHandle PLAIN = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();
    private static final long BASE = Reservation.BASE;
    /** Bytes of the reservation one LIVE word (and its REMOTE word) describes: a bit per 8-byte granule. */
    static final int WORD_BYTES = 512;
    /** Shadow bytes per SuperSlab. */
    static final long PER_SUPERSLAB = Reservation.UNIT >>> 5;
    /** Start of the shadow region (0 when there is no reservation). */
    static final long SHADOW;

    static {
        SHADOW = Reservation.mapMetadata(5); // at BASE >>> 5 where it can: see WORD_BIAS
    }

    /**
     * {@code SHADOW - (BASE >>> 5)}: with BASE 2 MiB-aligned, {@code word(a)} is this plus
     * {@code (a >>> 5) & ~15}, one constant instead of two on the hot paths; and 0, so no constant
     * at all, when the region sits at {@code BASE >>> 5} ({@link Reservation#mapMetadata}).
     */
    private static final long WORD_BIAS = SHADOW - (BASE >>> 5);

    /** Address of the LIVE word of address {@code a} (the REMOTE word is 8 bytes on). */
    static long word(long a) {
        return WORD_BIAS + ((a >>> 5) & ~15L);
    }

    /** Bit mask of address {@code a} in its words. */
    static long bit(long a) {
        return 1L << (a >>> 3);
    }

    // Plain accesses use the UNALIGNED layout: the shadow words are all 8-byte aligned anyway
    // (so the access is the same single mov), and the segment's alignment check folds away
    // (the atomic modes below keep JAVA_LONG).
    //
    // Inlining depth. A segment access is about nine nested JDK methods, all forced inline but
    // the last, NativeMemorySegmentImpl.maxAlignMask(), which C2 inlines only within
    // MaxInlineLevel (15) frames of the method it compiles. Past that it is a real call on
    // every access: tiny-hot fell from ~340 to ~200 Mops/s when one more level of hakmem
    // methods sat between a benchmark loop and these accesses. So the hot paths reach them in
    // as few frames as possible: PLAIN is called directly, and Magazines.popAt, Front.free and
    // Front.malloc call the accessors below without helpers in between.
    static long get(long wordAddress) {
        return (long) PLAIN.get(ALL, wordAddress);
    }

    static void set(long wordAddress, long value) {
        PLAIN.set(ALL, wordAddress, value);
    }

    static long getOpaque(long wordAddress) {
        return (long) LONG.getOpaque(ALL, wordAddress);
    }

    static long getVolatile(long wordAddress) {
        return (long) LONG.getVolatile(ALL, wordAddress);
    }

    static long getAndOr(long wordAddress, long mask) {
        return (long) LONG.getAndBitwiseOr(ALL, wordAddress, mask);
    }

    static long getAndAnd(long wordAddress, long mask) {
        return (long) LONG.getAndBitwiseAnd(ALL, wordAddress, mask);
    }

    static void setRelease(long wordAddress, long value) {
        LONG.setRelease(ALL, wordAddress, value);
    }

    static void setVolatile(long wordAddress, long value) {
        LONG.setVolatile(ALL, wordAddress, value);
    }

    /** Marks {@code a} live. Owner only. */
    static void markLive(long a) {
        long w = word(a);
        PLAIN.set(ALL, w, (long) PLAIN.get(ALL, w) | bit(a)); // not through get/set: one frame less (see get)
    }

    /** Whether the LIVE bit of {@code a} is set: a block starting there is out, queued as a remote free or not (any thread; opaque read). */
    static boolean isLive(long a) {
        return (getOpaque(word(a)) & bit(a)) != 0;
    }

    /** Whether the block at {@code a} is live and not queued as a remote free (any thread; opaque reads). */
    static boolean isLiveAndNotQueued(long a) {
        long w = word(a);
        long m = bit(a);
        return (getOpaque(w) & m) != 0 && (getOpaque(w + 8) & m) == 0;
    }

    /** How many of the first {@code carved} blocks of {@code blockSize} bytes from {@code base} are LIVE (for asserts; any thread, opaque reads). */
    static int countLive(long base, int blockSize, int carved) {
        int n = 0;
        for (int i = 0; i < carved; i++) {
            long a = base + (long) i * blockSize;
            if (isLive(a)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Zeroes the shadow of {@code [from, from + bytes)} of the reservation, whose blocks are all
     * free (a span being formatted on slots that may hold old bits): LIVE words with plain
     * stores, REMOTE words through {@link #dropMarks}.
     */
    static void clear(long from, long bytes) {
        for (long w = word(from), end = w + (bytes >>> 5); w < end; w += 16) {
            set(w, 0);
            dropMarks(w);
        }
        VarHandle.fullFence();
    }

    /**
     * Zeroes the words that can hold bits of the first {@code carved} blocks of {@code blockSize}
     * bytes from {@code base} (bits are only ever set at block starts of carved blocks): the
     * words of the blocks' range for blocks under 512 bytes, one LIVE/REMOTE pair per block above,
     * so a span of one 2 MiB block costs 16 bytes, not 64 KiB. Pool lock held: its release
     * publishes the zeroes to the span's next owner.
     */
    static void clearBlocks(long base, int blockSize, int carved) {
        if (blockSize >= WORD_BYTES) {
            for (int i = 0; i < carved; i++) {
                long w = word(base + (long) i * blockSize);
                set(w, 0);
                dropMarks(w);
            }
        } else if (carved > 0) {
            clear(base, ((long) carved * blockSize + WORD_BYTES - 1) & -WORD_BYTES);
        }
    }

    /**
     * Clears the REMOTE word of LIVE word {@code w} in a range whose blocks are all free, so every
     * bit in it is a stale mark (a double free whose freer has not taken its mark back yet, see
     * {@link RemoteFree}, step 4). Each batch is logged in {@link StaleMarks} before the atomic
     * AND that drops it, as a collect drops stale marks: a freer who then finds its mark gone
     * reports the double free instead of taking the mark for one a collect took. (A plain store
     * of zero here lost such a mark unlogged, and two racing frees of one block both succeeded
     * when the block's span was released between them.) The read is volatile, so a word
     * without marks costs no write.
     */
    private static void dropMarks(long w) {
        long q = getVolatile(w + 8);
        while (q != 0) {
            StaleMarks.record(w, q);
            q = getAndAnd(w + 8, ~q) & ~q; // marks that came after the read: stale as well
        }
    }

    /**
     * Gives back the shadow pages of the free slot pairs of the SuperSlab at {@code base} whose
     * bits are set in {@code pairs} (bit 2k: slots 2k and 2k + 1, one shadow page), one call per
     * run of consecutive pairs. Their words are all zero already (a free slot's shadow is cleared
     * when its span is released), so this changes no bit: their pages only stop being resident,
     * and read as zero after. A stale mark a double free may have put there since is dropped and
     * logged first ({@link #dropMarks}); one put between that sweep and the {@code madvise}, whose
     * freer reaches step 4 after it, is gone unlogged, and that freer returns as if a collect had
     * taken it: no block is given back twice, only that double free goes unreported. Pool lock held (no span can be formatted on the slots meanwhile).
     */
    static void purgeSlotPairs(long base, int pairs) {
        assert (pairs & 0xAAAAAAAA) == 0 : "pairs start at even slots: " + Integer.toHexString(pairs);
        int slots = pairs | (pairs << 1); // runs of whole pairs: even starts, even lengths
        while (slots != 0) {
            int first = Integer.numberOfTrailingZeros(slots);
            int len = SuperSlab.runLength(slots, first);
            long from = word(base + ((long) first << SizeClasses.SLAB_SHIFT));
            long bytes = (long) len << (SizeClasses.SLAB_SHIFT - 5);
            assert (from & 4095) == 0 && (bytes & 4095) == 0 : "shadow pages of slot pairs are whole pages";
            dropAllMarks(from, bytes);
            Os.madvise(from, bytes, Os.MADV_DONTNEED);
            slots &= ~SuperSlab.runMask(first, len);
        }
    }

    /** Gives the shadow pages of a whole SuperSlab at {@code base} back to the OS (they read as zero after), its stale marks dropped first as in {@link #purgeSlotPairs}. */
    static void purge(long base) {
        dropAllMarks(word(base), PER_SUPERSLAB);
        Os.madvise(word(base), PER_SUPERSLAB, Os.MADV_DONTNEED);
    }

    /** {@link #dropMarks} on every REMOTE word of the shadow bytes {@code [from, from + bytes)}. */
    private static void dropAllMarks(long from, long bytes) {
        for (long w = from, end = from + bytes; w < end; w += 16) {
            dropMarks(w);
        }
    }
}
