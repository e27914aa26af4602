package dev.hakmem.internal.slab;

import dev.hakmem.internal.os.Os;

import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Child JVM for {@link CarrierHeapsTest}: what the fast paths' carrier lookup relies on. The fast
 * paths read the carrier ({@link Carriers#carrierId}) inline, inside the caller's compiled loop;
 * a virtual thread that blocks may go on on another carrier, so the JIT must read the carrier
 * again after every call that can block, never reuse the value it read before (that would let a
 * virtual thread use another carrier's heap without its BUSY protocol).
 *
 * <p>Eight virtual threads on two carriers loop (long enough for C2 to compile the loop): read the
 * carrier id, allocate, write and check a block, {@code Thread.yield()} (the thread may move),
 * read the carrier id again, and compare it with {@link #actual()}, the JDK's own answer
 * ({@code currentCarrierThread()}) from a frame the test's JVM options keep from being inlined;
 * then free the block. Prints {@code OK} with the counts, or throws: a stale read, or no move at
 * all (the test would show nothing).
 *
 * <p>Argument {@code field}: the carrier must come from {@code VirtualThread.carrierThread}
 * ({@link Carriers#readsCarrierField()}); {@code jdk}: from {@code currentCarrierThread()} (the
 * child runs with {@code -Dhakmem.carrierField=false}).
 */
public final class CarrierReloadChild {
    private CarrierReloadChild() {}

    static final AtomicLong MOVED = new AtomicLong();
    static final AtomicLong STALE = new AtomicLong();
    static final AtomicLong ITERATIONS = new AtomicLong();

    /** The carrier's id as the JDK reads it, from a frame of its own ({@code -XX:CompileCommand=dontinline} in the test). */
    static long actual() {
        return Carriers.jdkCarrier().threadId();
    }

    static void loop(int n, int seed) {
        long moved = 0;
        long stale = 0;
        for (int i = 0; i < n; i++) {
            long before = Carriers.carrierId(Thread.currentThread());
            long size = 16 + ((i * 31L + seed) & 255);
            long a = Front.malloc(size);
            Front.zero(a, size);
            Os.ALL.set(ValueLayout.JAVA_LONG_UNALIGNED, a, a);
            Thread.yield();
            long after = Carriers.carrierId(Thread.currentThread());
            long real = actual();
            if (after != real) {
                stale++;
            }
            if (before != real) {
                moved++;
            }
            if (Os.ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, a) != a) {
                throw new AssertionError("block " + Long.toHexString(a) + " overwritten");
            }
            Front.free(a);
        }
        MOVED.addAndGet(moved);
        STALE.addAndGet(stale);
        ITERATIONS.addAndGet(n);
    }

    public static void main(String[] args) throws Exception {
        ChildChecks.requireCarriers();
        boolean field = args[0].equals("field");
        if (field != Carriers.readsCarrierField()) {
            throw new AssertionError("mode " + args[0] + " but the field is " + (field ? "not " : "") + "read ("
                    + Carriers.CARRIER_FIELD_REASON + ")");
        }
        for (int round = 0; round < 12; round++) {
            Thread[] ts = new Thread[8];
            for (int k = 0; k < ts.length; k++) {
                int seed = round * 8 + k;
                ts[k] = Thread.ofVirtual().start(() -> loop(20_000, seed));
            }
            for (Thread t : ts) {
                t.join();
            }
        }
        if (STALE.get() != 0) {
            throw new AssertionError(STALE.get() + " carrier reads after a yield were stale (moved " + MOVED.get() + ")");
        }
        if (MOVED.get() == 0) {
            throw new AssertionError("no virtual thread moved to another carrier in " + ITERATIONS.get() + " yields");
        }
        ChildChecks.trimAndRequireNothingLive();
        System.out.println("OK iterations=" + ITERATIONS.get() + " moved=" + MOVED.get() + " stale=0 carrier read from "
                + (field ? "VirtualThread.carrierThread" : "currentCarrierThread()"));
    }
}
