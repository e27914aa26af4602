package dev.hakmem.internal.slab;

/**
 * What the {@link PageOwners} table holds at a span's pages, and its writing: the owner's entry
 * ({@link #ownerEntry}) at every page (for blocks of 64 KiB and more, at the page of each block
 * start), 0 at the pages a lease of the span touches. Written with the span's owner thread
 * ({@link Span#setOwnerThread}) and when one of its leases begins or ends ({@link Lender});
 * checked by {@link PageOwners#matches}. Static: everything it reads is the span's.
 */
final class SpanEntries {
    private SpanEntries() {}

    /** The {@link PageOwners} entry of the span's pages that no lease touches: its owner thread and class (0 without an owner thread). */
    static long ownerEntry(Span s) {
        return PageOwners.entry(s.ownerThread, s.cls);
    }

    /**
     * What {@link PageOwners} holds at page {@code p} of the span: 0 where a lease touches the page
     * (every free there takes the slow path, which knows lent blocks), else {@link #ownerEntry}.
     */
    static long at(Span s, long p) {
        long page = Span.pageFloor(p);
        synchronized (s) {
            if (s.leases != null) {
                Lease l = s.leases.floor(page + Span.PAGE - 1);
                if (l != null && l.end > page) {
                    return 0;
                }
            }
        }
        return ownerEntry(s);
    }

    /** How many pages of the span have a {@link PageOwners} entry: all of them for blocks under 64 KiB, the page of each block start above. */
    static int pages(Span s) {
        return s.blockSize < SizeClasses.SLAB_SIZE ? s.pages() : s.capacity;
    }

    /** An address in the {@code k}-th of the {@link #pages}. */
    static long page(Span s, int k) {
        return s.blockSize < SizeClasses.SLAB_SIZE ? s.base + ((long) k << Span.PAGE_SHIFT) : s.base + (long) k * s.blockSize;
    }

    /** Writes the span's {@link PageOwners} entries ({@link #at}): with the owner. */
    static void publish(Span s) {
        if (s.blockSize < SizeClasses.SLAB_SIZE) {
            publishPages(s, s.base, s.base + s.bytes());
            return;
        }
        long e = ownerEntry(s); // no leases in spans of large blocks
        for (int k = 0; k < s.capacity; k++) {
            long p = s.base + (long) k * s.blockSize;
            PageOwners.fill(p, p + 1, e);
        }
    }

    /**
     * Writes the entries ({@link #at}) of the span's pages {@code [from, to)}, page-aligned:
     * the whole span with its owner (a lease's pages when it begins or ends: {@link
     * #leaseBegun}, {@link #leaseEnded}). The span's holder (or
     * the pool, or the registry lock, as {@link Span#setOwnerThread}).
     */
    static void publishPages(Span s, long from, long to) {
        assert Span.pageFloor(from) == from && Span.pageFloor(to) == to && from >= s.base && to <= s.base + s.bytes();
        long e = ownerEntry(s);
        long p = from;
        if (s.leases != null) { // written by the caller's side only (the holder, the pool, the registry)
            synchronized (s) {
                for (Lease l : s.leases.from(from, to)) {
                    long ls = Math.max(p, Span.pageFloor(l.start));
                    long le = Math.min(to, Span.pageCeil(l.end));
                    if (le > ls) { // else a lease that ends before from
                        PageOwners.fill(p, ls, e);
                        PageOwners.fill(ls, le, 0);
                        p = le;
                    }
                }
            }
        }
        PageOwners.fill(p, to, e);
    }

    /**
     * Lease {@code l} began (it is in {@link Span#leases}): the entries of every page it touches are 0,
     * as {@link #publishPages} would write them, with no walk over the other leases.
     */
    static void leaseBegun(Span s, Lease l) {
        assert s.leaseAt(l.start) == l : "not a lease of " + s + ": " + l;
        PageOwners.fill(Span.pageFloor(l.start), Span.pageCeil(l.end), 0);
    }

    /**
     * Lease {@code l} ended (it left {@link Span#leases}): the pages it touched are the owner's again
     * where no other lease touches them, as {@link #publishPages} would write them. Leases never
     * overlap, so only its first and last page can be shared, and only with its neighbours:
     *
     * <pre>
     *   page:      |    first    |  ...  |    last     |
     *   leases:  [below)  [  l (ended)          )  [above)
     *   entries:     0        owner's  owner's      0        (below and above still lent)
     * </pre>
     * (a lease before {@code below} that touched the first page would end before {@code below}
     * starts, which then lies in that page too). Two look-ups instead of a walk over every lease
     * in the range: frag-refill's small leases put dozens in one page.
     */
    static void leaseEnded(Span s, Lease l) {
        long from = Span.pageFloor(l.start);
        long to = Span.pageCeil(l.end);
        synchronized (s) {
            if (s.leases != null) {
                assert !s.leases.contains(l) : "lease still there: " + l;
                Lease below = s.leases.below(l.start);
                if (below != null && below.end > from) {
                    from += Span.PAGE;
                }
                Lease above = s.leases.above(l.start);
                if (above != null && above.start < to) {
                    to -= Span.PAGE;
                }
            }
        }
        if (to > from) {
            PageOwners.fill(from, to, ownerEntry(s));
        }
    }
}
