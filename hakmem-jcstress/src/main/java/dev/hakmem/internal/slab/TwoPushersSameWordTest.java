package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two non-owner threads free two different live blocks that share one 512-byte shadow word (one
 * REMOTE word) at the same time; afterwards the owner collects once, the way
 * {@code Heap.collectRemote()} does (hint, then pending flag, then collect).
 */
@JCStressTest
@Description("Two remote frees into the same REMOTE word (blocks 0 and 1 of a span) race; then the owner "
        + "collects through remoteHint -> remotePending -> collect. Result: push 1, push 2 (0 = OK), blocks "
        + "collected, anomalies (REMOTE bits left + blocks still LIVE + 1 if the span's used/freeCount disagree "
        + "with its free map). Both pushes must succeed and one collect that observes the flags must take both "
        + "blocks exactly once.")
@Outcome(id = "0, 0, 2, 0", expect = ACCEPTABLE, desc = "Both frees queued, both collected exactly once by the owner.")
@Outcome(expect = FORBIDDEN, desc = "A push refused, a block lost (flags not raised or bit overwritten), or collected twice.")
@State
public class TwoPushersSameWordTest {
    final SpanFixture f = SpanFixture.get();
    final long b0 = f.block(0);
    final long b1 = f.block(1);

    public TwoPushersSameWordTest() {
        f.allocate(0);
        f.allocate(1);
    }

    @Actor
    public void freer1(IIII_Result r) {
        r.r1 = RemoteFree.push(f.span, b0);
    }

    @Actor
    public void freer2(IIII_Result r) {
        r.r2 = RemoteFree.push(f.span, b1);
    }

    @Arbiter
    public void owner(IIII_Result r) {
        r.r3 = f.collectViaHint();
        r.r4 = f.anomalies();
        f.recycle();
    }
}
