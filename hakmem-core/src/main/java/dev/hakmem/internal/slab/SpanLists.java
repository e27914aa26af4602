package dev.hakmem.internal.slab;

/**
 * The spans a heap owns, per size class: the {@code current} span (refills come from it), a FIFO
 * of spans with blocks available ({@code partial}) and a stack of exhausted spans ({@code full}),
 * which may get blocks back through frees, flushes or remote frees. Intrusive doubly linked lists
 * through {@link Span#prev}/{@link Span#next}; {@link Span#list} says which list a span is on.
 *
 * <pre>
 * current[c] ─ not on a list; refills take from it first
 * partial[c] ─▶ s ⇄ s ⇄ s ◀─ partialTail[c]     spans join at the tail, are taken at the head
 * full[c]    ─▶ s ⇄ s ⇄ s                       exhausted when linked
 * </pre>
 *
 * Invariants: a span is current for at most one class and then on no list; every span of a list
 * belongs to the heap.
 * Only the thread holding the heap uses these lists.
 */
final class SpanLists {
    static final byte NONE = 0;
    static final byte PARTIAL = 1;
    static final byte FULL = 2;

    private final Span[] current = new Span[SizeClasses.COUNT];
    private final Span[] partial = new Span[SizeClasses.COUNT];
    private final Span[] partialTail = new Span[SizeClasses.COUNT];
    private final Span[] full = new Span[SizeClasses.COUNT];
    SpanLists() {
    }

    /** Java-heap bytes of one instance (for the metadata estimate). */
    static long footprint() {
        return 24 + 4 * (16 + 4L * SizeClasses.COUNT);
    }

    Span current(int c) {
        return current[c];
    }

    /** Makes {@code s} (on no list, or null) the current span of class {@code c}; the old one stops being hot. */
    void setCurrent(int c, Span s) {
        assert s == null || (s.list == NONE && s.cls == c) : "current span must be on no list: " + s;
        current[c] = s;
    }

    Span partialHead(int c) {
        return partial[c];
    }

    Span fullHead(int c) {
        return full[c];
    }

    /** Adds {@code s} (current of no class, on no list) to a list: at the head of the full list, at the tail of the partial list. */
    void link(Span s, byte list) {
        int c = s.cls;
        assert s.list == NONE && current[c] != s : "span linked twice: " + s;
        assert list != FULL || s.exhausted() : "full span with blocks available: " + s;
        s.list = list;
        if (list == FULL) {
            Span h = full[c];
            s.prev = null;
            s.next = h;
            if (h != null) {
                h.prev = s;
            }
            full[c] = s;
            return;
        }
        // FIFO: a span joins when it gets its first block back and is taken once it had time to get more
        Span t = partialTail[c];
        s.prev = t;
        s.next = null;
        if (t != null) {
            t.next = s;
        } else {
            partial[c] = s;
        }
        partialTail[c] = s;
    }

    /** Takes {@code s} off its list, if it is on one. */
    void unlink(Span s) {
        if (s.list == NONE) {
            return;
        }
        int c = s.cls;
        Span[] heads = s.list == FULL ? full : partial;
        if (s.prev != null) {
            s.prev.next = s.next;
        } else {
            assert heads[c] == s : "list head lost " + s;
            heads[c] = s.next;
        }
        if (s.next != null) {
            s.next.prev = s.prev;
        } else if (s.list == PARTIAL) {
            partialTail[c] = s.prev;
        }
        s.prev = null;
        s.next = null;
        s.list = NONE;
    }

    /** Tells every span the heap owns that {@code t} is now its owner thread (registry lock held). */
    void setOwnerThread(Thread t) {
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            if (current[c] != null) {
                current[c].setOwnerThread(t);
            }
            for (Span s = partial[c]; s != null; s = s.next) {
                s.setOwnerThread(t);
            }
            for (Span s = full[c]; s != null; s = s.next) {
                s.setOwnerThread(t);
            }
        }
    }
}
