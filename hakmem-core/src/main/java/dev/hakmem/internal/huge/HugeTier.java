package dev.hakmem.internal.huge;

import dev.hakmem.internal.os.DecayClock;
import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Os;

import java.util.Map;

/**
 * Blocks above the largest size class (2 MiB): each is its own anonymous mapping, page-rounded,
 * aligned as asked by mapping {@code alignment} extra bytes and unmapping the ends.
 *
 * <pre>
 * live block:   a ------ usable (page-rounded request) ------|------ rest of its mapping ------| a + mapped
 *               (mapped &gt; usable only for a mapping taken from the {@link HugeCache}: at most 2 x usable)
 * </pre>
 *
 * <ul>
 * <li>A table of primitive longs ({@link HugeBlocks}) finds a block on free (an interior address is
 *     looked for by a scan, on the error path only); a miss means the address is not hakmem's,
 *     unless the {@link FreedRing} remembers it, which makes a second free an
 *     {@link IllegalStateException} rather than an unknown address.</li>
 * <li>Freed mappings go to the {@link HugeCache} for reuse, or back to the OS.</li>
 * <li>One lock ({@link #LOCK}) guards the table, the ring and the cache: a malloc served from
 *     the cache and a free are one critical section each, allocating nothing; system calls
 *     ({@code mmap} on a miss, {@code mremap}) run outside it.</li>
 * <li>{@link #resize} grows or shrinks a block within its mapping or with {@code mremap}, moving
 *     pages without copying.</li>
 * </ul>
 */
public final class HugeTier {
    private HugeTier() {}

    /** Guards {@link HugeBlocks}, {@link FreedRing} and {@link HugeCache}. */
    static final Object LOCK = new Object();
    /** Largest block or alignment ever attempted: 2^46 bytes (64 TiB), well inside any address space. */
    public static final long MAX_SIZE = 1L << 46;

    /**
     * A block of at least {@code size} bytes aligned to {@code alignment} (a power of two),
     * zeroed if {@code zero}.
     *
     * @throws OutOfMemoryError past {@link #MAX_SIZE}, past {@code hakmem.maxMemory}, or when the OS refuses
     */
    public static long allocate(long size, long alignment, boolean zero) {
        if (size > MAX_SIZE || alignment > MAX_SIZE) {
            throw new OutOfMemoryError("hakmem: cannot allocate " + Long.toUnsignedString(size) + " bytes aligned to "
                    + alignment + ": larger than the address space");
        }
        long len = Math.max(Os.PAGE, (size + Os.PAGE - 1) & -Os.PAGE);
        if (alignment <= Os.PAGE) {
            long a = 0;
            boolean tail = false;
            synchronized (LOCK) {
                int i = HugeCache.find(len);
                if (i >= 0) {
                    a = HugeCache.addressAt(i);
                    long mapped = HugeCache.lengthAt(i);
                    tail = HugeCache.takeAt(i, len);
                    HugeBlocks.put(a, len, mapped);
                }
            }
            if (a != 0) {
                if (tail) {
                    DecayClock.schedule(System.nanoTime() + HugeCache.TAIL_DELAY_NANOS);
                }
                if (zero) {
                    Os.ALL.asSlice(a, len).fill((byte) 0);  // registered already: its pages are the caller's
                }
                return a;
            }
        }
        long a = map(len, alignment);
        synchronized (LOCK) {
            HugeBlocks.put(a, len, len);
        }
        return a;
    }

    private static long map(long len, long alignment) {
        long extra = alignment > Os.PAGE ? alignment : 0;
        if (!MemoryBudget.tryCharge(len)) {
            HugeCache.trim();
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

    /** Usable length of the live block at {@code a}, or -1 if {@code a} is not a huge block. */
    public static long lengthOf(long a) {
        synchronized (LOCK) {
            return HugeBlocks.usable(a);
        }
    }

    /** Frees the block at {@code a}; returns {@code false} if it is not a live huge block (nothing done). */
    public static boolean free(long a) {
        long len;
        boolean cached;
        synchronized (LOCK) {
            len = HugeBlocks.remove(a);
            if (len < 0) {
                return false;
            }
            cached = HugeCache.put(a, len);
        }
        afterPut(a, len, cached);
        return true;
    }

    /**
     * Takes the live block at {@code a} out of the live set, atomically: a racing second free or
     * realloc of it then fails cleanly while the caller still holds the mapping. Reports its
     * usable size read in the same step (a separate {@link #lengthOf} before it could read
     * another block mapped at the same address after a racing free). Pair with {@link #release}
     * or {@link #reattach}.
     *
     * @param usable receives the usable size in element 0 when the block was live
     * @return the length of its mapping (for {@link #release} or {@link #reattach}), or -1 if
     *         {@code a} is not a live huge block
     */
    public static long detach(long a, long[] usable) {
        synchronized (LOCK) {
            long u = HugeBlocks.usable(a);
            if (u >= 0) {
                usable[0] = u;
            }
            return HugeBlocks.remove(a);  // and remembered in the ring in the same step
        }
    }

    /** Gives a detached block's mapping to the cache or back to the OS. */
    public static void release(long a, long len) {
        boolean cached;
        synchronized (LOCK) {
            cached = HugeCache.put(a, len);
        }
        afterPut(a, len, cached);
    }

    /** Outside the lock, after {@link HugeCache#put}: a decay pass pending for the cached mapping, or the mapping unmapped. */
    private static void afterPut(long a, long len, boolean cached) {
        if (cached) {
            DecayClock.scheduleIfNone();
        } else {
            HugeCache.unmap(a, len);
        }
    }

    /**
     * Makes a detached block live again (its move failed), with {@code usable} bytes of its
     * mapping of {@code mapped} bytes.
     */
    public static void reattach(long a, long usable, long mapped) {
        assert usable <= mapped : "usable " + usable + " > mapped " + mapped;
        synchronized (LOCK) {
            HugeBlocks.put(a, usable, mapped);
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
        long[] u = new long[1];
        long len = detach(a, u);
        if (len < 0) {
            return -1;
        }
        long usable = u[0];
        HugeCache.dropTail(a);
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
        synchronized (LOCK) {
            return HugeBlocks.containing(a);  // error path only: a scan of the live huge blocks
        }
    }

    /** Whether {@code a} is a recently freed huge block that has not been handed out again. */
    public static boolean wasFreed(long a) {
        if (a == 0) {
            return false;
        }
        synchronized (LOCK) {
            return HugeBlocks.usable(a) < 0 && FreedRing.contains(a);
        }
    }

    /** Bytes in live huge blocks. */
    public static long liveBytes() {
        synchronized (LOCK) {
            return HugeBlocks.liveBytes();
        }
    }

    /** Bytes of cached (freed, still mapped) huge mappings. */
    public static long cachedBytes() {
        return HugeCache.bytes();
    }

    /** Allocations served from the cache. */
    public static long cacheHits() {
        return HugeCache.hits();
    }

    /**
     * The decay pass of the huge tier (see {@link HugeCache}).
     *
     * @return the next deadline, or {@link DecayClock#NONE}
     */
    public static long decay(long now) {
        return HugeCache.decay(now, DecayClock.DECAY_NANOS);
    }

    /** Unmaps every cached mapping (and gives back the pending tails of live blocks' mappings). */
    public static void trim() {
        HugeCache.trim();
    }
}
