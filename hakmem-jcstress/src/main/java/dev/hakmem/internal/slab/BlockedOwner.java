package dev.hakmem.internal.slab;

import java.util.concurrent.locks.LockSupport;

/**
 * An owner thread blocked for good, for the tests of borrowing: {@link Heap#tryBorrow} takes a heap
 * only while its owner is WAITING, TIMED_WAITING or BLOCKED, as a parked thread is.
 */
final class BlockedOwner {
    private BlockedOwner() {}

    private static final Thread OWNER = Thread.ofPlatform().daemon().start(() -> {
        while (true) {
            LockSupport.park();
        }
    });

    /** A new platform heap with id {@code id}, owned by the blocked thread (once it is parked). */
    static Heap heap(int id) {
        while (OWNER.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        Heap h = new Heap(id, false);
        h.bind(OWNER);
        return h;
    }
}
