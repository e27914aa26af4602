package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two remote frees (blocks 0 and 64: two different REMOTE words) race with the owner's collect
 * ({@code Heap.collectRemote()}); the arbiter is the owner's next collect.
 * The subtle case: the second freer into an empty word sees remotePending already 1 (raised
 * by the first freer for the other word) and raises nothing, while the collect has claimed the
 * flag and may or may not have passed that word yet.
 */
@JCStressTest
@Description("Two remote frees into two different REMOTE words race with the owner's collect (remoteHint -> "
        + "remotePending -> collect); after both freers finished, the owner collects again. Result: push 1, push 2, "
        + "collected by the racing collect, collected later, anomalies (REMOTE bits left + blocks still LIVE + 1 if "
        + "the span's accounting is off). Every block is collected exactly once; none is left queued unflagged.")
@Outcome(id = "0, 0, 2, 0, 0", expect = ACCEPTABLE, desc = "The racing collect took both blocks.")
@Outcome(id = "0, 0, 0, 2, 0", expect = ACCEPTABLE, desc = "The racing collect looked before any flag was raised; the next took both.")
@Outcome(id = "0, 0, 1, 1, 0", expect = ACCEPTABLE_INTERESTING, desc = "The collect fell between the two frees: one block each.")
@Outcome(expect = FORBIDDEN, desc = "A block lost (queued with no flag left to find it), collected twice, or a push refused.")
@State
public class TwoPushersOtherWordsVsCollectTest {
    final SpanFixture f = SpanFixture.get();
    final long b0 = f.block(0);
    final long b1 = f.block(64);

    public TwoPushersOtherWordsVsCollectTest() {
        f.allocate(0);
        f.allocate(64);
    }

    @Actor
    public void freer1(IIIII_Result r) {
        r.r1 = RemoteFree.push(f.span, b0);
    }

    @Actor
    public void freer2(IIIII_Result r) {
        r.r2 = RemoteFree.push(f.span, b1);
    }

    @Actor
    public void owner(IIIII_Result r) {
        r.r3 = f.collectViaHint();
    }

    @Arbiter
    public void ownerLater(IIIII_Result r) {
        r.r4 = f.collectViaHint();
        r.r5 = f.anomalies();
        f.recycle();
    }
}
