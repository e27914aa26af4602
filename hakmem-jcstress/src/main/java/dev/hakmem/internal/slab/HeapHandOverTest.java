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
 * What one holder of a heap writes with plain stores is seen by the next holder: unclaim
 * (release store of {@code thread = null}) happens-before the next tryClaim (CAS) that sees it.
 */
@JCStressTest
@Description("Thread 1 claims the heap, writes two plain fields guarded by the heap (1 then 2) and releases it; thread 2 tries to "
        + "claim it and, if it gets it, reads both fields (second one first) and releases it. Result: thread 1 claimed, "
        + "thread 2 claimed, the two fields thread 2 read (-1 if it did not get the heap). A holder that comes after "
        + "the writer sees all of its writes.")
@Outcome(id = "1, 1, 1, 2", expect = ACCEPTABLE, desc = "Thread 2 took the heap after thread 1 released it and saw both writes.")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE, desc = "Thread 2 held the heap first (and released it before thread 1 tried).")
@Outcome(id = "0, 1, 0, 0", expect = ACCEPTABLE_INTERESTING, desc = "Thread 1 found the heap held by thread 2 and gave up.")
@Outcome(id = "1, 0, -1, -1", expect = ACCEPTABLE_INTERESTING, desc = "Thread 2 found the heap held by thread 1 and gave up.")
@Outcome(expect = FORBIDDEN, desc = "Thread 2 held the heap after thread 1 yet missed one of its writes, or both/neither held it wrongly.")
@State
public class HeapHandOverTest {
    final Heap h = HeapPool.get();
    /** Plain state written only while holding the heap. */
    int a;
    int b;

    @Actor
    public void writer(IIII_Result r) {
        if (h.tryClaim(Thread.currentThread())) {
            a = 1;
            b = 2;
            h.unclaim();
            r.r1 = 1;
        }
    }

    @Actor
    public void reader(IIII_Result r) {
        if (h.tryClaim(Thread.currentThread())) {
            r.r4 = b;
            r.r3 = a;
            h.unclaim();
            r.r2 = 1;
        } else {
            r.r3 = -1;
            r.r4 = -1;
        }
    }

    @Arbiter
    public void done(IIII_Result r) {
        HeapPool.recycle(h);
    }
}
