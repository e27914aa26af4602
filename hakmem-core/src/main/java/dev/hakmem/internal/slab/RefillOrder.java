package dev.hakmem.internal.slab;

import java.util.Arrays;

/**
 * The order in which a refill stacks its batch in the magazine, for the classes whose blocks
 * share a shadow LIVE word with their neighbours (under 512 bytes). One heap's; holder only.
 *
 * <p>Blocks under 512 bytes share a LIVE word with their neighbours (a word covers 512 bytes,
 * {@link Shadow}), so when a loop allocates or frees the blocks of a batch in stack order, each
 * mark (and each free's clear) reads the word the one before it has just written: a chain through
 * store-to-load forwarding. So a refill reorders its batch, in chunks of {@link #CHUNK} blocks
 * taken in address order, so that consecutive blocks on the stack come from different parts of
 * the chunk, each part at least 512 bytes:
 * <pre>
 * interleave (four parts):  A0 A1 A2 | B0 B1 B2 | C0 C1 C2 | D0 D1 D2  -&gt;  A0 B0 C0 D0  A1 B1 C1 D1  A2 B2 C2 D2
 * alternateHalves (two):    A0 A1 A2 A3 | B0 B1 B2 B3                  -&gt;  A0 B0 A2 B2  A1 B1 A3 B3
 *
 *   a class's refills since the heap's owner took it ({@link #reset}):
 *     the first FOUR_PART_REFILLS        interleave each whole chunk (the 8-byte class, whose chunk of
 *                                        four parts would not fit its magazine: alternateHalves)
 *     the later ones                     alternateHalves each whole chunk
 *     every one of them                  takes one whole chunk at least while the magazine holds it ({@link #batch})
 *     after the class's first flush      address order ({@link #overflowed})
 * </pre>
 * A remainder smaller than a chunk keeps address order. With parts of at least 512 bytes, any four
 * consecutive blocks update different words, while a chunk stays within a few kilobytes. A loop
 * that allocates and frees the same blocks over and over keeps the order (a magazine is a stack),
 * so the first refills' order is what it runs on: two parts gave tiny-hot 1.04-1.12x on the AMD
 * machine (docs/results/profiles.md, "Stop 61"), four another 1.10x with 16-byte blocks (stop 63),
 * with the other quick drivers and xmalloc on virtual threads unchanged (halves of a whole batch,
 * up to 32 KiB apart in a burst, had cost xmalloc with two pairs on virtual threads 18-26 %). Which
 * blocks are handed out does not change, only their order.
 *
 * <p>Four parts only for the first refills: a class that refills again and again without a flush
 * is a producer whose blocks other threads free (xmalloc with one pair on platform threads), and
 * it pays the order on every refill. Four parts (a copy and a strided copy of the whole chunk) were
 * 4-6 % of such a producer's time in samples against 0.7 % for the swaps of two halves, and
 * xmalloc's one pair ran 3-7 % slower than with two halves from the start (profiles.md, "Stop 64");
 * a loop on a set of blocks (tiny-hot) takes its order from its first refills.
 *
 * <p>Only before the first flush, since the order pays only while the same blocks cycle through
 * the magazine; a class that overflows its magazine streams blocks through its spans, where
 * address order is worth more: a flush gives a run of consecutive addresses back in one step
 * ({@link Span#giveRun}), interleaved blocks one at a time, and the blocks are written in the
 * order the hardware prefetches. Interleaving every refill cost xmalloc on one carrier 25 %
 * (a producer that fills 26 MiB of batches, a consumer that frees them in flushes); with the
 * rule it is unchanged, and tiny-hot (a loop on 100 blocks that never leaves the magazine)
 * keeps its gain (profiles.md, "The refill's order until a class first flushes").
 */
final class RefillOrder {
    /** Classes below this one have blocks under 512 bytes, which share their LIVE word with neighbours. */
    static final int CLASSES = SizeClasses.classOf(Shadow.WORD_BYTES);
    /** At most this many parts in a chunk: 8 cost tiny-hot with 32-byte blocks 7 % against 4 (stop 63). */
    private static final int MAX_WAYS = 4;
    /**
     * Per class below {@link #CLASSES}: the parts of a chunk, 4 where the chunk fits the class's
     * configured magazine capacity, else 2 (8 B; ordered by {@link #alternateHalves} only).
     */
    private static final int[] WAYS = new int[CLASSES];
    /**
     * Per class below {@link #CLASSES}: the blocks of a refill's batch are reordered in chunks of
     * this many, {@link #WAYS} parts of at least 512 bytes and an even number of blocks each
     * (8 B: 2 x 64 blocks, 16 B: 4 x 32, 48 B: 4 x 12, 64 B: 4 x 8, 256 B: 4 x 2).
     */
    private static final int[] CHUNK = new int[CLASSES];
    /** The largest chunk: the size of each instance's {@link #scratch}. */
    private static final int MAX_CHUNK;
    /** A class's first refills since the heap's owner took it that {@link #interleave} four parts. */
    private static final int FOUR_PART_REFILLS = 8;

    static {
        int max = 0;
        for (int c = 0; c < CLASSES; c++) {
            int part = (Shadow.WORD_BYTES + SizeClasses.size(c) - 1) / SizeClasses.size(c);
            part += part & 1; // even, so that the halves of a chunk have even lengths (alternateHalves)
            int ways = MAX_WAYS * part <= SizeClasses.cacheCapacity(c) ? MAX_WAYS : 2;
            WAYS[c] = ways;
            CHUNK[c] = ways * part;
            max = Math.max(max, ways * part);
        }
        MAX_CHUNK = max;
    }

    /** Per class: its magazine has overflowed at least once (a flush) since {@link #reset}; its refills keep address order. */
    private final boolean[] overflowed = new boolean[CLASSES];
    /** Per class: its refills in four parts so far, up to {@link #FOUR_PART_REFILLS}. */
    private final byte[] fourPartRefills = new byte[CLASSES];
    /** A chunk's blocks in address order, for {@link #interleave}. */
    private final long[] scratch = new long[MAX_CHUNK];

    /** Java-heap bytes of one instance and its three arrays (for the metadata estimate). */
    static long footprint() {
        return 24 + 2 * (16 + CLASSES) + 16 + 8L * MAX_CHUNK;
    }

    /** A new owner took the heap: its classes start as a fresh heap's. */
    void reset() {
        Arrays.fill(overflowed, false);
        Arrays.fill(fourPartRefills, (byte) 0);
    }

    /** Class {@code c}'s magazine overflowed (a flush): from now on its refills keep address order. */
    void overflowed(int c) {
        if (c < CLASSES) {
            overflowed[c] = true;
        }
    }

    /** Whether a refill of class {@code c} now reorders its batch ({@link #arrange}). */
    boolean reorders(int c) {
        return c < CLASSES && !overflowed[c];
    }

    /** The batch of a refill of class {@code c} that {@link #reorders}: {@code batch}, raised to one whole chunk if the magazine's capacity {@code cap} holds it. */
    static int batch(int c, int batch, int cap) {
        return Math.max(batch, Math.min(cap, CHUNK[c]));
    }

    /** Reorders the {@code n} blocks a refill of class {@code c} (one that {@link #reorders}) stacked at {@code m[from ..]} in address order, chunk by chunk. */
    void arrange(int c, long[] m, int from, int n) {
        int k = CHUNK[c];
        boolean fourParts = WAYS[c] == 4 && fourPartRefills[c] < FOUR_PART_REFILLS;
        if (fourParts) {
            fourPartRefills[c]++;
        }
        for (int at = 0; at + k <= n; at += k) {
            if (fourParts) {
                interleave(m, from + at, k, scratch);
            } else {
                alternateHalves(m, from + at, k);
            }
        }
    }

    /**
     * Reorders {@code n} blocks at {@code m[from ..]} in address order so that consecutive blocks
     * come from the four parts of the {@code n} in turn ({@code n / 4} blocks each; {@code scratch}
     * holds at least {@code n}):
     * <pre>
     * before:  A0 A1 A2 | B0 B1 B2 | C0 C1 C2 | D0 D1 D2     (4 parts of n / 4 blocks)
     * after:   A0 B0 C0 D0   A1 B1 C1 D1   A2 B2 C2 D2      (block j of each part in turn)
     * </pre>
     */
    static void interleave(long[] m, int from, int n, long[] scratch) {
        assert n % 4 == 0 && n <= scratch.length : n + " blocks in 4 parts";
        System.arraycopy(m, from, scratch, 0, n);
        int part = n >>> 2;
        for (int j = 0, k = from; j < part; j++, k += 4) {
            m[k] = scratch[j];
            m[k + 1] = scratch[j + part];
            m[k + 2] = scratch[j + 2 * part];
            m[k + 3] = scratch[j + 3 * part];
        }
    }

    /**
     * Reorders {@code n} blocks (a multiple of 4) at {@code m[from ..]} in address order, in place,
     * so that consecutive blocks come from the two halves in turn, with a quarter of
     * {@link #interleave}'s loads and stores:
     * <pre>
     * before:  A0 A1 A2 A3 | B0 B1 B2 B3
     * after:   A0 B0 A2 B2   A1 B1 A3 B3      (odd blocks of A swapped with even blocks of B)
     * </pre>
     */
    static void alternateHalves(long[] m, int from, int n) {
        assert (n & 3) == 0 : n + " blocks"; // halves of even length: the swaps reach the end of each
        int h = n >>> 1;
        for (int i = 1; i < h; i += 2) {
            long t = m[from + i];
            m[from + i] = m[from + h + i - 1];
            m[from + h + i - 1] = t;
        }
    }
}
