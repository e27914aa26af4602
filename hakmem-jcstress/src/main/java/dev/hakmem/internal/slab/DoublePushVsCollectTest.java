package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A double remote free racing with the owner's collect of that block: exactly one push succeeds
 * (the other finds the block queued, or not live: taking back a mark it put on a block the
 * collect had freed), the block goes back to its span exactly once and no queued bit is left
 * behind.
 */
@JCStressTest
@Description("Two threads push the same live block while the owner collects (remoteHint -> remotePending -> "
        + "collect); the owner collects again afterwards. Result: pushes queued (OK), pushes refused as "
        + "ALREADY_QUEUED, pushes refused as NOT_LIVE, blocks collected in all, anomalies (REMOTE bits left + block "
        + "still LIVE + 1 if the span's accounting is off). The block is given back exactly once whatever happens.")
@Outcome(id = "1, 1, 0, 1, 0", expect = ACCEPTABLE, desc = "Second push refused: the block was still queued.")
@Outcome(id = "1, 0, 1, 1, 0", expect = ACCEPTABLE, desc = "Second push refused: the collect had already taken the block (not live).")
@Outcome(expect = FORBIDDEN, desc = "Double free missed (both pushes queued: the second read LIVE before the collect "
        + "cleared it and marked after the collect emptied the word), block collected twice or never, a queued bit left "
        + "behind, or both pushes refused.")
@State
public class DoublePushVsCollectTest {
    final SpanFixture f = SpanFixture.get();
    final long b = f.block(9);
    int p1;
    int p2;
    int c1;

    public DoublePushVsCollectTest() {
        f.allocate(9);
    }

    @Actor
    public void freer1() {
        p1 = RemoteFree.push(f.span, b);
    }

    @Actor
    public void freer2() {
        p2 = RemoteFree.push(f.span, b);
    }

    @Actor
    public void owner() {
        c1 = f.collectViaHint();
    }

    @Arbiter
    public void ownerLater(IIIII_Result r) {
        int c2 = f.collectViaHint();
        r.r1 = (p1 == RemoteFree.OK ? 1 : 0) + (p2 == RemoteFree.OK ? 1 : 0);
        r.r2 = (p1 == RemoteFree.ALREADY_QUEUED ? 1 : 0) + (p2 == RemoteFree.ALREADY_QUEUED ? 1 : 0);
        r.r3 = (p1 == RemoteFree.NOT_LIVE ? 1 : 0) + (p2 == RemoteFree.NOT_LIVE ? 1 : 0);
        r.r4 = c1 + c2;
        r.r5 = f.anomalies();
        f.recycle();
    }
}
