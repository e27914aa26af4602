package dev.hakmem.internal.slab;

import java.util.ArrayList;

/**
 * Partly used spans whose heap's thread died (stage 1 of the pool): ownerless, the pool acts as
 * their owner until a heap of their class takes one, with its pending remote frees. Guarded by
 * the pool lock ({@link PoolLock}).
 */
final class Orphans {
    private Orphans() {}

    private static final ArrayList<Span> SPANS = new ArrayList<>();

    /** Takes a partly used span whose heap's thread died. */
    static void add(Span s) {
        PoolLock.lock();
        try {
            assert s.used > 0 && s.list == SpanLists.NONE : "orphan must be used and on no list: " + s;
            s.setOwner(null);
            SPANS.add(s);
        } finally {
            PoolLock.unlock();
        }
    }

    static boolean isEmpty() {
        return SPANS.isEmpty();
    }

    /**
     * An orphan of class {@code cls} with blocks available, now owned by {@code owner}, or null.
     * On the way, collects the remote frees queued on every orphan (the pool owns them) and
     * releases those that empty. Pool lock held.
     */
    static Span take(Heap owner, int cls) {
        Span found = null;
        for (int i = SPANS.size() - 1; i >= 0; i--) {
            Span s = SPANS.get(i);
            if (s.claimPending()) {
                RemoteFree.collect(s);
            }
            if (s.used == 0) {
                SPANS.remove(i);
                SpanPool.releaseLocked(s, System.nanoTime());
            } else if (found == null && s.cls == cls && !s.exhausted()) {
                SPANS.remove(i);
                found = s;
            }
        }
        if (found != null) {
            found.setOwner(owner);
            if (found.isPending()) {
                owner.raiseHint();
            }
        }
        return found;
    }

    /** Orphans waiting for a new owner. */
    static int count() {
        PoolLock.lock();
        try {
            return SPANS.size();
        } finally {
            PoolLock.unlock();
        }
    }
}
