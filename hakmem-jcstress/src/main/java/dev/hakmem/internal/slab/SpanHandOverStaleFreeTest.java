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
 * A span changes hands through the pool while a third thread still holds a stale reference to
 * it. Set-up (constructor, as owner A): acquire a span of class 0, allocate block 0 (LIVE), let
 * thread C look the block's span up ({@code SpanMap.of}) as a remote freer does, then free the
 * block locally (LIVE cleared, given back: the span is empty) and leave a stale REMOTE mark on
 * another, not live, block (what a missed double free racing with a collect leaves behind, see
 * DoublePushVsCollectTest). Then, at once: A releases the span to the pool; B acquires a span of
 * the same class (often A's, or the span some other trial released); C pushes its stale block.
 * Three actors: jcstress runs it only on machines with 3 or more CPUs; {@link SpanHandOverTest}
 * and {@link SpanStaleFreeTest} cover its pairs on two.
 */
@JCStressTest
@Description("Owner A releases an emptied span (SpanPool.release) while owner B acquires a span of the same class "
        + "(SpanPool.acquire) and thread C, which looked the span up (SpanMap.of) while its block was live, remote-frees "
        + "that block, freed since. Result: C's push (1 = NOT_LIVE), B's span fresh when acquired (fields zero, owned "
        + "by B, mapped, all LIVE/REMOTE shadow bits of its range zero), B's span still clean after C (shadow, flags), "
        + "1 if B got A's very span. C must be refused and B must see a fully initialised span.")
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE_INTERESTING, desc = "B took over the span A released; fresh, untouched by C.")
@Outcome(id = "1, 1, 1, 0", expect = ACCEPTABLE, desc = "B got another span (acquired before A's release, or a different slot); fresh.")
@Outcome(expect = FORBIDDEN, desc = "C's stale push accepted, or B saw stale fields or shadow bits.")
@State
public class SpanHandOverStaleFreeTest {
    final Heap a = SpanStates.owner();
    final Heap b = SpanStates.owner();
    final Span spanA;
    final Span stale;
    final long block;
    Span spanB;

    public SpanHandOverStaleFreeTest() {
        spanA = SpanPool.acquire(a, 0);
        block = SpanStates.firstBlock(spanA);
        stale = SpanMap.of(block);
        SpanStates.emptyWithStaleMark(spanA, block);
        if (stale != spanA || spanA.used != 0) {
            throw new IllegalStateException("set-up failed: " + spanA);
        }
    }

    @Actor
    public void ownerA() {
        SpanPool.release(spanA);
    }

    @Actor
    public void ownerB(IIII_Result r) {
        Span s = SpanPool.acquire(b, 0);
        spanB = s;
        r.r2 = SpanStates.fresh(s, b) ? 1 : 0;
    }

    @Actor
    public void remoteFreer(IIII_Result r) {
        r.r1 = RemoteFree.push(stale, block);
    }

    @Arbiter
    public void check(IIII_Result r) {
        Span s = spanB;
        r.r3 = SpanStates.stillClean(s, b, 0) ? 1 : 0;
        r.r4 = s.base == spanA.base ? 1 : 0;
        SpanStates.recycle(s);
    }
}
