package dev.hakmem.internal.debug;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.slab.Front;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;

/**
 * Debug mode's quarantine: freed blocks, filled with {@link Patterns#FREED}, wait in a FIFO of
 * {@link #CAPACITY} blocks ({@code hakmem.debug.quarantine}, default 1024) before the allocator
 * may reuse them. A block leaving it must still be all {@code FREED}, else something wrote to it
 * after it was freed, and the call that evicted it throws {@link IllegalStateException}.
 *
 * <pre>
 * free(a) --fill FREED--&gt; [ newest ... oldest ] --evicted, checked--&gt; Front.free(a)
 * </pre>
 * Guarded by the queue's monitor; {@link #contains} tells a double free of a quarantined block.
 */
final class Quarantine {
    private Quarantine() {}

    static final int CAPACITY = Math.max(0, Config.integer("debug.quarantine", 1024));

    private static final ArrayDeque<long[]> QUEUE = new ArrayDeque<>();
    private static final Set<Long> MEMBERS = new HashSet<>();

    /** Puts the freed block {@code a} of {@code usable} bytes in, already filled; evicts and releases the oldest past the capacity. */
    static void add(long a, long usable) {
        if (CAPACITY == 0) {
            Front.free(a);
            return;
        }
        long[] evicted = null;
        synchronized (QUEUE) {
            QUEUE.addLast(new long[] {a, usable});
            MEMBERS.add(a);
            if (QUEUE.size() > CAPACITY) {
                evicted = QUEUE.pollFirst();
                MEMBERS.remove(evicted[0]);
            }
        }
        if (evicted != null) {
            release(evicted[0], evicted[1]);
        }
    }

    /** Whether {@code a} waits in the quarantine. */
    static boolean contains(long a) {
        synchronized (QUEUE) {
            return MEMBERS.contains(a);
        }
    }

    /** The allocator handed {@code a} out again: it is no longer quarantined. */
    static void forget(long a) {
        synchronized (QUEUE) {
            MEMBERS.remove(a);
        }
    }

    /** Releases every block in the quarantine (trim), checking each. */
    static void drain() {
        while (true) {
            long[] e;
            synchronized (QUEUE) {
                e = QUEUE.pollFirst();
                if (e == null) {
                    return;
                }
                MEMBERS.remove(e[0]);
            }
            release(e[0], e[1]);
        }
    }

    /** Frees a block leaving the quarantine, after checking nobody wrote to it while it was free. */
    private static void release(long a, long usable) {
        long bad = Patterns.firstNot(a, usable, Patterns.FREED);
        Front.free(a);
        if (bad >= 0) {
            throw new IllegalStateException("hakmem: use after free: byte " + bad + " of the freed block at 0x"
                    + Long.toHexString(a) + " (" + usable + " usable bytes) was written after it was freed");
        }
    }
}
