package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two virtual threads on one carrier: the first marks the carrier's heap BUSY ({@code enterSlow})
 * and then blocks; the scheduler unmounts it and mounts the second on the same carrier. The
 * hand-over between them is a synchronizing action of the scheduler (modelled here by a volatile
 * write and read, as the JDK's unmount and mount are), so the second one's fast path sees BUSY and
 * keeps out.
 */
@JCStressTest
@Description("Thread 1 is a virtual thread on carrier C: enterSlow (owner id -> BUSY), then it blocks and the scheduler "
        + "unmounts it (a volatile write). Thread 2 is the next virtual thread on C: mounted (volatile read of the "
        + "hand-over), it reads the owner word as the fast path does. Result: 1 if mounted after thread 1 blocked, "
        + "then 1 if the fast path saw BUSY (0 if it saw C's id).")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "Mounted after the first blocked: it sees BUSY.")
@Outcome(id = {"0, 0", "0, 1"}, expect = ACCEPTABLE_INTERESTING, desc = "Ran before the first blocked (on a real carrier "
        + "this cannot happen: the two never run at once there).")
@Outcome(expect = FORBIDDEN, desc = "Mounted after the first one blocked, yet the fast path missed its BUSY mark.")
@State
public class CarrierHandOffTest {
    static final Thread CARRIER = new Thread(() -> { });
    final Heap h = new Heap(-6000, false);
    final long tid = CARRIER.threadId();
    volatile boolean unmounted;

    public CarrierHandOffTest() {
        h.bind(CARRIER);
    }

    @Actor
    public void firstBlocks() {
        h.enterSlow();
        unmounted = true;
    }

    @Actor
    public void secondMounts(JJ_Result r) {
        r.r1 = unmounted ? 1 : 0;
        r.r2 = Magazines.ownerPlain(h.mag) == Magazines.BUSY ? 1 : 0; // the fast path's plain read
    }
}
