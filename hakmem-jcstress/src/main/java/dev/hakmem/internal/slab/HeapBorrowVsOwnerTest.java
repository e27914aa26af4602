package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A borrower against a running owner: the owner's fast path checks the owner word once and then
 * works on its magazine with plain stores; a borrower may take the heap only while the owner is
 * blocked, which it finds out from the owner's thread state after its compare-and-set. Against a
 * running owner it must give the heap back untouched; the two are never inside at once (the test
 * fails, with a count lost, when tryBorrow skips the state check).
 */
@JCStressTest
@Description("Thread 1 owns the heap (it binds it to itself) and runs a fast path: if the owner word is its id "
        + "(plain read), or the slow path re-synchronises with it (acquire; STALE(id) after a borrow), a plain read-modify-write of its magazine header's count (+1). Thread 2 waits until the heap is bound, then "
        + "tryBorrow(): if it gets the heap, the same read-modify-write (+1), endBorrow. Result: 1 if the owner's fast "
        + "path ran, 1 if the borrow succeeded, the final count.")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "The owner was running: the borrower gave the heap back untouched.")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE_INTERESTING, desc = "The owner's check came during the borrower's brief "
        + "hold (then it takes its slow path), and the borrower gave up.")
@Outcome(id = "1, 1, 2", expect = ACCEPTABLE_INTERESTING, desc = "The owner's fast path was over and its thread "
        + "blocked (between jcstress rounds) when the borrower came: one after the other, nothing lost.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE_INTERESTING, desc = "The borrower held the heap: the owner's fast "
        + "path saw BUSY and kept out.")
@Outcome(expect = FORBIDDEN, desc = "The borrower was inside while the owner's fast path ran: a count lost.")
@State
public class HeapBorrowVsOwnerTest {
    final Heap h = new Heap(-8000, false);
    volatile boolean bound;

    @Actor
    public void owner(III_Result r) {
        RunningOwner.bind(h);
        bound = true;
        r.r1 = RunningOwner.operate(h);
    }

    @Actor
    public void borrower(III_Result r) {
        while (!bound) {
            Thread.onSpinWait();
        }
        if (h.tryBorrow()) {
            RunningOwner.raise(h);
            h.endBorrow();
            r.r2 = 1;
        }
    }

    @Arbiter
    public void done(III_Result r) {
        r.r3 = RunningOwner.count(h);
    }
}
