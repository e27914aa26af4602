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
 * A virtual thread unmounted between choosing its carrier's heap and finishing with it: it marked
 * the heap BUSY on carrier C, blocked, and now finishes its slow path on another carrier, while a
 * virtual thread on C tries the fast path. The slow path ends with STALE(C's id), not C's id, since it
 * ends on another carrier, so the fast path's plain read misses; its re-synchronisation (acquire)
 * either sees BUSY (and keeps out) or STALE(C's id), and then every write of the slow path.
 */
@JCStressTest
@Description("A heap of carrier C is BUSY (a slow path started on C and blocked). Thread 1 is that slow path, "
        + "resumed on another carrier: it writes the heap's magazine header and a counter (plain stores) and "
        + "ends with exitSlow (release store of STALE(C's id): it is not on C). Thread 2 is a virtual thread now on C: "
        + "it reads the owner word plain as the fast path does, and on a miss re-synchronises (acquire, STALE -> id); "
        + "if either finds the heap idle it reads the header count and the counter, else it reports -1, -1.")
@Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "The fast path saw BUSY and kept out of the heap.")
@Outcome(id = "7, 1", expect = ACCEPTABLE_INTERESTING, desc = "The slow path had ended: the fast path saw all of it.")
@Outcome(expect = FORBIDDEN, desc = "The fast path entered the heap yet missed a write of the slow path before it.")
@State
public class CarrierHeapResumeTest {
    static final int CLASS = 0;
    /** Stands for carrier C: only its id is used. */
    static final Thread CARRIER = new Thread(() -> { });
    final Heap h = new Heap(-4000, false);       // fresh: the actors change its state
    final long tid = CARRIER.threadId();
    final long owner;

    public CarrierHeapResumeTest() {
        h.bind(CARRIER);                          // the heap of carrier C
        owner = h.enterSlow();                    // a slow path began on C
    }

    @Actor
    public void slowPathElsewhere() {
        int b = Magazines.base(CLASS);
        h.mag[b] = Magazines.withCount(h.mag[b], 7);
        h.counters.inc(CLASS, Counters.REFILLS);
        h.exitSlow(owner);
    }

    @Actor
    public void fastPathOnCarrier(JJ_Result r) {
        // the fast path's plain check, else the re-synchronisation of allocOnCarrier (acquire)
        if (Magazines.ownerPlain(h.mag) == tid || Heap.resync(h.mag, tid)) {
            r.r1 = Magazines.count(h.mag, CLASS);
            r.r2 = h.counters.get(CLASS, Counters.REFILLS);
        } else {
            r.r1 = -1;
            r.r2 = -1;
        }
    }
}
