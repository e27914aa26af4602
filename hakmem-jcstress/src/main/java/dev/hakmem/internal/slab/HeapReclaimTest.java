package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Both threads insist: each retries tryClaim until it holds the heap, increments a plain
 * counter of the heap and releases it. A released heap can be claimed again, the two critical
 * sections never overlap, and each sees the other's increment if it comes second.
 */
@JCStressTest
@Description("Two threads each spin on Heap.tryClaim(self) until they hold the heap, then do a plain "
        + "read-modify-write of a counter guarded by the heap and unclaim. Result: counter value each read, final counter, "
        + "1 if the heap is unheld at the end. Both get the heap, one after the other, and no increment is lost.")
@Outcome(id = "0, 1, 2, 1", expect = ACCEPTABLE, desc = "Thread 1 first, then thread 2 (saw the increment).")
@Outcome(id = "1, 0, 2, 1", expect = ACCEPTABLE, desc = "Thread 2 first, then thread 1 (saw the increment).")
@Outcome(expect = FORBIDDEN, desc = "Overlapping critical sections, a lost or unseen increment, or a claim left behind.")
@State
public class HeapReclaimTest {
    final Heap h = HeapPool.get();
    /** Plain counter guarded by the heap. */
    int counter;

    private int enter() {
        Thread me = Thread.currentThread();
        while (!h.tryClaim(me)) {
            Thread.onSpinWait();
        }
        int v = counter;
        counter = v + 1;
        h.unclaim();
        return v;
    }

    @Actor
    public void thread1(IIII_Result r) {
        r.r1 = enter();
    }

    @Actor
    public void thread2(IIII_Result r) {
        r.r2 = enter();
    }

    @Arbiter
    public void done(IIII_Result r) {
        r.r3 = counter;
        r.r4 = h.holder() == null ? 1 : 0;
        HeapPool.recycle(h);
    }
}
