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
 * A borrower (the decay thread, or trim) takes the heap of a blocked owner while a slow path
 * starts on it: the owner word's compare-and-sets let at most one of them in at a time, and the
 * one that comes second sees what the first wrote.
 */
@JCStressTest
@Description("The heap's owner is a thread parked for good (so tryBorrow's state check passes). Thread 1 starts a slow "
        + "path on the heap (enterSlow), marks it occupied, adds 1 to a plain counter, unmarks it, exitSlow. Thread 2 "
        + "tries to borrow it (tryBorrow) and if it got it does the same and endBorrow. Result: occupied seen by 1, "
        + "occupied seen by 2, 1 if 2 borrowed, final counter.")
@Outcome(id = "0, 0, 1, 2", expect = ACCEPTABLE, desc = "Both got the heap, one after the other; no increment lost.")
@Outcome(id = "0, 0, 0, 1", expect = ACCEPTABLE_INTERESTING, desc = "The slow path held it when the borrower tried.")
@Outcome(expect = FORBIDDEN, desc = "Both inside at once, or an increment lost.")
@State
public class HeapBorrowTest {
    final Heap h = BlockedOwner.heap(-7000);
    int occupied;
    int counter;

    private int inside() {
        int seen = occupied;
        occupied = 1;
        counter++;
        occupied = 0;
        return seen;
    }

    @Actor
    public void slowPath(IIII_Result r) {
        long o = h.enterSlow();
        r.r1 = inside();
        h.exitSlow(o);
    }

    @Actor
    public void borrower(IIII_Result r) {
        if (h.tryBorrow()) {
            r.r2 = inside();
            h.endBorrow();
            r.r3 = 1;
        }
    }

    @Arbiter
    public void done(IIII_Result r) {
        r.r4 = counter;
    }
}
