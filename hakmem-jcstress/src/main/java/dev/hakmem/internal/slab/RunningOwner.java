package dev.hakmem.internal.slab;

/**
 * A running owner's operation, for the tests of what other threads do to its owner word (borrow,
 * nudge): the fast path's plain check of the owner word, else the slow path's re-synchronisation
 * ({@link Heap#notBorrowed}, which also serves a requested sweep), as malloc and free do; then a
 * plain read-modify-write of one magazine header's count, which a second thread inside the heap
 * at the same time would make lose an update.
 */
final class RunningOwner {
    private RunningOwner() {}

    /** The class whose magazine count the operation raises. */
    static final int CLASS = 2;

    /** Binds {@code h} to the current thread (as its first operation does). */
    static void bind(Heap h) {
        h.bind(Thread.currentThread());
    }

    /** One operation of the owner, the current thread: 1 if it used the heap, 0 if it kept out. */
    static int operate(Heap h) {
        if (Magazines.ownerPlain(h.mag) == Thread.currentThread().threadId() || h.notBorrowed()) {
            raise(h);
            return 1;
        }
        return 0;
    }

    /** The plain read-modify-write of the magazine count (the owner's, or a borrower's). */
    static void raise(Heap h) {
        int b = Magazines.base(CLASS);
        h.mag[b] = Magazines.withCount(h.mag[b], Magazines.count(h.mag[b]) + 1);
    }

    /** The magazine count. */
    static int count(Heap h) {
        return Magazines.count(h.mag, CLASS);
    }
}
