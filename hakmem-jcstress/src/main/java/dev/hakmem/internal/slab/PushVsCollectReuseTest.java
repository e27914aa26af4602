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
 * A good remote free whose mark the owner collects at once, after which the block goes out again
 * and is freed again (here by the owner's thread acting as a second remote freer): the first
 * freer's step 3 may see the block not LIVE, then LIVE and marked again, and must neither report
 * its own free as a double free nor take the second free's mark.
 */
@JCStressTest
@Description("A remote free of a live block races with the owner, which collects, and when it got the block back "
        + "hands it out again and frees it again (a second, good remote free). Then the owner collects again. Result: "
        + "first push (0 = OK), second push (0 = OK, -1 = not done: the racing collect found nothing), blocks "
        + "collected later, anomalies (REMOTE bits left + block still LIVE + 1 if the span's accounting is off).")
@Outcome(id = "0, -1, 1, 0", expect = ACCEPTABLE, desc = "The racing collect ran before the flags were raised; the later one took the block.")
@Outcome(id = "0, 0, 1, 0", expect = ACCEPTABLE, desc = "Collected, out again, freed again; the later collect took the second free.")
@Outcome(expect = FORBIDDEN, desc = "A good free refused (the first freer took the second free's mark as its own stale one, or "
        + "reported its collected mark as a double free), the block lost or collected twice, or a bit left behind.")
@State
public class PushVsCollectReuseTest {
    final SpanFixture f = SpanFixture.get();
    final long b = f.block(5);

    public PushVsCollectReuseTest() {
        f.allocate(5);
    }

    @Actor
    public void freer(IIII_Result r) {
        r.r1 = RemoteFree.push(f.span, b);
    }

    @Actor
    public void owner(IIII_Result r) {
        if (f.collectViaHint() == 1) {
            f.reallocateOnly(5);
            r.r2 = RemoteFree.push(f.span, b);
        } else {
            r.r2 = -1;
        }
    }

    @Arbiter
    public void ownerLater(IIII_Result r) {
        r.r3 = f.collectViaHint();
        r.r4 = f.anomalies();
        f.recycle();
    }
}
