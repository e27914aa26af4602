package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/** Two threads claim the same free heap and keep it: exactly one gets it. */
@JCStressTest
@Description("Two threads call Heap.tryClaim(self) on the same unheld heap and do not release it. Result: claimed "
        + "by 1, claimed by 2, and 1 if the heap's holder is the winner afterwards. Exactly one claim succeeds and the "
        + "heap records its holder.")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "Thread 1 holds the heap.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "Thread 2 holds the heap.")
@Outcome(expect = FORBIDDEN, desc = "Both hold it (no mutual exclusion), or neither does although it was free.")
@State
public class HeapTryClaimMutexTest {
    final Heap h = HeapPool.get();
    volatile Thread t1;
    volatile Thread t2;

    @Actor
    public void claimer1(III_Result r) {
        Thread me = Thread.currentThread();
        t1 = me;
        r.r1 = h.tryClaim(me) ? 1 : 0;
    }

    @Actor
    public void claimer2(III_Result r) {
        Thread me = Thread.currentThread();
        t2 = me;
        r.r2 = h.tryClaim(me) ? 1 : 0;
    }

    @Arbiter
    public void check(III_Result r) {
        Thread holder = h.holder();
        r.r3 = (r.r1 == 1 && holder == t1) || (r.r2 == 1 && holder == t2) ? 1 : 0;
        // the heap stays claimed by the winner, which has finished: it is dropped, not recycled
    }
}
