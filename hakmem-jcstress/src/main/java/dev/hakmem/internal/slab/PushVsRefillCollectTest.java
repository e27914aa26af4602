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
 * Like {@link PushVsCollectTest}, but the racing collect is the one of the owner's refill path
 * ({@code Heap.refill}: {@code claimPending()} then collect, no hint), and the later one goes
 * through the hint: the pending flag claimed by the refill must not swallow a block the hint
 * then leads nowhere for.
 */
@JCStressTest
@Description("A remote free races with the owner's refill-path collect (remotePending -> collect, hint "
        + "untouched); after the freer finished the owner collects through remoteHint -> remotePending. "
        + "Result: push, collected by the refill, collected later, anomalies. Exactly one collect takes the block.")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE, desc = "The refill saw the pending flag and took the block (the hint it left set leads to an empty claim).")
@Outcome(id = "0, 0, 1, 0", expect = ACCEPTABLE, desc = "The refill looked before the flag was raised; the hinted collect took the block.")
@Outcome(expect = FORBIDDEN, desc = "Block lost, collected twice, or push refused.")
@State
public class PushVsRefillCollectTest {
    final SpanFixture f = SpanFixture.get();
    final long b = f.block(70);

    public PushVsRefillCollectTest() {
        f.allocate(70);
    }

    @Actor
    public void freer(IIII_Result r) {
        r.r1 = RemoteFree.push(f.span, b);
    }

    @Actor
    public void owner(IIII_Result r) {
        r.r2 = f.collectViaPending();
    }

    @Arbiter
    public void ownerLater(IIII_Result r) {
        r.r3 = f.collectViaHint();
        r.r4 = f.anomalies();
        f.recycle();
    }
}
