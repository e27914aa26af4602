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
 * {@link LiveDoubleFreeOfQueuedVsCollectTest} with an owner that collects twice in a row: the
 * first collect takes the queued block, the double free's mark lands on the free block (stale) and
 * raises the flags, and the second collect meets that stale mark while the freer may be between its
 * mark and its step 4. The freer must still report the double free.
 */
@JCStressTest
@Description("A block is queued by a fast-path remote free; a second fast-path remote free of it (double free) "
        + "races with two collects in a row. Result: second push (2 = ALREADY_QUEUED, 1 = NOT_LIVE, 0 = OK), blocks "
        + "collected by the two racing collects, collected later, anomalies. The block goes back exactly once.")
@Outcome(id = "2, 1, 0, 0", expect = ACCEPTABLE, desc = "Refused as ALREADY_QUEUED: the collects had not taken the block yet.")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "Refused as NOT_LIVE: a collect had already taken the block.")
@Outcome(expect = FORBIDDEN, desc = "Double free missed (its stale mark dropped by the second collect before the "
        + "freer looked again), block collected twice or never, or a queued bit left behind.")
@State
public class LiveDoubleFreeVsTwoCollectsTest {
    final SpanFixture f = SpanFixture.get();

    public LiveDoubleFreeVsTwoCollectsTest() {
        f.queuedLikeFront(9);
    }

    @Actor
    public void freerAgain(IIII_Result r) {
        r.r1 = f.freeLikeFront(9);
    }

    @Actor
    public void owner(IIII_Result r) {
        int n = f.collectViaHint();
        r.r2 = n + f.collectViaHint();
    }

    @Arbiter
    public void ownerLater(IIII_Result r) {
        r.r3 = f.collectViaHint();
        r.r4 = f.anomalies();
        f.recycle();
    }
}
