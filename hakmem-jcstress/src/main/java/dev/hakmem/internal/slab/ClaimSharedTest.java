package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The virtual-thread path: {@link SharedHeaps#claim} over the real striped shared heaps. While a
 * thread holds a shared heap nobody else is inside it: on entry each holder reads an "occupied"
 * cell of the heap (opaque, so the JIT keeps the accesses) and must find it clear, sets it,
 * checks the heap's holder is itself, clears the cell and unclaims.
 */
@JCStressTest
@Description("Two threads call SharedHeaps.claim(self) at once (the shared, striped heaps used by virtual threads; "
        + "hakmem.sharedHeaps=1, i.e. the minimum of 2 stripes, so they often start on the same heap), "
        + "mark the heap occupied, check that the heap's holder is themselves, unmark it and unclaim. Result: occupied seen by 1, "
        + "occupied seen by 2, wrong holder seen by 1, by 2, 1 if both got the same heap (one after the other). "
        + "Nobody ever finds a heap occupied or held by another thread while holding it.")
@Outcome(id = "0, 0, 0, 0, 0", expect = ACCEPTABLE, desc = "Different heaps, exclusive.")
@Outcome(id = "0, 0, 0, 0, 1", expect = ACCEPTABLE_INTERESTING, desc = "Same heap, held one after the other.")
@Outcome(expect = FORBIDDEN, desc = "Two threads inside one shared heap at once.")
@State
public class ClaimSharedTest {
    Heap h1;
    Heap h2;

    /** An "occupied" cell per shared heap, written (opaquely) only while holding that heap. */
    private static final java.util.Map<Heap, long[]> OCCUPIED = new java.util.IdentityHashMap<>();
    private static final java.lang.invoke.VarHandle CELL = java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);

    static {
        // the fewest stripes there can be (2), so that both threads often start on the same heap;
        // read once when SharedHeaps initialises, which this class does first in its forked VM
        if (System.getProperty("hakmem.sharedHeaps") == null) {
            System.setProperty("hakmem.sharedHeaps", "1");
        }
        for (Heap h : SharedHeaps.all()) {
            OCCUPIED.put(h, new long[1]);
        }
    }

    @Actor
    public void thread1(IIIII_Result r) {
        Thread me = Thread.currentThread();
        Heap h = SharedHeaps.claim(me);
        long[] cell = OCCUPIED.get(h);
        r.r1 = (int) (long) CELL.getOpaque(cell, 0);
        CELL.setOpaque(cell, 0, 1L);
        r.r3 = h.holder() != me ? 1 : 0;
        CELL.setOpaque(cell, 0, 0L);
        h.unclaim();
        h1 = h;
    }

    @Actor
    public void thread2(IIIII_Result r) {
        Thread me = Thread.currentThread();
        Heap h = SharedHeaps.claim(me);
        long[] cell = OCCUPIED.get(h);
        r.r2 = (int) (long) CELL.getOpaque(cell, 0);
        CELL.setOpaque(cell, 0, 1L);
        r.r4 = h.holder() != me ? 1 : 0;
        CELL.setOpaque(cell, 0, 0L);
        h.unclaim();
        h2 = h;
    }

    @Arbiter
    public void done(IIIII_Result r) {
        r.r5 = h1 == h2 ? 1 : 0;
    }
}
