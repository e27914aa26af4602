package dev.hakmem.internal.tier;

import dev.hakmem.internal.Config;
import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.pool.Decay;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Blocks above the largest size class (2 MiB): each is its own anonymous mapping, page-rounded,
 * aligned as asked by mapping {@code alignment} extra bytes and unmapping the ends.
 *
 * <ul>
 * <li>A concurrent hash map from address to block finds a block on free (an interior address
 *     is looked for by a scan, on the error path only); a miss means the address is not
 *     hakmem's, unless it is among the last {@value #FREED_MEMORY} huge blocks freed (a ring of
 *     addresses), which makes a second free an {@link IllegalStateException} rather than an
 *     unknown address.</li>
 * <li>A cache keeps freed mappings ({@code hakmem.hugeCache} entries, default 32, of at most
 *     {@code hakmem.hugeCacheBytes} in all, default 128 MiB) so a workload that frees and
 *     re-allocates huge blocks does not pay an mmap and a munmap each time (each a TLB
 *     shootdown, tens of microseconds on a VM); a cached mapping serves a request of half its
 *     length or more. Cached mappings idle past the decay time are
 *     unmapped by the decay thread; {@link #trim()} unmaps them all.</li>
 * <li>{@link #resize} grows or shrinks a block with {@code mremap}, moving pages without copying.</li>
 * </ul>
 */
public final class HugeTier {
    private HugeTier() {}

    /** A live block: its usable bytes (the page-rounded request) and the length of its mapping (up to twice that). */
    private record Block(long usable, long mapped) {}

    private static final ConcurrentHashMap<Long, Block> BLOCKS = new ConcurrentHashMap<>();
    private static final AtomicLong LIVE = new AtomicLong();
    /** Largest block or alignment ever attempted: 2^46 bytes (64 TiB), well inside any address space. */
    public static final long MAX_SIZE = 1L << 46;
    static final int FREED_MEMORY = 4096;
    /**
     * The addresses of the last {@value #FREED_MEMORY} frees of huge blocks, a ring, newest at
     * {@code freedNext - 1}: an address that is not a live block (not in {@link #BLOCKS}) but is
     * in here was a huge block, freed and not handed out again, so freeing it again is a double
     * free. Written on every free (one store), read on error paths only. Guarded by FREED.
     */
    private static final long[] FREED = new long[FREED_MEMORY];
    private static int freedNext;

    static final int CACHE_MAX = Math.max(0, Config.integer("hugeCache", 32));
    static final long CACHE_BYTES = Config.size("hugeCacheBytes", 128L << 20);

    /** A cached mapping. */
    private record Cached(long address, long length, long freedAt) {}

    /**
     * The cached mappings, in no order, {@code null} for a free slot; {@link #cacheCount} of them
     * are set. A fixed array: taking the best fit or evicting the oldest is one scan of at most
     * {@link #CACHE_MAX} slots and allocates nothing. Guarded by {@link #CACHE_LOCK}.
     */
    private static final Cached[] CACHE = new Cached[CACHE_MAX];
    private static final Object CACHE_LOCK = new Object();
    private static int cacheCount;
    private static long cachedBytes;
    private static final AtomicLong CACHE_HITS = new AtomicLong();

    /**
     * Tails of mappings waiting to be given back ({@code madvise(DONTNEED)}): mapping address to
     * {start, length} of the part beyond 5/4 of the block that a cache hit handed the mapping to.
     * No byte of the user's is in it, whether the block is still live or freed (its mapping then
     * free in the cache). The decay thread purges them all {@link #TAIL_DELAY_NANOS} after the
     * first is added; {@link #trimCache()} at once. An entry is replaced when the mapping is handed
     * out again and leaves, unpurged, before the mapping is resized (a block may grow into its
     * tail) or unmapped: all under the same lock as the purge, so a purge never reaches memory a
     * block has grown into or a range the OS may have mapped again. Guarded by CACHE_LOCK.
     */
    private static final HashMap<Long, long[]> TAILS = new HashMap<>();
    /** Delay of a tail purge: short, so the pages go back soon, long enough to batch many. */
    static final long TAIL_DELAY_NANOS = Math.min(10_000_000L, Decay.DECAY_NANOS);

    /**
     * A block of at least {@code size} bytes aligned to {@code alignment} (a power of two),
     * zeroed if {@code zero}.
     */
    public static long allocate(long size, long alignment, boolean zero) {
        if (size > MAX_SIZE || alignment > MAX_SIZE) {
            throw new OutOfMemoryError("hakmem: cannot allocate " + Long.toUnsignedString(size) + " bytes aligned to "
                    + alignment + ": larger than the address space");
        }
        long len = Math.max(Os.PAGE, (size + Os.PAGE - 1) & -Os.PAGE);
        Cached hit = alignment <= Os.PAGE ? fromCache(len) : null;
        long a;
        long mapped = len;
        if (hit != null) {
            a = hit.address;
            mapped = hit.length;
            if (zero) {
                Os.ALL.asSlice(a, len).fill((byte) 0);
            }
        } else {
            a = map(len, alignment);
        }
        BLOCKS.put(a, new Block(len, mapped));
        LIVE.addAndGet(len);
        return a;
    }

    private static long map(long len, long alignment) {
        long extra = alignment > Os.PAGE ? alignment : 0;
        if (!MemoryBudget.tryCharge(len)) {
            trimCache();
            if (!MemoryBudget.tryCharge(len)) {
                throw new OutOfMemoryError(MemoryBudget.limitMessage(len));
            }
        }
        long raw = Os.mmap(0, len + extra, Os.PROT_READ | Os.PROT_WRITE, 0);
        if (raw == 0) {
            MemoryBudget.credit(len);
            throw new OutOfMemoryError("hakmem: mmap of " + (len + extra) + " bytes failed");
        }
        long a = raw;
        if (extra > 0) {
            a = (raw + alignment - 1) & -alignment;
            if (a > raw) {
                Os.munmap(raw, a - raw);
            }
            long tail = raw + len + extra - (a + len);
            if (tail > 0) {
                Os.munmap(a + len, tail);
            }
        }
        return a;
    }

    /**
     * The smallest cached mapping of {@code len} to {@code 2 * len} bytes, or null. It is handed out
     * whole, without an {@code munmap} of its tail (a syscall and a TLB shootdown on every reuse);
     * beyond a quarter of {@code len} the tail's pages are given back with {@code madvise}, so a
     * block holds no more resident memory from the mapping's earlier use than a size class's
     * rounding would. That {@code madvise} is not made here but by the decay thread, in a batch,
     * {@link #TAIL_DELAY_NANOS} later (see {@link #TAILS}): the allocating thread makes no syscall.
     */
    private static Cached fromCache(long len) {
        Cached best;
        boolean tailsDue = false;
        synchronized (CACHE_LOCK) {
            if (cacheCount == 0) {
                return null;
            }
            int at = -1;
            for (int i = 0; i < CACHE.length; i++) {
                Cached c = CACHE[i];
                if (c != null && c.length >= len && c.length - len <= len && (at < 0 || c.length < CACHE[at].length)) {
                    at = i;
                }
            }
            if (at < 0) {
                return null;
            }
            best = CACHE[at];
            CACHE[at] = null;
            cacheCount--;
            cachedBytes -= best.length;
            // a tail still pending from the mapping's last block gives way to the new block's
            TAILS.remove(best.address);
            long keep = (len + len / 4 + Os.PAGE - 1) & -Os.PAGE;
            if (best.length > keep) {
                if (Decay.DECAY_NANOS == 0) {
                    Os.madvise(best.address + keep, best.length - keep, Os.MADV_DONTNEED);
                } else {
                    TAILS.put(best.address, new long[] {best.address + keep, best.length - keep});
                    tailsDue = true;
                }
            }
        }
        if (tailsDue) {
            Decay.schedule(System.nanoTime() + TAIL_DELAY_NANOS);
        }
        CACHE_HITS.incrementAndGet();
        return best;
    }

    /** Usable length of the live block at {@code a}, or -1 if {@code a} is not a huge block. */
    public static long lengthOf(long a) {
        Block b = BLOCKS.get(a);
        return b == null ? -1 : b.usable;
    }

    /** Frees the block at {@code a}; returns {@code false} if it is not a live huge block (nothing done). */
    public static boolean free(long a) {
        long len = detach(a);
        if (len < 0) {
            return false;
        }
        release(a, len);
        return true;
    }

    /**
     * Takes the live block at {@code a} out of the live set, atomically: a racing second free or
     * realloc of it then fails cleanly while the caller still holds the mapping. Pair with
     * {@link #release} or {@link #reattach}.
     *
     * @return the length of its mapping (for {@link #release} or {@link #reattach}), or -1 if
     *         {@code a} is not a live huge block
     */
    public static long detach(long a) {
        if (!BLOCKS.containsKey(a)) {
            return -1;
        }
        // remembered before it leaves BLOCKS, so a racing second free finds it in one or the other
        synchronized (FREED) {
            FREED[freedNext] = a;
            freedNext = (freedNext + 1) & (FREED_MEMORY - 1);
        }
        Block b = BLOCKS.remove(a);
        if (b == null) {
            return -1;
        }
        LIVE.addAndGet(-b.usable);
        return b.mapped;
    }

    /** Gives a detached block's mapping to the cache or back to the OS. */
    public static void release(long a, long len) {
        if (!toCache(a, len)) {
            unmap(a, len);
        }
    }

    /**
     * Makes a detached block live again (its move failed), with {@code usable} bytes of its
     * mapping of {@code mapped} bytes.
     */
    public static void reattach(long a, long usable, long mapped) {
        BLOCKS.put(a, new Block(usable, mapped));
        LIVE.addAndGet(usable);
    }

    private static boolean toCache(long a, long len) {
        if (CACHE_MAX == 0 || len > CACHE_BYTES) {
            return false;
        }
        long now = System.nanoTime();
        synchronized (CACHE_LOCK) {
            while (cacheCount > 0 && (cacheCount >= CACHE_MAX || cachedBytes + len > CACHE_BYTES)) {
                evict(oldest());
            }
            for (int i = 0; i < CACHE.length; i++) {
                if (CACHE[i] == null) {
                    CACHE[i] = new Cached(a, len, now);
                    cacheCount++;
                    break;
                }
            }
            cachedBytes += len;
        }
        Decay.schedule(now + Decay.DECAY_NANOS);
        return true;
    }

    /** Slot of the mapping cached longest. Lock held, cacheCount > 0. */
    private static int oldest() {
        int at = -1;
        for (int i = 0; i < CACHE.length; i++) {
            if (CACHE[i] != null && (at < 0 || CACHE[i].freedAt - CACHE[at].freedAt < 0)) {
                at = i;
            }
        }
        return at;
    }

    /** Unmaps the cached mapping in slot {@code i}. Lock held. */
    private static void evict(int i) {
        Cached c = CACHE[i];
        CACHE[i] = null;
        cacheCount--;
        cachedBytes -= c.length;
        unmap(c.address, c.length);
    }

    /** Mappings the OS refused to unmap: still mapped and charged, retried by trim and decay. Guarded by CACHE_LOCK. */
    private static final ArrayDeque<long[]> UNMAP_LATER = new ArrayDeque<>();

    private static void unmap(long a, long len) {
        dropTail(a);
        if (Os.munmap(a, len)) {
            MemoryBudget.credit(len);
        } else {
            synchronized (CACHE_LOCK) {
                UNMAP_LATER.addLast(new long[] {a, len});
            }
        }
    }

    /** Retries the unmaps the OS refused before. CACHE_LOCK held. */
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
     * Resizes the live block at {@code a} to hold {@code newSize} bytes: within its mapping when
     * that stays at most twice the block, else with {@code mremap}; the block is held detached
     * meanwhile so a racing free cannot unmap it under us.
     *
     * @return the (possibly moved) address, 0 if the OS refused (the block is unchanged), or -1
     *         if {@code a} is no longer a live huge block (a racing free won)
     */
    public static long resize(long a, long newSize) {
        if (newSize > MAX_SIZE) {
            throw new OutOfMemoryError("hakmem: cannot resize the block at 0x" + Long.toHexString(a) + " to "
                    + newSize + " bytes: larger than the address space");
        }
        long usable = lengthOf(a);
        long len = detach(a);
        if (len < 0) {
            return -1;
        }
        dropTail(a);
        long newLen = Math.max(Os.PAGE, (newSize + Os.PAGE - 1) & -Os.PAGE);
        if (newLen <= len && newLen >= len / 2) {
            // within the mapping, and it stays at most twice the block: no syscall
            reattach(a, newLen, len);
            return a;
        }
        if (newLen > len && !MemoryBudget.tryCharge(newLen - len)) {
            reattach(a, usable, len);
            throw new OutOfMemoryError(MemoryBudget.limitMessage(newLen - len));
        }
        long b = Os.mremap(a, len, newLen);
        if (b == 0) {
            if (newLen > len) {
                MemoryBudget.credit(newLen - len);
            }
            reattach(a, usable, len);
            return 0;
        }
        if (newLen < len) {
            MemoryBudget.credit(len - newLen);
        }
        reattach(b, newLen, newLen);
        return b;
    }

    /** The live huge block whose mapping contains {@code a} without starting there, as (start, usable length), or {@code null}. */
    public static Map.Entry<Long, Long> containing(long a) {
        // error path only: a scan of the live huge blocks
        for (Map.Entry<Long, Block> e : BLOCKS.entrySet()) {
            long start = e.getKey();
            if (start != a && Long.compareUnsigned(a - start, e.getValue().mapped) < 0) {
                return Map.entry(start, e.getValue().usable);
            }
        }
        return null;
    }

    /** Whether {@code a} is a recently freed huge block that has not been handed out again. */
    public static boolean wasFreed(long a) {
        if (a == 0 || BLOCKS.containsKey(a)) {
            return false;
        }
        synchronized (FREED) {
            for (long f : FREED) {
                if (f == a) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Bytes in live huge blocks. */
    public static long liveBytes() {
        return LIVE.get();
    }

    /** Bytes of cached (freed, still mapped) huge mappings. */
    public static long cachedBytes() {
        synchronized (CACHE_LOCK) {
            return cachedBytes;
        }
    }

    /** Allocations served from the cache. */
    public static long cacheHits() {
        return CACHE_HITS.get();
    }

    /** Unmaps cached mappings idle since before {@code now - decay}; returns the next deadline or 0. */
    public static long decay(long now, long decay) {
        synchronized (CACHE_LOCK) {
            purgeTails();
            retryUnmaps();
            long next = UNMAP_LATER.isEmpty() ? 0 : now + decay;
            for (int i = 0; i < CACHE.length; i++) {
                Cached c = CACHE[i];
                if (c == null) {
                    continue;
                }
                long due = c.freedAt + decay;
                if (due - now <= 0) {
                    evict(i);
                } else {
                    next = Decay.earlier(next, due);
                }
            }
            return next;
        }
    }

    /**
     * Forgets the pending tail of the mapping at {@code a}: before the mapping is unmapped (a
     * purge must never reach a range the OS may have handed to someone else) or resized (the
     * block may grow into its tail).
     */
    private static void dropTail(long a) {
        synchronized (CACHE_LOCK) {
            TAILS.remove(a);
        }
    }

    /** Gives back every pending tail (see {@link #TAILS}). CACHE_LOCK held. */
    private static void purgeTails() {
        for (long[] t : TAILS.values()) {
            Os.madvise(t[0], t[1], Os.MADV_DONTNEED);
        }
        TAILS.clear();
    }

    /** Unmaps every cached mapping (and gives back the pending tails of live blocks' mappings). */
    public static void trimCache() {
        synchronized (CACHE_LOCK) {
            purgeTails();
            retryUnmaps();
            for (int i = 0; i < CACHE.length; i++) {
                if (CACHE[i] != null) {
                    evict(i);
                }
            }
        }
    }
}
