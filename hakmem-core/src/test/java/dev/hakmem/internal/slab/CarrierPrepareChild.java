package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.testing.BlockPattern;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Child JVM for {@link CarrierHeapsTest} (two carriers, no decay thread): a virtual thread whose
 * first allocation makes its carrier's heap ({@link Heaps#prepareCarrier}) blocks on the registry
 * lock there and goes on on the other carrier. Its block must come from the heap of the carrier it
 * runs on when it gets it, or from a shared heap: never from the heap just made for the carrier it
 * left, whose magazines the virtual threads now on that carrier use with plain reads and writes.
 *
 * <pre>
 * main:  lockRegistry ............................................ unlockRegistry   release S(b)   release S(a)
 * A:     on carrier a: malloc -&gt; no heap -&gt; prepareCarrier(a) waits ............ (a heap made for a) malloc ends on b
 * S(a), S(b):                  spin on carriers a and b, one each ........ S(b) ends: b free for A
 * </pre>
 * Prints {@code OK} and where the block came from, or throws.
 */
public final class CarrierPrepareChild {
    private CarrierPrepareChild() {}

    static final int SIZE = 48;

    public static void main(String[] args) throws Exception {
        ChildChecks.requireCarriers();
        AtomicReference<Thread> before = new AtomicReference<>();
        AtomicReference<Thread> after = new AtomicReference<>();
        long[] block = new long[1];
        Heaps.lockRegistry();
        Thread a;
        Spinner[] spinners = {new Spinner(), new Spinner()};
        try {
            a = Thread.ofVirtual().name("A").start(() -> {
                before.set(Carriers.current());
                block[0] = Hakmem.malloc(SIZE); // the carrier has no heap yet: prepareCarrier blocks on the registry lock
                after.set(Carriers.current());  // no blocking point since malloc returned
            });
            Thread queued = a;
            ChildChecks.awaitWithin10s(() -> Heaps.waitsForRegistry(queued), () -> "A never waited for the registry lock: " + queued);
            // both carriers busy spinning, so A cannot resume before one of them is let go
            for (Spinner s : spinners) {
                s.start();
            }
            for (Spinner s : spinners) {
                s.running.await();
            }
            if (spinners[0].carrier == spinners[1].carrier) {
                throw new AssertionError("two spinners on one carrier: " + spinners[0].carrier);
            }
        } finally {
            Heaps.unlockRegistry();
        }
        // A's first carrier stays busy; the other one is let go, so A goes on there
        Spinner away = spinners[0].carrier == before.get() ? spinners[1] : spinners[0];
        Spinner stay = away == spinners[0] ? spinners[1] : spinners[0];
        away.stop = true;
        away.thread.join();
        a.join();
        stay.stop = true;
        stay.thread.join();

        if (after.get() == before.get()) {
            throw new AssertionError("A went on on the carrier it blocked on: " + before.get());
        }
        Span s = SpanMap.of(block[0]);
        Heap owner = s.owner;
        String from = owner == null ? "no heap" : owner.shared ? "a shared heap" : "the heap of " + owner.platformThread();
        if (owner == null || (!owner.shared && owner.platformThread() != after.get())) {
            throw new AssertionError("A, on " + after.get() + " after blocking on " + before.get()
                    + ", got block 0x" + Long.toHexString(block[0]) + " from " + from);
        }
        Heap left = Heaps.fast(before.get());
        if (left == null) {
            throw new AssertionError("no heap was made for A's first carrier " + before.get());
        }
        BlockPattern.fill(block[0], SIZE, 3);
        BlockPattern.verify(block[0], SIZE, 3, "A's block");
        Hakmem.free(block[0]);
        ChildChecks.trimAndRequireNothingLive();
        System.out.println("OK prepareMoves: A blocked on " + before.get().getName() + ", went on on "
                + after.get().getName() + ", its block from " + from);
    }

    /** A virtual thread that occupies a carrier (spins, never blocks) until stopped. */
    static final class Spinner implements Runnable {
        final CountDownLatch running = new CountDownLatch(1);
        volatile Thread carrier;
        volatile boolean stop;
        Thread thread;

        void start() {
            thread = Thread.ofVirtual().name("spinner").start(this);
        }

        @Override
        public void run() {
            carrier = Carriers.current();
            running.countDown();
            while (!stop) {
                Thread.onSpinWait();
            }
        }
    }
}
