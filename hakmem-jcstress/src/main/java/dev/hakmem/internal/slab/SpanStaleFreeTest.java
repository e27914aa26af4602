package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A remote freer that looked a span up while one of its blocks was live frees that block again
 * (a double free through a stale span reference) after the span went back to the pool, while a
 * new owner acquires the slot. Set-up (constructor): owner A acquires a span of class 0, allocates
 * block 0, thread C looks it up ({@code SpanMap.of}); the block is remote-freed and collected by
 * A, A releases the now empty span. Then, at once: B acquires a span of class 0 (usually that very
 * slot, formatted again) and carves block 0 out of it without handing it to the user yet; C pushes
 * the old block on the old span object.
 */
@JCStressTest
@Description("Thread C, holding a stale span reference (SpanMap.of before the span was released), remote-frees "
        + "a block already freed, while owner B acquires the slot and carves its first block. Result: C's push "
        + "(1 = NOT_LIVE), B's span fresh when acquired, B's span untouched by C in the arbiter (no REMOTE bit, no "
        + "pending flag, no hint), 1 if B got the old span's slot. C must be refused and must not mark B's span.")
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE_INTERESTING, desc = "B reused the slot; C's stale free refused, B's span clean.")
@Outcome(id = "1, 1, 1, 0", expect = ACCEPTABLE, desc = "B got another slot; C's stale free refused, B's span clean.")
@Outcome(expect = FORBIDDEN, desc = "C's stale free accepted, or B's span not fresh or marked by C.")
@State
public class SpanStaleFreeTest {
    final Heap b = SpanStates.owner();
    final Span stale;
    final long block;
    final long oldBase;
    Span spanB;

    public SpanStaleFreeTest() {
        Span spanA = SpanPool.acquire(SpanStates.owner(), 0);
        block = SpanStates.firstBlock(spanA);
        stale = SpanMap.of(block);
        if (RemoteFree.push(stale, block) != RemoteFree.OK || !spanA.claimPending()
                || RemoteFree.collect(spanA) != 1 || spanA.used != 0) {
            throw new IllegalStateException("set-up failed: " + spanA);
        }
        oldBase = spanA.base;
        SpanPool.release(spanA);
    }

    @Actor
    public void ownerB(IIII_Result r) {
        Span s = SpanPool.acquire(b, 0);
        spanB = s;
        boolean fresh = s.owner == b && s.used == 0 && s.freeCount == 0 && s.carved == 0 && !s.isPending()
                && SpanMap.of(s.base) == s && SpanStates.shadowClear(s);
        long[] got = new long[1];
        fresh &= s.take(got, 0, 1) == 1 && got[0] == s.base;
        r.r2 = fresh ? 1 : 0;
    }

    @Actor
    public void staleFreer(IIII_Result r) {
        r.r1 = RemoteFree.push(stale, block);
    }

    @Arbiter
    public void check(IIII_Result r) {
        Span s = spanB;
        r.r3 = SpanStates.stillClean(s, b, 1) ? 1 : 0;
        r.r4 = s.base == oldBase ? 1 : 0;
        s.give(s.base);
        SpanStates.recycle(s);
    }
}
