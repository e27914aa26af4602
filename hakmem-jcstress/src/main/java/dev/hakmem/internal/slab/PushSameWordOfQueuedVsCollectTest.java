package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two-thread form of {@link TwoPushersSameWordVsCollectTest} (jcstress runs a test only with as many
 * CPUs as actors): the first remote free (block 0) is already done when the trial starts, so the
 * span's flags are up; then a second remote free (block 1, same REMOTE word: it finds the word non-empty and
 * raises no flag races with the owner's collect.
 * Whatever the interleaving, the arbiter's collect (after the freer is done) must find what the
 * racing one did not.
 */
@JCStressTest
@Description("Block 0 is already queued (flags raised); a remote free of block 1 (same REMOTE word races with the owner's "
        + "collect (remoteHint -> remotePending -> collect); then the owner collects again. Result: push (0 = OK), "
        + "collected by the racing collect, collected later, anomalies (REMOTE bits left + blocks still LIVE + 1 if the "
        + "span's accounting is off). Both blocks are collected exactly once; the second free never rides on a flag "
        + "that the collect has already consumed without seeing its bit.")
@Outcome(id = "0, 2, 0, 0", expect = ACCEPTABLE, desc = "The racing collect took both blocks.")
@Outcome(id = "0, 1, 1, 0", expect = ACCEPTABLE_INTERESTING, desc = "The racing collect took block 0 only; the later one found block 1 through the flags.")
@Outcome(expect = FORBIDDEN, desc = "A block lost (left queued with no flag to find it), collected twice, the push refused, or the racing collect (which always sees the hint raised before the trial) missing block 0.")
@State
public class PushSameWordOfQueuedVsCollectTest {
    final SpanFixture f = SpanFixture.get();
    final long b1 = f.block(1);

    public PushSameWordOfQueuedVsCollectTest() {
        f.queued(0);
        f.allocate(1);
    }

    @Actor
    public void freer(IIII_Result r) {
        r.r1 = RemoteFree.push(f.span, b1);
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
