package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.Os;

import java.util.Arrays;

/**
 * The slack of a large span's blocks: per block, how many of its pages may hold bytes its owners
 * wrote and when its heap last handed it out, and the give-back of the whole pages past a new
 * request when a block is handed out again ({@link #fit}). Large classes are 25 % apart, so a
 * recycled block could keep up to a fifth of itself resident beyond what its new owner asked for.
 *
 * <pre>
 * block k:  |&lt;-- need: pages of size --&gt;|&lt;-- given back --&gt;|  never written / given back  |
 *           0                        need        written[k]                       blockSize
 *
 * per heap (Ages):  handOuts   the clock: large blocks handed out so far (wrapping)
 *                   oldShare   of 65,536: recent hand-outs of blocks AGE hand-outs old or more
 * </pre>
 *
 * One per span of a large class ({@code Span.slack}; null below them), with the span's other
 * per-block records; the clock and the share live in the heap ({@code Heap.largeAges}).
 */
final class LargeSlack {
    private static final int PAGE_SHIFT = Span.PAGE_SHIFT;
    private static final int PAGE = Span.PAGE;

    /**
     * Fewest whole pages of a large block's slack given back at a time
     * ({@code hakmem.largeSlackPages}, default 1; 0: never): see {@link #fit}.
     */
    static final int PAGES = Math.max(0, Config.integer("largeSlackPages", 1));

    /**
     * Fewest large blocks its heap handed out since a block's last hand-out for it to give its
     * slack back ({@code hakmem.largeSlackAge}, default 1024). A block that comes back sooner
     * keeps its pages, which a churn's next request of the block would otherwise fault in again:
     * the bench driver large-churn (blocks of 32-512 KiB at random sizes, each written all over,
     * 64 / 256 live at most) took 1.36x / 1.34x the time per operation when every hand-out gave
     * its slack back, 1.03x / 1.005x with this default (an age in time rather than in hand-outs,
     * 10 or 100 ms, did no better: some blocks wait long in their spans between two owners).
     * frag-remote's peak was 1.07 of its live bytes with every hand-out giving back, 1.07-1.08
     * with 1024, 1.09 with 4096, 1.10 without.
     */
    static final int AGE = Math.max(0, Config.integer("largeSlackAge", 1024));

    /**
     * Least share of a heap's large hand-outs that are of blocks at least {@link #AGE} old
     * (of 65,536: a sixteenth) for an old block to give its slack back. Where most blocks come back
     * young, the heap churns, and its few old blocks are stragglers of the churn, about to be freed
     * and handed out again for another size: their slack would be faulted back in soon. Measured
     * over windows of 64 hand-outs: the bench driver large-churn (blocks of 32-512 KiB at random
     * sizes) 0-13 % at 64 blocks live and 0-23 % at 256 (averages about 2 and 4 %); the memory
     * suite's frag-remote 14-83 %, server-day 6-33 % (about 48 and 23 %). With this rule
     * large-churn's madvise calls fell from about 1,460 to 300 per 200,000 operations at 64 live
     * (its growth sweeps' are left) and from 3,500 to 600 at 256, and it ran 1.05x and 1.10x as fast
     * (both builds in one JVM, 6 rounds each); frag-remote's and server-day's peaks moved by
     * less than their spread between JVMs (medians 1.076 / 1.070 against 1.075 / 1.066; an eighth
     * instead of a sixteenth: frag-remote 1.079). {@link Ages#oldShare} is the share over
     * about the last 256 hand-outs (an exponential average; a block's first hand-out is not
     * counted), starting at all old.
     */
    static final int OLD_SHARE = 1 << 12;
    /** {@link Ages#oldShare} when every recent large hand-out was of an old block. */
    static final int ALL_OLD = 1 << 16;
    /** log2 of the hand-outs {@link Ages#oldShare} averages over (its weight per hand-out is 1/256). */
    private static final int OLD_SHARE_WINDOW = 8;
    /** {@link #handedOutAt} of a block never handed out: old enough at once, and not counted in {@link Ages#oldShare}. */
    private static final int NEVER_HANDED_OUT = Integer.MIN_VALUE / 2;

    /**
     * One heap's clock of large hand-outs and the share of old blocks among its recent ones. Plain
     * fields: written by whoever hands a large block out of the heap (a shared heap's users race on
     * them: a lost update only shifts an age or the share a little).
     */
    static final class Ages {
        /** Large blocks handed out of the heap's spans so far (wrapping): the clock of their ages. */
        int handOuts;
        /** Share of the heap's recent large hand-outs that were of old blocks, of 65,536 ({@link #OLD_SHARE}). */
        int oldShare = ALL_OLD;
    }

    /**
     * Per block, how many of its pages from its start may be resident with bytes its owners
     * wrote: the pages of the largest request served since its slack last went back, the whole
     * block while nothing is known (a span formatted over slots written before), 0 for a block
     * carved from never-written slots. Written by the block's holder ({@link #fit},
     * {@link #record}; a block is out of the span then, so no two threads write one entry, and
     * the next holder's read is ordered after by the free that handed the block on) and by the
     * span's owner when it carves the block ({@link #carvedUnwritten}).
     */
    private final char[] writtenPages;
    /** Per block: its heap's {@link Ages#handOuts} when it was last handed out. */
    private final int[] handedOutAt;

    /** The records of a span of {@code blocks} blocks of {@code blockSize} bytes: nothing known yet, never handed out. */
    LargeSlack(int blocks, int blockSize) {
        writtenPages = new char[blocks];
        Arrays.fill(writtenPages, (char) (blockSize >>> PAGE_SHIFT));
        handedOutAt = new int[blocks];
        Arrays.fill(handedOutAt, NEVER_HANDED_OUT);
    }

    /**
     * Block {@code k} of the span, at {@code a}, handed out by the heap whose ages are {@code h},
     * now serves {@code size} bytes: the whole pages of it past the request that a former request
     * may have written go back to the OS ({@code madvise(DONTNEED)}) when there are at least
     * {@link #PAGES} of them, the block was last handed out at least {@link #AGE} hand-outs of
     * the heap ago, and the heap is not churning: at least {@link #OLD_SHARE} of its recent
     * hand-outs were of such old blocks (the memory suite's frag-remote: 1.09-1.10 of the live
     * bytes without the give-back, docs/results/memory). Pages the request covers are kept: the
     * owner is about to write them (the class drawing above).
     */
    void fit(int k, long a, long size, Ages h) {
        int need = pages(size);
        int written = writtenPages[k];
        int now = ++h.handOuts;
        int last = handedOutAt[k];
        int age = now - last;
        handedOutAt[k] = now;
        if (last != NEVER_HANDED_OUT) { // a first hand-out has no age to count
            h.oldShare += ((age >= AGE ? ALL_OLD : 0) - h.oldShare) >> OLD_SHARE_WINDOW;
        }
        if (written - need >= PAGES && age >= AGE && h.oldShare >= OLD_SHARE
                && Os.madvise(a + ((long) need << PAGE_SHIFT), (long) (written - need) << PAGE_SHIFT, Os.MADV_DONTNEED)) {
            written = need;
        }
        writtenPages[k] = (char) Math.max(written, need);
    }

    /** Block {@code k}, resized in place to {@code size} bytes: its owner may write that many now. */
    void record(int k, long size) {
        writtenPages[k] = (char) Math.max(writtenPages[k], pages(size));
    }

    /** Block {@code k} was just carved from slots never written: resident are only the pages under its first {@code bytes}, which a fill populated. */
    void carvedUnwritten(int k, long bytes) {
        writtenPages[k] = (char) pages(bytes);
    }

    /** The pages {@code bytes} from a block's start touch. */
    private static int pages(long bytes) {
        return (int) ((bytes + PAGE - 1) >>> PAGE_SHIFT);
    }

    /** The pages of block {@code k}'s record. */
    int written(int k) {
        return writtenPages[k];
    }
}
