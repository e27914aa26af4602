package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A stats read ({@link Heap#addCountersQuiet}) while a borrower changes a blocked owner's heap:
 * the read sees the borrower's writes all or none, never half (the owner word is read before and
 * after the counters and must be the same, not BUSY).
 */
@JCStressTest
@Description("The heap's owner is a thread parked for good. Thread 1 borrows the heap (tryBorrow) and, as a flush "
        + "does, writes two counters whose effects on the allocation count cancel (one more block taken, one more "
        + "flushed), then endBorrow. Thread 2 reads the heap's counters with addCountersQuiet. Result: whether 1 "
        + "borrowed, the allocations thread 2 computed for the class.")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "Borrowed; the read saw both writes or neither.")
@Outcome(id = "0, 0", expect = ACCEPTABLE_INTERESTING, desc = "The borrow failed (the read does not block it); nothing written.")
@Outcome(expect = FORBIDDEN, desc = "The read saw one write without the other.")
@State
public class StatsReadVsBorrowTest {
    static final int CLS = 3;

    final Heap h = BlockedOwner.heap(-7100);

    @Actor
    public void borrower(II_Result r) {
        if (h.tryBorrow()) {
            h.counters.add(CLS, Counters.TAKEN, 1);
            h.counters.add(CLS, Counters.FLUSHED, 1);
            h.endBorrow();
            r.r1 = 1;
        }
    }

    @Actor
    public void reader(II_Result r) {
        Counters.Totals t = new Counters.Totals();
        h.addCountersQuiet(t, System.nanoTime() + 5_000_000_000L);
        r.r2 = (int) t.allocations(CLS);
    }
}
