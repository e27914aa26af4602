package dev.hakmem.internal.slab;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.DecayClock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Empty large spans a heap keeps for its own next allocation of their class: a heap's only state
 * that other threads write.
 *
 * <p>A span of a large class (above 32 KiB) holds one to a few blocks, so it empties as soon as
 * they are freed; sent back to the pool each time, every large allocation and free would be a
 * trip under the pool's lock. Instead an emptied large span is <em>parked</em> here, one slot per
 * large class, while the heap's parked spans stay within {@link #BOUND_BYTES}
 * ({@code hakmem.parkedSpanBytes}, default 8 MiB); the heap's next refill of that class takes it
 * back with no lock. The decay thread hands spans parked for the decay time to the pool, and
 * {@code trim()} all of them, while the heap's thread runs or sleeps.
 *
 * <h2>Protocol</h2>
 * <pre>
 * slot i: null ──park (owner, getAndSet)──▶ span ──take (owner, getAndSet)──▶ null
 *                                             └──hand over (anyone, compareAndSet span → null)──▶ null, span to the pool
 * </pre>
 * A span is in no list and is not current while parked; the slot is the only reference to it, so
 * exactly one of the owner's getAndSet and another thread's compareAndSet gets it. A parked span's
 * idle time starts when a decay pass first sees it (it stamps {@link Span#idleSince}, 0 until
 * then), so parking reads no clock; the pass after the decay time hands it over, i.e. within one to
 * two decay times.
 */
final class ParkedSpans {
    /** Bound of the bytes of empty large spans one heap keeps parked ({@code hakmem.parkedSpanBytes}). */
    static final long BOUND_BYTES = Math.max(0, Config.size("parkedSpanBytes", 8L << 20));

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Span[].class);

    /** Emptied span of large class {@code SMALL_COUNT + i} at {@code i}, or null. */
    private final Span[] slots = new Span[SizeClasses.COUNT - SizeClasses.SMALL_COUNT];
    /** Bytes of the parked spans as the owner last knew them: an upper bound (others only take). Owner only. */
    private long bytes;

    /** Java-heap bytes of one instance (for the metadata estimate). */
    static long footprint() {
        return 24 + 16 + 4L * (SizeClasses.COUNT - SizeClasses.SMALL_COUNT);
    }

    /**
     * Owner: parks empty large span {@code s} (current of no class, on no list).
     *
     * @return a span the caller must give to the pool: one parked earlier in the same slot, or
     *         {@code s} itself when parking it would pass the bound; else null
     */
    Span park(Span s) {
        assert s.used == 0 && s.list == SpanLists.NONE && s.cls >= SizeClasses.SMALL_COUNT : "cannot park " + s;
        long b = s.bytes();
        if (bytes + b > BOUND_BYTES && recount() + b > BOUND_BYTES) {
            return s;
        }
        s.idleSince = 0; // not yet seen by a decay pass, which stamps it
        Span old = (Span) SLOT.getAndSet(slots, s.cls - SizeClasses.SMALL_COUNT, s);
        bytes += b;
        if (old != null) {
            bytes -= old.bytes();
        }
        return old;
    }

    /** Owner: takes back the span parked for large class {@code c}, or returns null. */
    Span take(int c) {
        int i = c - SizeClasses.SMALL_COUNT;
        if (slots[i] == null) {
            return null;
        }
        Span s = (Span) SLOT.getAndSet(slots, i, (Span) null);
        if (s != null) {
            bytes -= s.bytes();
        }
        return s;
    }

    /** Whether any span is parked (racy). */
    boolean holdsAny() {
        for (int i = 0; i < slots.length; i++) {
            if (SLOT.getOpaque(slots, i) != null) {
                return true;
            }
        }
        return false;
    }

    /** Owner: bytes parked now (spans others took since the last recount still counted). */
    private long recount() {
        long b = 0;
        for (int i = 0; i < slots.length; i++) {
            Span p = (Span) SLOT.getVolatile(slots, i);
            if (p != null) {
                b += p.bytes();
            }
        }
        bytes = b;
        return b;
    }

    /**
     * Any thread, any time: gives the pool every span parked for {@code idle} nanoseconds by
     * {@code now}, or all of them if {@code all}.
     *
     * @return when the next parked span will be due, or {@link DecayClock#NONE}
     */
    long handOver(long now, long idle, boolean all) {
        long next = DecayClock.NONE;
        for (int i = 0; i < slots.length; i++) {
            Span p = (Span) SLOT.getVolatile(slots, i);
            if (p == null) {
                continue;
            }
            long since = p.idleSince;
            if (since == 0 && !all) {
                // a racy stamp: should the owner take the span back and park it again meanwhile,
                // the span only counts as idle from a little earlier than it is
                p.idleSince = now;
                since = now;
            }
            long due = since + idle;
            if (all || due - now <= 0) {
                if (SLOT.compareAndSet(slots, i, p, (Span) null)) {
                    SpanPool.release(p, since == 0 ? now : since);
                }
            } else {
                next = DecayClock.earlier(next, due);
            }
        }
        return next;
    }

    // ---- the decay thread's walks over all heaps ----

    /**
     * Set by a heap that parks a span, cleared by the decay thread before it walks the heaps: it
     * walks them only when something was parked since its last walk or a parked span it saw is
     * due, not on every wake-up (it wakes every 10 ms while huge-mapping tails wait).
     */
    private static volatile boolean parkedSinceWalk;
    /** When the next parked span seen by the last walk falls due, or {@link DecayClock#NONE}. Decay thread only. */
    private static long nextDue = DecayClock.NONE;

    /** A span was parked (one read of a shared flag, a write only when it was clear). */
    static void noteParked() {
        if (!parkedSinceWalk) {
            parkedSinceWalk = true;
        }
    }

    /**
     * Decay thread: whether a walk over the heaps is worth it at {@code now}; if so, clears the
     * flag, and the caller walks and then reports what it found with {@link #walked}.
     */
    static boolean walkDue(long now) {
        if (!parkedSinceWalk && (nextDue == DecayClock.NONE || nextDue - now > 0)) {
            return false;
        }
        parkedSinceWalk = false;
        return true;
    }

    /** Decay thread: the walk found the next parked span due at {@code next} (or none). */
    static void walked(long next) {
        nextDue = next;
    }

    /** Decay thread: the deadline the last walk found. */
    static long nextDue() {
        return nextDue;
    }

    /** Owner (or no thread holds the heap): gives the pool every parked span. */
    void flush(long now) {
        handOver(now, 0, true);
        bytes = 0;
    }
}
