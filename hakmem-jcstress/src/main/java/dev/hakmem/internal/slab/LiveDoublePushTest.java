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
 * {@link DoublePushTest} with both frees made as the free's fast path makes them
 * ({@link SpanFixture#freeLikeFront}: the caller's plain LIVE and REMOTE reads, then
 * {@link RemoteFree#pushLive} without the span, or the slow path's push when the block reads queued):
 * two threads remote-free the same block at once (a double free), exactly one push is refused.
 */
@JCStressTest
@Description("Two non-owner threads free the same live block at the same time (a double free) through the "
        + "fast path's pushLive. Result: push 1, push 2 (0 = OK, 2 = ALREADY_QUEUED), blocks collected by the owner afterwards, anomalies. Exactly one push "
        + "is queued, the other is refused with ALREADY_QUEUED, and the block is collected once.")
@Outcome(id = "0, 2, 1, 0", expect = ACCEPTABLE, desc = "Freer 1 queued the block, freer 2 was refused.")
@Outcome(id = "2, 0, 1, 0", expect = ACCEPTABLE, desc = "Freer 2 queued the block, freer 1 was refused.")
@Outcome(expect = FORBIDDEN, desc = "Both queued (double free undetected), both refused, or the block lost/collected twice.")
@State
public class LiveDoublePushTest {
    final SpanFixture f = SpanFixture.get();

    public LiveDoublePushTest() {
        f.allocate(3);
    }

    @Actor
    public void freer1(IIII_Result r) {
        r.r1 = f.freeLikeFront(3);
    }

    @Actor
    public void freer2(IIII_Result r) {
        r.r2 = f.freeLikeFront(3);
    }

    @Arbiter
    public void owner(IIII_Result r) {
        r.r3 = f.collectViaHint();
        r.r4 = f.anomalies();
        f.recycle();
    }
}
