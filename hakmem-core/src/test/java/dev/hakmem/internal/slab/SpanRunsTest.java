package dev.hakmem.internal.slab;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Span#giveRun} and {@link Span#take}: a flushed magazine's blocks go back to their span as
 * ranges of free-map bits where their addresses are consecutive, and a refill takes runs of free
 * blocks at a time. Checked against a model: after every give-back the span's counts, and the set
 * of blocks it hands out again (in takes of several sizes, which split runs), are exactly those
 * given back.
 */
class SpanRunsTest {

    /** 16-byte blocks: 4,096 per span, 64 free-map words, so runs cross word boundaries. */
    private static final int CLS = SizeClasses.classOf(16);

    private static Span fullSpan() {
        Span s = new Span(new SuperSlab(0), 0, 1, CLS);
        long[] all = new long[s.capacity];
        assertEquals(s.capacity, s.take(all, 0, s.capacity));
        return s;
    }

    private static long block(Span s, int i) {
        return s.base + (long) i * s.blockSize;
    }

    /** Gives {@code indices} back through one giveRun call, then takes every free block and compares. */
    private static void check(String what, int... indices) {
        Span s = fullSpan();
        long[] m = blocks(s, indices);
        assertEquals(m.length, s.giveRun(m, 0, m.length), what + ": every block is this span's");
        assertEquals(m.length, s.freeCount, what + ": free count");
        assertEquals(s.capacity - m.length, s.used, what + ": used");
        TreeSet<Long> expected = new TreeSet<>();
        for (long a : m) {
            expected.add(a);
        }
        // taken back in chunks that split runs and words: 1, 3, 64, 7, 100, 1, 3, ...
        int[] chunks = {1, 3, 64, 7, 100};
        long[] again = new long[s.capacity + 1];
        int n = 0;
        for (int k = 0; s.freeCount > 0; k++) {
            int got = s.take(again, n + 1, chunks[k % chunks.length]);
            assertEquals(Math.min(chunks[k % chunks.length], expected.size() - n), got, what + ": blocks per take");
            n += got;
        }
        assertEquals(0L, again[0], what + ": nothing written before the given index");
        TreeSet<Long> got = new TreeSet<>();
        for (int k = 1; k <= n; k++) {
            got.add(again[k]);
        }
        assertEquals(n, got.size(), what + ": no block handed out twice");
        assertEquals(expected, got, what + ": the blocks handed out again are exactly those given back");
        assertEquals(s.capacity, s.used, what + ": all in use again");
    }

    @Test
    void runsWithinAWordAcrossWordsAndAlone() {
        check("one block", 5);
        check("a run inside one word", 3, 4, 5, 6);
        check("a run ending on a word's last bit", 60, 61, 62, 63);
        check("a run from a word's first bit", 64, 65, 66);
        check("a run across one boundary", 62, 63, 64, 65);
        check("a run across several words", range(10, 300));
        check("the whole span", range(0, 4096));
        check("a descending run", 9, 8, 7, 6, 5);
        check("a descending run across boundaries down to block 0", reversed(range(0, 200)));
        check("descending then ascending then alone", 70, 69, 68, 100, 101, 102, 50, 4095, 4094);
        check("the whole span, descending", reversed(range(0, 4096)));
        check("runs broken by gaps and order", 0, 1, 2, 100, 101, 50, 51, 52, 53, 4095, 200);
    }

    @Test
    void randomPatternsMatchTheModel() {
        Random r = new Random(7);
        for (int round = 0; round < 200; round++) {
            List<Integer> order = new ArrayList<>();
            TreeSet<Integer> taken = new TreeSet<>();
            while (order.size() < 1 + r.nextInt(600)) {
                int start = r.nextInt(4096);
                int len = 1 + r.nextInt(r.nextBoolean() ? 3 : 140);
                boolean down = r.nextBoolean();
                for (int k = 0; k < len; k++) {
                    int i = down ? start - k : start + k;
                    if (i >= 0 && i < 4096 && taken.add(i)) {
                        order.add(i);
                    }
                }
            }
            check("round " + round, order.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void aRunStopsAtTheFirstBlockOfAnotherSpan() {
        Span s = fullSpan();
        long[] m = {block(s, 7), block(s, 8), s.base + s.bytes(), block(s, 9)};
        assertEquals(2, s.giveRun(m, 0, m.length), "index of the block past the span's end");
        assertEquals(2, s.freeCount);
        // the span's last blocks, then the next span's first block at the very next address
        int last = s.capacity - 1;
        long[] edge = {block(s, last - 1), block(s, last), block(s, last + 1), block(s, last + 2)};
        assertEquals(s.base + s.bytes(), edge[2], "16-byte blocks fill the span: the next span starts right after");
        assertEquals(2, s.giveRun(edge, 0, edge.length), "the run ends with the span");
        assertEquals(4, s.freeCount);
        assertEquals(s.capacity - 4, s.used);
        // descending from the span's first block into the previous span's last one
        long[] start = {block(s, 1), block(s, 0), s.base - s.blockSize};
        assertEquals(2, s.giveRun(start, 0, start.length), "the descending run ends with the span");
        assertEquals(6, s.freeCount);
    }

    @Test
    void aBlockGivenBackTwiceInOneRunFailsTheSpanInvariant() {
        Span s = fullSpan();
        long[] once = {block(s, 70), block(s, 71)};
        s.giveRun(once, 0, 2);
        long[] twice = {block(s, 69), block(s, 70)};
        assertThrows(AssertionError.class, () -> s.giveRun(twice, 0, 2));
        long[] across = {block(s, 126), block(s, 127), block(s, 128), block(s, 129)};
        s.giveRun(across, 0, 4);
        long[] overlapping = blocks(s, range(100, 200));
        assertThrows(AssertionError.class, () -> s.giveRun(overlapping, 0, overlapping.length),
                "a run over three words, one of them with blocks already back");
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = from; i < to; i++) {
            r[i - from] = i;
        }
        return r;
    }

    private static int[] reversed(int[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[a.length - 1 - i];
        }
        return r;
    }

    /** The addresses of blocks {@code indices} of {@code s}, in that order. */
    private static long[] blocks(Span s, int... indices) {
        long[] r = new long[indices.length];
        for (int k = 0; k < r.length; k++) {
            r[k] = block(s, indices[k]);
        }
        return r;
    }

    /** SuperSlab.freePairs against a slot-by-slot model, on every pair pattern over random masks. */
    @Test
    void freeSlotPairsAreThoseWithBothSlotsFreeAndOnePurged() {
        Random r = new Random(7);
        for (int t = 0; t < 20_000; t++) {
            int used = r.nextInt() & r.nextInt();
            int purged = r.nextInt() & ~used;
            int want = 0;
            for (int k = 0; k < SuperSlab.SLABS; k += 2) {
                boolean bothFree = (used & (3 << k)) == 0;
                boolean onePurged = (purged & (3 << k)) != 0;
                if (bothFree && onePurged) {
                    want |= 1 << k;
                }
            }
            assertEquals(want, SuperSlab.freePairs(used, purged), "used " + Integer.toHexString(used) + " purged " + Integer.toHexString(purged));
        }
        assertEquals(0x5, SuperSlab.freePairs(0xFFFFFFF0, 0x6));
        assertEquals(0, SuperSlab.freePairs(0x2, 0x1));
        assertEquals(0x40000000, SuperSlab.freePairs(0, 0x80000000));
    }

    /**
     * {@link Span#takeRun}, which remembers a scan that found no run long enough, against a model
     * of the free map: random gives of single blocks and runs and takes of runs of random lengths;
     * every takeRun returns the first run of at least its length (the whole run), or null exactly
     * when the model has none, whatever an earlier scan found.
     */
    @Test
    void takeRunFindsTheFirstLongEnoughRunAfterEveryGiveBack() {
        Span s = fullSpan();
        boolean[] free = new boolean[s.capacity];
        Random rnd = new Random(11);
        for (int step = 0; step < 20_000; step++) {
            int op = rnd.nextInt(4);
            if (op == 0) {
                int i = rnd.nextInt(s.capacity);
                if (!free[i]) {
                    s.giveIndex(i);
                    free[i] = true;
                }
            } else if (op == 1) {
                int from = rnd.nextInt(s.capacity);
                int to = Math.min(s.capacity, from + 1 + rnd.nextInt(8));
                boolean clear = true;
                for (int i = from; i < to; i++) {
                    clear &= !free[i];
                }
                if (clear) {
                    s.giveRange(from, to);
                    java.util.Arrays.fill(free, from, to, true);
                }
            } else {
                int min = 1 + rnd.nextInt(op == 2 ? 4 : 12);
                int first = -1;
                int len = 0;
                for (int i = 0; i < s.capacity && first < 0; ) {
                    int j = i;
                    while (j < s.capacity && free[j]) {
                        j++;
                    }
                    if (j - i >= min) {
                        first = i;
                        len = j - i;
                    }
                    i = Math.max(j, i + 1);
                }
                int[] run = s.takeRun(min);
                if (first < 0) {
                    assertEquals(null, run, "step " + step + ": no run of " + min);
                } else {
                    org.junit.jupiter.api.Assertions.assertNotNull(run, "step " + step + ": a run of " + min + " at " + first);
                    assertEquals(List.of(first, len), List.of(run[0], run[1]), "step " + step + ": the first run of " + min + " or more");
                    java.util.Arrays.fill(free, first, first + len, false);
                }
            }
            int n = 0;
            for (boolean f : free) {
                n += f ? 1 : 0;
            }
            assertEquals(n, s.freeCount, "step " + step);
        }
    }

}
