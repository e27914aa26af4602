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
 * {@link PushVsCollectTest} with the free made as the free's fast path makes it
 * ({@link SpanFixture#freeLikeFront}: {@link RemoteFree#pushLive}, which looks the span up only to
 * raise its flags): one remote free races with the owner's collect ({@code Heap.collectRemote()}:
 * hint, pending, collect); the arbiter is the owner's next collect, after the freer is done.
 */
@JCStressTest
@Description("A remote free of a live block through the fast path's pushLive races with the owner's collect "
        + "(remoteHint -> remotePending -> collect). After the freer finished, the owner collects again. Result: "
        + "push (0 = OK), blocks collected by the racing collect, blocks collected by the later collect, anomalies (REMOTE bits left + block still "
        + "LIVE + 1 if the span's accounting is off). The block must be collected exactly once, by one of the two.")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "The racing collect saw the flags and took the block.")
@Outcome(id = "0, 0, 1, 0", expect = ACCEPTABLE, desc = "The racing collect ran before the flags were raised; the next collect took the block.")
@Outcome(expect = FORBIDDEN, desc = "Block lost (left queued with no flag raised), collected twice, or push refused.")
@State
public class LivePushVsCollectTest {
    final SpanFixture f = SpanFixture.get();

    public LivePushVsCollectTest() {
        f.allocate(5);
    }

    @Actor
    public void freer(IIII_Result r) {
        r.r1 = f.freeLikeFront(5);
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
