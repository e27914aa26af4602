package dev.hakmem.internal.huge;

import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.DecayClock;
import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Os;

import java.util.ArrayDeque;
import java.util.HashMap;

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
 *     Mappings idle for a decay time from the decay pass that first sees them (so one to two
 *     decay times: a free reads no clock) are unmapped by the decay thread, all of them by
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
 * Everything here is guarded by {@link HugeTier#LOCK}, with the live blocks ({@link HugeBlocks}):
 * an allocation takes a mapping from here and registers it in one critical section, a free
 * unregisters it and caches it in another. The slots are primitive arrays, so neither allocates.
 */
final class HugeCache {
    private HugeCache() {}

    static final int CACHE_MAX = Math.max(0, Config.integer("hugeCache", 32));
    static final long CACHE_BYTES = Config.size("hugeCacheBytes", 128L << 20);
    /** Delay of a tail purge: short, so the pages go back soon, long enough to batch many. */
    static final long TAIL_DELAY_NANOS = Math.min(10_000_000L, DecayClock.DECAY_NANOS);

    /** The cached mappings in no order, address 0 for a free slot; {@link #count} are set. */
    private static final long[] ADDRESS = new long[CACHE_MAX];
    private static final long[] LENGTH = new long[CACHE_MAX];
    /**
     * When a decay pass first saw each (nanoTime; 0 until then): a free reads no clock, so a
     * mapping idles one to two decay times before it is unmapped.
     */
    private static final long[] SEEN_AT = new long[CACHE_MAX];
    /** Order in which they were cached, for the eviction of the oldest. */
    private static final long[] SEQ = new long[CACHE_MAX];
    private static long seq;
    private static int count;
    private static long bytes;
    private static long hits;
    /** Mapping address to {start, length} of its tail waiting for a purge. */
    private static final HashMap<Long, long[]> TAILS = new HashMap<>();
    /** Mappings the OS refused to unmap: {address, length}. */
    private static final ArrayDeque<long[]> UNMAP_LATER = new ArrayDeque<>();

    /** Slot of the smallest cached mapping of {@code len} to {@code 2 * len} bytes, or -1. Lock held. */
    static int find(long len) {
        assert Thread.holdsLock(HugeTier.LOCK);
        if (count == 0) {
            return -1;
        }
        int at = -1;
        for (int i = 0; i < ADDRESS.length; i++) {
            long l = LENGTH[i];
            if (ADDRESS[i] != 0 && l >= len && l - len <= len && (at < 0 || l < LENGTH[at])) {
                at = i;
            }
        }
        return at;
    }

    /** Address of the mapping in slot {@code i}. Lock held. */
    static long addressAt(int i) {
        return ADDRESS[i];
    }

    /** Length of the mapping in slot {@code i}. Lock held. */
    static long lengthAt(int i) {
        return LENGTH[i];
    }

    /**
     * Takes the mapping in slot {@code i} (from {@link #find}) for a block of {@code len} bytes.
     * Beyond a quarter of {@code len} its tail is queued for a purge (see the class comment), so
     * a block holds no more resident memory from the mapping's earlier use than a size class's
     * rounding would; the allocating thread makes no system call. Lock held.
     *
     * @return whether a tail was queued (the caller schedules its purge, outside the lock)
     */
    static boolean takeAt(int i, long len) {
        assert Thread.holdsLock(HugeTier.LOCK);
        long a = ADDRESS[i];
        long l = LENGTH[i];
        ADDRESS[i] = 0;
        count--;
        bytes -= l;
        hits++;
        if (!TAILS.isEmpty()) {
            TAILS.remove(a);  // a tail still pending from the mapping's last block gives way to the new block's
        }
        long keep = (len + len / 4 + Os.PAGE - 1) & -Os.PAGE;
        if (l > keep) {
            if (!DecayClock.enabled()) {
                Os.madvise(a + keep, l - keep, Os.MADV_DONTNEED);
            } else {
                TAILS.put(a, new long[] {a + keep, l - keep});
                return true;
            }
        }
        return false;
    }

    /**
     * Keeps the freed mapping {@code [a, a + len)}; returns {@code false} if it does not fit the
     * cache's bounds. Lock held; the caller then makes sure a decay pass is pending
     * ({@link DecayClock#scheduleIfNone}), outside the lock.
     */
    static boolean put(long a, long len) {
        assert Thread.holdsLock(HugeTier.LOCK);
        if (CACHE_MAX == 0 || len > CACHE_BYTES) {
            return false;
        }
        while (count > 0 && (count >= CACHE_MAX || bytes + len > CACHE_BYTES)) {
            evict(oldest());
        }
        for (int i = 0; i < ADDRESS.length; i++) {
            if (ADDRESS[i] == 0) {
                ADDRESS[i] = a;
                LENGTH[i] = len;
                SEEN_AT[i] = 0;
                SEQ[i] = ++seq;
                count++;
                break;
            }
        }
        bytes += len;
        assert count <= CACHE_MAX && bytes <= CACHE_BYTES : "cache over its bounds: " + count + " mappings, " + bytes + " B";
        return true;
    }

    /** Slot of the mapping cached longest. Lock held, count > 0. */
    private static int oldest() {
        int at = -1;
        for (int i = 0; i < ADDRESS.length; i++) {
            if (ADDRESS[i] != 0 && (at < 0 || SEQ[i] < SEQ[at])) {
                at = i;
            }
        }
        return at;
    }

    /** Unmaps the cached mapping in slot {@code i}. Lock held. */
    private static void evict(int i) {
        long a = ADDRESS[i];
        long l = LENGTH[i];
        ADDRESS[i] = 0;
        count--;
        bytes -= l;
        unmap(a, l);
    }

    /** Unmaps {@code [a, a + len)} and credits it, or keeps it for a retry when the OS refuses. */
    static void unmap(long a, long len) {
        dropTail(a);
        if (Os.munmap(a, len)) {
            MemoryBudget.credit(len);
        } else {
            synchronized (HugeTier.LOCK) {
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
        synchronized (HugeTier.LOCK) {
            if (!TAILS.isEmpty()) {
                TAILS.remove(a);
            }
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
     * The decay pass: purges the pending tails, retries refused unmaps, stamps the mappings it sees
     * for the first time with {@code now} and unmaps those stamped {@code decay} nanoseconds ago.
     *
     * @return the next deadline, or {@link DecayClock#NONE}
     */
    static long decay(long now, long decay) {
        synchronized (HugeTier.LOCK) {
            purgeTails();
            retryUnmaps();
            long next = UNMAP_LATER.isEmpty() ? DecayClock.NONE : now + decay;
            for (int i = 0; i < ADDRESS.length; i++) {
                if (ADDRESS[i] == 0) {
                    continue;
                }
                if (SEEN_AT[i] == 0) {
                    SEEN_AT[i] = now == 0 ? 1 : now;  // first seen: its idle time starts now
                }
                long due = SEEN_AT[i] + decay;
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
        synchronized (HugeTier.LOCK) {
            purgeTails();
            retryUnmaps();
            for (int i = 0; i < ADDRESS.length; i++) {
                if (ADDRESS[i] != 0) {
                    evict(i);
                }
            }
        }
    }

    /** Bytes of cached mappings. */
    static long bytes() {
        synchronized (HugeTier.LOCK) {
            return bytes;
        }
    }

    /** Allocations served from the cache so far. */
    static long hits() {
        synchronized (HugeTier.LOCK) {
            return hits;
        }
    }
}
