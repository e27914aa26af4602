package dev.hakmem.internal.slab;

/**
 * Where a block is that an operation refused as already free: the evidence the exception's
 * message gives for its "double free?". A block that is really free sits in one of these places:
 *
 * <pre>
 * the free cache of its span's heap      Magazines, class of the span   (freed, not yet flushed)
 * its span's free blocks                 Span's free map                (flushed, collected or never reused)
 * a block lent out of a lease (Lender): its heap's freed lent blocks    (freed, not yet back in the lease)
 * </pre>
 * and, between them, only inside a refill, a flush or a collect of the heap's holder. So a
 * message that names one of them shows the block free where the allocator keeps free blocks; one
 * that names neither (found live again, or nowhere) says the state changed under the report,
 * which a program that frees the block once should never see.
 *
 * <p>Error paths only, and from any thread: the span, its free map and its heap's magazines are
 * read plainly while their holder may be changing them (a torn or stale read gives a wrong place,
 * never an exception: the arrays are Java arrays, the indices bounded).
 */
final class Whereabouts {
    private Whereabouts() {}

    /**
     * A clause for the message of a refusal of block start {@code a} as not live: where the block
     * is now, or that it is in none of the places of a free block.
     */
    static String of(long a) {
        Span s = SpanMap.of(a);
        if (s == null) {
            return "its span has been released since (all of its blocks were free)";
        }
        if (!s.isBlockStart(a)) {
            return "its span was formatted again since"; // (the refusals come with the checks on only)
        }
        if (Shadow.isLive(a)) {
            return Shadow.isLiveAndNotQueued(a) ? "it is live again now (allocated again since it was found free)"
                    : "a free of it by another thread is queued for its owner now";
        }
        Heap h = s.owner;
        if (s.leases != null && s.lentSize(a) >= 0) {
            // lent out of a lease of a larger class's span: its free waits in its heap for the next batch
            return h != null && h.holdsLentFreed(a) ? "it is in the free-block cache of " + heapName(h)
                    : "it is in neither its heap's free-block cache nor its lease's free memory: " + MOVING;
        }
        if (s.isAvailable((int) s.indexOf(a))) {
            return "it is among its span's free blocks";
        }
        long[] m = s.ownerMag;
        if (m != null && Magazines.holds(m, s.cls, a) || h != null && h.holdsStashed(s.cls, a)) {
            return "it is in the free-block cache of " + heapName(h);
        }
        return "it is in neither its heap's free-block cache nor its span's free blocks: " + MOVING;
    }

    private static final String MOVING = "it was moving between them (a refill, a flush), or, if the program frees"
            + " it only once, this is an allocator fault (please report it with this stack trace)";

    /** The heap as a user knows it: its thread's name, or a shared heap of virtual threads. */
    private static String heapName(Heap h) {
        if (h == null) {
            return "its heap";
        }
        if (h.shared) {
            return "a heap shared by virtual threads";
        }
        Thread t = h.platformThread();
        return t != null ? "thread \"" + t.getName() + "\"" : "its heap";
    }
}
