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
 * A carrier that ends: its heap was marked BUSY by a virtual thread's slow path that goes on
 * elsewhere. The registry may adopt or retire the dead carrier's heap only once it is
 * {@link Heap#quiescent()}, and then sees everything that slow path wrote.
 */
@JCStressTest
@Description("The heap of a carrier that has died (a thread that is not alive) is BUSY. Thread 1 is the slow path "
        + "that began on it, finishing on another carrier: plain writes of a magazine header and a counter, then "
        + "exitSlow. Thread 2 is the registry: if the heap is quiescent (acquire) it reads the header count and "
        + "the counter as abandoning it would, else -1, -1.")
@Outcome(id = "-1, -1", expect = ACCEPTABLE, desc = "Still BUSY: the registry leaves the heap for later.")
@Outcome(id = "3, 1", expect = ACCEPTABLE_INTERESTING, desc = "Quiescent: the registry sees all of the slow path.")
@Outcome(expect = FORBIDDEN, desc = "The registry took a heap a slow path was still changing, or missed its writes.")
@State
public class CarrierHeapRetireTest {
    static final int CLASS = 1;
    /** A carrier that has ended: never started, so never alive. */
    static final Thread DEAD = new Thread(() -> { });
    final Heap h = new Heap(-5000, false);
    final long owner;

    public CarrierHeapRetireTest() {
        h.bind(DEAD);                        // the carrier's heap
        owner = h.enterSlow();               // a virtual thread's slow path began on it before it ended
    }

    @Actor
    public void slowPathElsewhere() {
        int b = Magazines.base(CLASS);
        h.mag[b] = Magazines.withCount(h.mag[b], 3);
        h.counters.inc(CLASS, Counters.FLUSHED);
        h.exitSlow(owner);
    }

    @Actor
    public void registry(JJ_Result r) {
        if (!h.holder().isAlive() && h.quiescent()) {
            r.r1 = Magazines.count(h.mag, CLASS);
            r.r2 = h.counters.get(CLASS, Counters.FLUSHED);
        } else {
            r.r1 = -1;
            r.r2 = -1;
        }
    }
}
