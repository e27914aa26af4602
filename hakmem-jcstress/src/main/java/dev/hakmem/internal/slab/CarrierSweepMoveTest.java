package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A virtual thread serving the sweep the decay thread asked of its carrier's heap
 * ({@link Heap#servedSweep}, on the way in after a missed fast path) blocks in the sweep and ends
 * it on another carrier: its exit leaves STALE(C's id), and a virtual thread now on carrier C may
 * re-synchronise that to C's id at once and use the heap. The first thread must then not take the
 * heap as its own: it runs on another carrier. It once did when it found C's id in the owner word
 * after its exit, whoever had put it there: two threads popped one magazine.
 */
@JCStressTest
@Description("Carrier C's heap is idle (owner word C's id) with a sweep requested. Thread 1 is a virtual thread "
        + "that entered it on C and now runs on another carrier (the actor is not C): it serves the sweep "
        + "(enterSlow, sweep, exitSlow) and reports whether it may use the heap. Thread 2 is a virtual thread on C: "
        + "the fast path's plain check of the owner word, else the re-synchronisation (acquire, STALE -> id). "
        + "Result: 1 if thread 1 may use the heap, 1 if thread 2 entered it.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "Thread 2 entered (before thread 1's slow path, or after its exit), thread 1 kept out.")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "Thread 2 saw the slow path BUSY and kept out; so did thread 1.")
@Outcome(expect = FORBIDDEN, desc = "Thread 1, no longer on C, took C's heap as its own.")
@State
public class CarrierSweepMoveTest {
    /** Stands for carrier C: only its id is used. */
    static final Thread CARRIER = new Thread(() -> { });
    final Heap h = new Heap(-4100, false);       // fresh: the actors change its state
    final long tid = CARRIER.threadId();

    public CarrierSweepMoveTest() {
        h.bind(CARRIER);                          // the heap of carrier C, idle
        h.requestSweep();                         // the decay thread asked for a sweep
    }

    @Actor
    public void sweepEndedElsewhere(II_Result r) {
        r.r1 = h.servedSweep(tid) ? 1 : 0;
    }

    @Actor
    public void fastPathOnCarrier(II_Result r) {
        r.r2 = Magazines.ownerPlain(h.mag) == tid || Heap.resync(h.mag, tid) ? 1 : 0;
    }
}
