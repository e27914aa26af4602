package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Child JVM for {@link CarrierHeapsTest#aCarrierWhoseVirtualThreadIsPinnedIsNotBorrowed}: a
 * virtual thread allocates (its carrier's heap holds memory), then sleeps pinned to its carrier
 * (inside an upcall from the C library's {@code qsort}: a native frame under it). The carrier's
 * state then reads TIMED_WAITING, as a blocked owner's does, while a virtual thread is mounted on
 * it; this thread tries to borrow the carrier's heap meanwhile. Prints the state, whether the
 * borrow succeeded and {@code OK} when it did not, or throws.
 */
public final class PinnedCarrierChild {
    private PinnedCarrierChild() {}

    static final CountDownLatch INSIDE = new CountDownLatch(1);
    static final CountDownLatch RELEASE = new CountDownLatch(1);

    /** The comparator qsort calls: blocks, pinned, until the main thread is done (first call only). */
    static int compare(MemorySegment x, MemorySegment y) {
        if (INSIDE.getCount() != 0) {
            INSIDE.countDown();
            try {
                RELEASE.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return 0;
    }

    public static void main(String[] args) throws Exception {
        ChildChecks.requireCarriers();
        Linker linker = Linker.nativeLinker();
        MethodHandle qsort = linker.downcallHandle(linker.defaultLookup().find("qsort").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        MethodHandle cmp = MethodHandles.lookup().findStatic(PinnedCarrierChild.class, "compare",
                MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class));
        AtomicReference<Thread> carrier = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread vt = Thread.ofVirtual().start(() -> {
            try (Arena arena = Arena.ofConfined()) {
                long a = Hakmem.malloc(64);
                carrier.set(Carriers.current());
                MemorySegment f = linker.upcallStub(cmp, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), arena);
                MemorySegment ints = arena.allocate(ValueLayout.JAVA_INT, 2);
                qsort.invokeExact(ints, 2L, 4L, f);
                Hakmem.free(a);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        INSIDE.await();
        Thread c = carrier.get();
        Thread.State state = c.getState();
        for (int i = 0; i < 1000 && state != Thread.State.WAITING; i++) {
            Thread.sleep(1);
            state = c.getState();
        }
        Heap h = Heaps.fast(c);
        if (h == null || !h.holdsMemory()) {
            throw new AssertionError("the carrier's heap holds no memory: " + h);
        }
        boolean borrowed = h.tryBorrow();
        if (borrowed) {
            h.endBorrow();
        }
        RELEASE.countDown();
        vt.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        System.out.println("carrierState=" + state + " mounted=" + Carriers.runsVirtualThread(c) + " borrowed=" + borrowed);
        if (state != Thread.State.WAITING) {
            throw new AssertionError("the pinned virtual thread's carrier did not read as waiting: " + state);
        }
        if (borrowed) {
            throw new AssertionError("the heap of a carrier running a pinned virtual thread was borrowed");
        }
        System.out.println("OK pinned");
    }
}
