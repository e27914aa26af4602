package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.DecayClock;

import java.util.ArrayDeque;

/**
 * Empty spans of large classes the pool keeps formatted and mapped for reuse. A span of a large
 * class (above 32 KiB) holds one to a few blocks; without this, it would come back to the pool on
 * every free and be formatted again on the next allocation of its class. Kept per class, oldest
 * first, up to {@link #BOUND_BYTES} ({@code hakmem.spanCacheBytes}, default 32 MiB) in all, handed
 * out again first (counted as stage 0.5). A kept span is dissolved, oldest first, when the bound
 * is reached, when another class needs its slots (cross-class recycling), when it has been idle
 * for the decay time, and on trim. Everything here runs under the pool lock ({@link PoolLock}).
 */
final class SpanCache {
    private SpanCache() {}

    /** Bound of the bytes of empty large-class spans kept formatted for reuse. */
    static final long BOUND_BYTES = Math.max(0, Config.size("spanCacheBytes", 32L << 20));

    /** Per large class (index cls - SMALL_COUNT), oldest first. */
    @SuppressWarnings("unchecked")
    private static final ArrayDeque<Span>[] KEPT = new ArrayDeque[SizeClasses.COUNT - SizeClasses.SMALL_COUNT];
    private static long bytes;

    static {
        for (int i = 0; i < KEPT.length; i++) {
            KEPT[i] = new ArrayDeque<>();
        }
    }

    /** Whether the cache takes released span {@code s}: a large class, not larger than the whole bound. */
    static boolean fits(Span s) {
        return s.cls >= SizeClasses.SMALL_COUNT && s.bytes() <= BOUND_BYTES;
    }

    /** Keeps released span {@code s} (no owner, shadow cleared; see {@link #fits}), idle since {@code now}. */
    static void keep(Span s, long now) {
        long b = s.bytes();
        while (bytes + b > BOUND_BYTES) {
            dissolveOldest();
        }
        s.clearPending();
        s.idleSince = now;
        KEPT[s.cls - SizeClasses.SMALL_COUNT].addLast(s);
        bytes += b;
        DecayClock.schedule(now + DecayClock.DECAY_NANOS);
    }

    /** A kept span of class {@code cls} for {@code owner} (most recently kept first), or null. */
    static Span take(Heap owner, int cls) {
        Span s = KEPT[cls - SizeClasses.SMALL_COUNT].pollLast();
        if (s == null) {
            return null;
        }
        bytes -= s.bytes();
        s.reuse(owner);
        return s;
    }

    /** Whether any span is kept. */
    static boolean isEmpty() {
        return bytes == 0;
    }

    /** Dissolves the kept span idle longest and returns its SuperSlab. Not empty. */
    static SuperSlab dissolveOldest() {
        ArrayDeque<Span> oldest = null;
        for (ArrayDeque<Span> q : KEPT) {
            Span head = q.peekFirst();
            if (head != null && (oldest == null || head.idleSince - oldest.peekFirst().idleSince < 0)) {
                oldest = q;
            }
        }
        assert oldest != null : "no kept span, yet " + bytes + " bytes kept";
        return dissolveFirst(oldest);
    }

    private static SuperSlab dissolveFirst(ArrayDeque<Span> q) {
        Span s = q.pollFirst();
        bytes -= s.bytes();
        SpanPool.dissolve(s, s.idleSince);
        return s.ss;
    }

    /** Dissolves every kept span. */
    static void clear() {
        while (bytes > 0) {
            dissolveOldest();
        }
    }

    /**
     * Dissolves the spans kept since before {@code now - DECAY}.
     *
     * @return the next deadline, or {@link DecayClock#NONE}
     */
    static long decay(long now) {
        long next = DecayClock.NONE;
        for (ArrayDeque<Span> q : KEPT) {
            for (Span s = q.peekFirst(); s != null; s = q.peekFirst()) {
                long due = s.idleSince + DecayClock.DECAY_NANOS;
                if (due - now > 0) {
                    next = DecayClock.earlier(next, due);
                    break;
                }
                dissolveFirst(q);
            }
        }
        return next;
    }
}
