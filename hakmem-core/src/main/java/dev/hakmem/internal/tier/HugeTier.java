package dev.hakmem.internal.tier;

import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Os;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Blocks too large for a size class: each is its own anonymous mapping, page-rounded, aligned
 * as asked by mapping {@code alignment} extra bytes and unmapping the ends. A concurrent map
 * from address to mapped length finds them again on free; a miss there means the address is
 * not hakmem's, unless it is among the last {@value #FREED_MEMORY} huge blocks freed, which
 * makes a second free of one of them an {@link IllegalStateException} rather than an unknown
 * address.
 */
public final class HugeTier {
    private HugeTier() {}

    private static final ConcurrentSkipListMap<Long, Long> BLOCKS = new ConcurrentSkipListMap<>();
    private static final AtomicLong LIVE = new AtomicLong();
    /** Largest block or alignment ever attempted: 2^46 bytes (64 TiB), well inside any address space. */
    public static final long MAX_SIZE = 1L << 46;
    static final int FREED_MEMORY = 4096;
    /** Addresses of recently freed huge blocks, sorted; and the same in order of freeing, to bound it. Guarded by FREED. */
    private static final TreeSet<Long> FREED = new TreeSet<>();
    private static final ArrayDeque<Long> FREED_ORDER = new ArrayDeque<>();

    /** Maps a block of at least {@code size} bytes aligned to {@code alignment} (a power of two). */
    public static long allocate(long size, long alignment) {
        if (size > MAX_SIZE || alignment > MAX_SIZE) {
            throw new OutOfMemoryError("hakmem: cannot allocate " + Long.toUnsignedString(size) + " bytes aligned to "
                    + alignment + ": larger than the address space");
        }
        long len = Math.max(Os.PAGE, (size + Os.PAGE - 1) & -Os.PAGE);
        long extra = alignment > Os.PAGE ? alignment : 0;
        if (!MemoryBudget.tryCharge(len)) {
            throw new OutOfMemoryError(MemoryBudget.limitMessage(len));
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
        BLOCKS.put(a, len);
        LIVE.addAndGet(len);
        synchronized (FREED) {
            FREED.subSet(a, a + len).clear();
        }
        return a;
    }

    /** Mapped length of the block at {@code a}, or -1 if {@code a} is not a huge block. */
    public static long lengthOf(long a) {
        Long len = BLOCKS.get(a);
        return len == null ? -1 : len;
    }

    /** Unmaps the block at {@code a}; returns {@code false} if it is not a live huge block (nothing done). */
    public static boolean free(long a) {
        if (!BLOCKS.containsKey(a)) {
            return false;
        }
        // remembered before it leaves BLOCKS, so a racing second free finds it in one or the other
        synchronized (FREED) {
            FREED.add(a);
            FREED_ORDER.addLast(a);
            if (FREED_ORDER.size() > FREED_MEMORY) {
                FREED.remove(FREED_ORDER.pollFirst());
            }
        }
        Long len = BLOCKS.remove(a);
        if (len == null) {
            return false;
        }
        LIVE.addAndGet(-len);
        if (Os.munmap(a, len)) {
            MemoryBudget.credit(len);
        }
        return true;
    }

    /** The live huge block that contains {@code a} without starting there, as (start, length), or {@code null}. */
    public static Map.Entry<Long, Long> containing(long a) {
        Map.Entry<Long, Long> e = BLOCKS.floorEntry(a);
        return e != null && e.getKey() != a && a - e.getKey() < e.getValue() ? e : null;
    }

    /** Whether {@code a} is a recently freed huge block that has not been handed out again. */
    public static boolean wasFreed(long a) {
        synchronized (FREED) {
            return FREED.contains(a);
        }
    }

    /** Bytes in live huge blocks. */
    public static long liveBytes() {
        return LIVE.get();
    }
}
