package dev.hakmem.internal.slab;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A span parked in a heap is taken by exactly one side: the owner's refill (getAndSet of the
 * slot) or another thread handing parked spans to the pool (compareAndSet of the slot), never
 * both (the span would be the owner's current span and free in the pool at once) and never
 * neither (it would leak).
 */
@JCStressTest
@Description("A real empty span of a large class, acquired from the pool, is parked in a heap. Thread 1 (the "
        + "owner) takes it back with takeParked; thread 2 hands every parked span of the heap to the pool with "
        + "handOverParked. Result: 1 if the owner got the span, 1 if the pool got it (the hand-over saw its owner cleared).")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "The owner took the span back; the hand-over found the slot empty.")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "The span went to the pool; the owner found the slot empty.")
@Outcome(expect = FORBIDDEN, desc = "The span was taken by both sides, or by neither.")
@State
public class ParkedSpanTakeVsHandOverTest {
    /** The 64 KiB class: a span of one slab holding one block. */
    static final int CLASS = SizeClasses.classOfAny(1 << 16);

    final Heap h = HeapPool.get();
    final Span span;
    Span got;

    public ParkedSpanTakeVsHandOverTest() {
        span = SpanPool.acquire(h, CLASS);
        h.park(span);
    }

    @Actor
    public void owner(II_Result r) {
        got = h.takeParked(CLASS);
        r.r1 = got == span ? 1 : 0;
    }

    @Actor
    public void handOver(II_Result r) {
        h.handOverParked(System.nanoTime(), true);
        // read here: once in the pool, the span may go to another state's heap before the arbiter
        r.r2 = span.owner == null ? 1 : 0;
    }

    @Arbiter
    public void done(II_Result r) {
        if (got != null) {
            SpanPool.release(got);
        }
        h.flushParked();
        HeapPool.recycle(h);
    }
}
