package dev.hakmem.internal.slab;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The log of stale REMOTE marks that collects dropped, so that a remote freer who finds its mark
 * gone can tell "a collect took it" (the free counted) from "a collect dropped it" (it was put on
 * a block that was already free: a double free). See {@link RemoteFree}, step 4. The clearing of
 * a released or newly formatted span's shadow drops marks the same way ({@link Shadow#dropMarks}).
 *
 * <p>Both leave the REMOTE bit clear, and LIVE is clear afterwards in both, so the shadow alone
 * cannot tell them apart (jcstress {@code LiveDoubleFreeVsTwoCollectsTest}: a first collect takes
 * the block, the double free marks the free block and raises the flags, a second collect drops
 * that mark before the freer looks again). Dropped marks only come from double frees, so the log
 * is written almost never and read only by a freer that found LIVE clear under its fresh mark.
 *
 * <pre>
 * collect (any owner)                            remote freer
 *                                                d0 = count (acquire), before its mark
 * under LOCK: entry[count % 64] = (w, bits),     ... marks; finds LIVE clear, then its REMOTE bit clear
 *             count++ (release)                  under LOCK: dropped(d0, w, m) = an entry in
 * REMOTE[w].getAndAnd(~q)   (drops the bits)         [d0, count) naming w and m
 * </pre>
 * The freer's volatile read (or its own {@code getAndAnd}, in step 4's take-back) that found its
 * bit clear saw the dropping {@code getAndAnd} or a later write to the word, so the entry
 * (written before it) is in the log when the freer reads it; the drop of its mark reads the mark,
 * which follows the freer's read of {@code d0}, so the entry's index is {@code >= d0}. More than
 * 64 drops between the two reads overwrite entries: then the log cannot tell, and the free is
 * taken as counted. A free whose mark a collect took is reported only if, in its window, a
 * collect also dropped a mark on the same block's bit: another thread's free of that block,
 * marked after the block was already free (a double free of it).
 */
final class StaleMarks {
    private StaleMarks() {}

    private static final int SIZE = 64;
    private static final Object LOCK = new Object();
    /** Entry {@code k % SIZE}: the shadow word and the bits of drop {@code k}; guarded by LOCK. */
    private static final long[] WORDS = new long[SIZE];
    private static final long[] BITS = new long[SIZE];

    @SuppressWarnings("unused") // through COUNT; written under LOCK
    private static int count;
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findStaticVarHandle(StaleMarks.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Remote freer, before its mark: the number of drops so far (acquire read). */
    static int count() {
        return (int) COUNT.getAcquire();
    }

    /** Collect, before the {@code getAndAnd} that drops {@code bits} of REMOTE word {@code w + 8}: logs them. */
    static void record(long w, long bits) {
        synchronized (LOCK) {
            int k = (int) COUNT.get();
            WORDS[k & (SIZE - 1)] = w;
            BITS[k & (SIZE - 1)] = bits;
            COUNT.setRelease(k + 1);
        }
    }

    /**
     * Remote freer, having read its REMOTE bit {@code m} of word {@code w} clear: whether a collect
     * dropped a mark on that bit since {@code d0} ({@link #count()} before the mark).
     */
    static boolean dropped(int d0, long w, long m) {
        synchronized (LOCK) {
            int n = (int) COUNT.get();
            if (n - d0 > SIZE) {
                return false; // overwritten: cannot tell, taken as counted
            }
            for (int k = d0; k != n; k++) {
                if (WORDS[k & (SIZE - 1)] == w && (BITS[k & (SIZE - 1)] & m) != 0) {
                    return true;
                }
            }
            return false;
        }
    }
}
