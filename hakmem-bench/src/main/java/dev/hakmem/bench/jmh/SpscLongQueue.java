package dev.hakmem.bench.jmh;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded single-producer single-consumer queue of non-zero longs (block addresses), lock-
 * and allocation-free: a power-of-two ring with release/acquire indices.
 */
final class SpscLongQueue {

    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(SpscLongQueue.class, "head", long.class);
            TAIL = l.findVarHandle(SpscLongQueue.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long[] ring;
    private final int mask;
    // head and tail on different cache lines from each other
    @SuppressWarnings("unused")
    private long p0, p1, p2, p3, p4, p5, p6;
    private volatile long head;
    @SuppressWarnings("unused")
    private long q0, q1, q2, q3, q4, q5, q6;
    private volatile long tail;
    @SuppressWarnings("unused")
    private long r0, r1, r2, r3, r4, r5, r6;

    /** A queue of {@code capacity} slots, a power of two. */
    SpscLongQueue(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two");
        }
        ring = new long[capacity];
        mask = capacity - 1;
    }

    /** Producer side: adds {@code value} (non-zero); returns false if the queue is full. */
    boolean offer(long value) {
        long t = (long) TAIL.getOpaque(this);
        if (t - (long) HEAD.getAcquire(this) >= ring.length) {
            return false;
        }
        SLOT.setOpaque(ring, (int) t & mask, value);
        TAIL.setRelease(this, t + 1);
        return true;
    }

    /** Consumer side: removes the oldest value, or returns 0 if the queue is empty. */
    long poll() {
        long h = (long) HEAD.getOpaque(this);
        if (h == (long) TAIL.getAcquire(this)) {
            return 0;
        }
        long value = (long) SLOT.getOpaque(ring, (int) h & mask);
        HEAD.setRelease(this, h + 1);
        return value;
    }
}
