package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A span changes hands through the pool. Set-up (constructor, as owner A): acquire a span of
 * class 0, allocate a block and free it again (the span is empty), and leave a stale REMOTE mark
 * and a stale pending flag on it (what a missed double free racing with a collect leaves behind,
 * see DoublePushVsCollectTest). Then, at once: A releases the span; B acquires a span of the
 * same class (often A's, or one another trial released) and checks that it is fully initialised.
 */
@JCStressTest
@Description("Owner A releases an emptied span (SpanPool.release) while owner B acquires one of the same class "
        + "(SpanPool.acquire). Result: B's span fresh when acquired (fields zero, owned by B, mapped, all LIVE/REMOTE "
        + "shadow bits of its range zero), B's span still clean in the arbiter, 1 if B got A's very span. "
        + "B must always see a fully initialised span, whoever released it.")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE_INTERESTING, desc = "B took over the span A released; fully initialised.")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "B got another span (acquired before A's release, or a different slot); fully initialised.")
@Outcome(expect = FORBIDDEN, desc = "B saw stale fields or shadow bits of the span's previous life.")
@State
public class SpanHandOverTest {
    final Heap a = SpanStates.owner();
    final Heap b = SpanStates.owner();
    final Span spanA;
    Span spanB;

    public SpanHandOverTest() {
        spanA = SpanPool.acquire(a, 0);
        SpanStates.emptyWithStaleMark(spanA, SpanStates.firstBlock(spanA));
        if (spanA.used != 0) {
            throw new IllegalStateException("set-up failed: " + spanA);
        }
    }

    @Actor
    public void ownerA() {
        SpanPool.release(spanA);
    }

    @Actor
    public void ownerB(III_Result r) {
        Span s = SpanPool.acquire(b, 0);
        spanB = s;
        r.r1 = SpanStates.fresh(s, b) ? 1 : 0;
    }

    @Arbiter
    public void check(III_Result r) {
        Span s = spanB;
        r.r2 = SpanStates.stillClean(s, b, 0) ? 1 : 0;
        r.r3 = s.base == spanA.base ? 1 : 0;
        SpanStates.recycle(s);
    }
}
