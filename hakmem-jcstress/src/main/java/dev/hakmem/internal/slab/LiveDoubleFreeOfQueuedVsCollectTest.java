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
 * {@link DoubleFreeOfQueuedVsCollectTest} with both frees made as the free's fast path makes them
 * ({@link SpanFixture#freeLikeFront}): the first (through {@link RemoteFree#pushLive}) before the
 * trial; the second, a double free, races with the owner's collect and must find the block queued
 * (the slow path's push: ALREADY_QUEUED) or free (NOT_LIVE).
 */
@JCStressTest
@Description("A block is already queued by a fast-path remote free; a second fast-path remote free of it "
        + "(double free) races with the owner's collect (remoteHint -> remotePending -> collect); then the owner collects again. Result: second "
        + "push (2 = ALREADY_QUEUED, 1 = NOT_LIVE, 0 = OK), collected by the racing collect, collected later, anomalies "
        + "(REMOTE bits left + block still LIVE + 1 if the span's accounting is off). The block goes back exactly once.")
@Outcome(id = "2, 1, 0, 0", expect = ACCEPTABLE, desc = "Refused as ALREADY_QUEUED: the collect had not taken the block yet.")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "Refused as NOT_LIVE: the collect had already taken the block.")
@Outcome(expect = FORBIDDEN, desc = "Double free missed (it read LIVE before the collect cleared it and marked after the "
        + "collect emptied the word, and did not take the stale mark back), block collected twice or never, or a queued "
        + "bit left behind.")
@State
public class LiveDoubleFreeOfQueuedVsCollectTest {
    final SpanFixture f = SpanFixture.get();

    public LiveDoubleFreeOfQueuedVsCollectTest() {
        f.queuedLikeFront(9);
    }

    @Actor
    public void freerAgain(IIII_Result r) {
        r.r1 = f.freeLikeFront(9);
    }

    @Actor
    public void owner(IIII_Result r) {
        r.r2 = f.collectViaHint();
    }

    @Arbiter
    public void ownerLater(IIII_Result r) {
        r.r3 = f.collectViaHint();
        r.r4 = f.anomalies();
        f.recycle();
    }
}
