package dev.hakmem.internal.huge;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.DecayClock;
import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Os;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Freed huge mappings kept for reuse, so a workload that frees and re-allocates huge blocks does
 * not pay an {@code mmap} and a {@code munmap} each time (each a TLB shootdown, tens of
 * microseconds on a VM).
 *
 * <ul>
 * <li><b>Cached mappings</b>: at most {@link #CACHE_MAX} ({@code hakmem.hugeCache}, default 32)
 *     of at most {@link #CACHE_BYTES} in all ({@code hakmem.hugeCacheBytes}, default 128 MiB), in
 *     a fixed slot array: taking the best fit or evicting the oldest is one scan and allocates
 *     nothing. A cached mapping serves a request of half its length or more, handed out whole.
 *     Mappings idle past the decay time are unmapped by the decay thread, all of them by
 *     {@link #trim()}.</li>
 * <li><b>Tails</b>: when a cache hit hands out a mapping longer than 5/4 of the request, the part
 *     beyond that goes back with {@code madvise(DONTNEED)}, not at once by the allocating
 *     thread but by the decay thread {@link #TAIL_DELAY_NANOS} later, in a batch. No byte of the
 *     user's is in a tail. A pending tail is replaced when its mapping is handed out again and
 *     dropped before the mapping is resized (a block may grow into its tail) or unmapped, under the
 *     same lock as the purge, so a purge never reaches memory a block has grown into or a range
 *     the OS may have mapped again.</li>
 * <li><b>Refused unmaps</b>: a mapping the OS refused to unmap stays mapped and charged and is
 *     retried by every decay pass and trim.</li>
 * </ul>
 * Everything here is guarded by {@link #LOCK}; no fast path takes it.
 */
final class HugeCache {
    private HugeCache() {}

    static final int CACHE_MAX = Math.max(0, Config.integer("hugeCache", 32));
    static final long CACHE_BYTES = Config.size("hugeCacheBytes", 128L << 20);
    /** Delay of a tail purge: short, so the pages go back soon, long enough to batch many. */
    static final long TAIL_DELAY_NANOS = Math.min(10_000_000L, DecayClock.DECAY_NANOS);

    /** A cached mapping. */
    record Cached(long address, long length, long freedAt) {}

    private static final Object LOCK = new Object();
    /** The cached mappings in no order, {@code null} for a free slot; {@link #count} are set. */
    private static final Cached[] SLOTS = new Cached[CACHE_MAX];
    private static int count;
    private static long bytes;
    private static final AtomicLong HITS = new AtomicLong();
    /** Mapping address to {start, length} of its tail waiting for a purge. */
    private static final HashMap<Long, long[]> TAILS = new HashMap<>();
    /** Mappings the OS refused to unmap: {address, length}. */
    private static final ArrayDeque<long[]> UNMAP_LATER = new ArrayDeque<>();

    /**
     * Takes the smallest cached mapping of {@code len} to {@code 2 * len} bytes, or returns null.
     * Beyond a quarter of {@code len} its tail is queued for a purge (see the class comment), so
     * a block holds no more resident memory from the mapping's earlier use than a size class's
     * rounding would; the allocating thread makes no system call.
     */
    static Cached take(long len) {
        Cached best;
        boolean tailQueued = false;
        synchronized (LOCK) {
            if (count == 0) {
                return null;
            }
            int at = -1;
            for (int i = 0; i < SLOTS.length; i++) {
                Cached c = SLOTS[i];
                if (c != null && c.length >= len && c.length - len <= len && (at < 0 || c.length < SLOTS[at].length)) {
                    at = i;
                }
            }
            if (at < 0) {
                return null;
            }
            best = SLOTS[at];
            SLOTS[at] = null;
            count--;
            bytes -= best.length;
            // a tail still pending from the mapping's last block gives way to the new block's
            TAILS.remove(best.address);
            long keep = (len + len / 4 + Os.PAGE - 1) & -Os.PAGE;
            if (best.length > keep) {
                if (!DecayClock.enabled()) {
                    Os.madvise(best.address + keep, best.length - keep, Os.MADV_DONTNEED);
                } else {
                    TAILS.put(best.address, new long[] {best.address + keep, best.length - keep});
                    tailQueued = true;
                }
            }
        }
        if (tailQueued) {
            DecayClock.schedule(System.nanoTime() + TAIL_DELAY_NANOS);
        }
        HITS.incrementAndGet();
        return best;
    }

    /** Keeps the freed mapping {@code [a, a + len)}; returns {@code false} if it does not fit the cache's bounds. */
    static boolean put(long a, long len) {
        if (CACHE_MAX == 0 || len > CACHE_BYTES) {
            return false;
        }
        long now = System.nanoTime();
        synchronized (LOCK) {
            while (count > 0 && (count >= CACHE_MAX || bytes + len > CACHE_BYTES)) {
                evict(oldest());
            }
            for (int i = 0; i < SLOTS.length; i++) {
                if (SLOTS[i] == null) {
                    SLOTS[i] = new Cached(a, len, now);
                    count++;
                    break;
                }
            }
            bytes += len;
            assert count <= CACHE_MAX && bytes <= CACHE_BYTES : "cache over its bounds: " + count + " mappings, " + bytes + " B";
        }
        DecayClock.schedule(now + DecayClock.DECAY_NANOS);
        return true;
    }

    /** Slot of the mapping cached longest. Lock held, count > 0. */
    private static int oldest() {
        int at = -1;
        for (int i = 0; i < SLOTS.length; i++) {
            if (SLOTS[i] != null && (at < 0 || SLOTS[i].freedAt - SLOTS[at].freedAt < 0)) {
                at = i;
            }
        }
        return at;
    }

    /** Unmaps the cached mapping in slot {@code i}. Lock held. */
    private static void evict(int i) {
        Cached c = SLOTS[i];
        SLOTS[i] = null;
        count--;
        bytes -= c.length;
        unmap(c.address, c.length);
    }

    /** Unmaps {@code [a, a + len)} and credits it, or keeps it for a retry when the OS refuses. */
    static void unmap(long a, long len) {
        dropTail(a);
        if (Os.munmap(a, len)) {
            MemoryBudget.credit(len);
        } else {
            synchronized (LOCK) {
                UNMAP_LATER.addLast(new long[] {a, len});
            }
        }
    }

    /** Retries the unmaps the OS refused before. Lock held. */
    private static void retryUnmaps() {
        for (int n = UNMAP_LATER.size(); n > 0; n--) {
            long[] m = UNMAP_LATER.pollFirst();
            if (Os.munmap(m[0], m[1])) {
                MemoryBudget.credit(m[1]);
            } else {
                UNMAP_LATER.addLast(m);
            }
        }
    }

    /**
     * Forgets the pending tail of the mapping at {@code a}: before the mapping is unmapped (a
     * purge must never reach a range the OS may have handed to someone else) or resized (the
     * block may grow into its tail).
     */
    static void dropTail(long a) {
        synchronized (LOCK) {
            TAILS.remove(a);
        }
    }

    /** Gives back every pending tail. Lock held. */
    private static void purgeTails() {
        for (long[] t : TAILS.values()) {
            Os.madvise(t[0], t[1], Os.MADV_DONTNEED);
        }
        TAILS.clear();
    }

    /**
     * The decay pass: purges the pending tails, retries refused unmaps and unmaps mappings cached
     * for {@code decay} nanoseconds by {@code now}.
     *
     * @return the next deadline, or {@link DecayClock#NONE}
     */
    static long decay(long now, long decay) {
        synchronized (LOCK) {
            purgeTails();
            retryUnmaps();
            long next = UNMAP_LATER.isEmpty() ? DecayClock.NONE : now + decay;
            for (int i = 0; i < SLOTS.length; i++) {
                Cached c = SLOTS[i];
                if (c == null) {
                    continue;
                }
                long due = c.freedAt + decay;
                if (due - now <= 0) {
                    evict(i);
                } else {
                    next = DecayClock.earlier(next, due);
                }
            }
            return next;
        }
    }

    /** Unmaps every cached mapping and gives back the pending tails of live blocks' mappings. */
    static void trim() {
        synchronized (LOCK) {
            purgeTails();
            retryUnmaps();
            for (int i = 0; i < SLOTS.length; i++) {
                if (SLOTS[i] != null) {
                    evict(i);
                }
            }
        }
    }

    /** Bytes of cached mappings. */
    static long bytes() {
        synchronized (LOCK) {
            return bytes;
        }
    }

    /** Allocations served from the cache so far. */
    static long hits() {
        return HITS.get();
    }
}
