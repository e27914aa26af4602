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
 * The decay thread's nudge against a running owner ({@link Heap#nudge}): the owner word goes from
 * the owner's id to STALE(id) while the owner's fast path checks it with a plain read and then
 * works on its magazine with plain stores. The nudge touches nothing else, so whichever comes
 * first, the owner's operation happens exactly once; a nudge that came first sends the owner
 * through its slow path's re-synchronisation, which serves the pending sweep.
 */
@JCStressTest
@Description("Thread 1 binds the heap to itself, counts enough bytes freed into its spans to be nudged, and runs a fast path: if the owner word is its id (plain read), "
        + "or the slow path re-synchronises with it and serves a requested sweep (Heap.notBorrowed), a plain "
        + "read-modify-write of its magazine header's count (+1). Thread 2 waits until the heap is bound, asks for a "
        + "sweep and nudges. Result: 1 if the owner's operation ran, 1 if the nudge changed the word, the final count, "
        + "1 if the final owner word is STALE(id) (0 if id), 1 if the sweep is still pending.")
@Outcome(id = "1, 1, 1, 1, 1", expect = ACCEPTABLE, desc = "The owner's check came first: the nudge left STALE, "
        + "and the owner serves the sweep at its next operation.")
@Outcome(id = "1, 1, 1, 0, 0", expect = ACCEPTABLE, desc = "The nudge came first: the owner's fast path missed, "
        + "re-synchronised and served the sweep, then did its operation.")
@Outcome(expect = FORBIDDEN, desc = "An operation lost or made twice, a nudge that failed, a sweep left pending "
        + "after the owner re-synchronised, or a word other than id or STALE(id).")
@State
public class HeapNudgeVsOwnerTest {
    final Heap h = new Heap(-8001, false);
    volatile boolean bound;
    volatile long id;

    @Actor
    public void owner(IIIII_Result r) {
        RunningOwner.bind(h);
        h.countFreedIntoSpans(RunningOwner.CLASS, SweepSchedule.NUDGE_BYTES); // enough to be nudged
        id = Thread.currentThread().threadId();
        bound = true;
        r.r1 = RunningOwner.operate(h);
    }

    @Actor
    public void decay(IIIII_Result r) {
        while (!bound) {
            Thread.onSpinWait();
        }
        h.requestSweep();
        r.r2 = h.nudge() ? 1 : 0;
    }

    @Arbiter
    public void done(IIIII_Result r) {
        r.r3 = RunningOwner.count(h);
        long w = Magazines.owner(h.mag);
        r.r4 = w == id ? 0 : w == Magazines.stale(id) ? 1 : 2;
        r.r5 = h.requestSweep() ? 1 : 0;
    }
}
