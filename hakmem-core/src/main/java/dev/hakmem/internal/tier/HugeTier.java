package dev.hakmem.internal.tier;

import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Os;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Blocks too large for a size class: each is its own anonymous mapping, page-rounded, aligned
 * as asked by mapping {@code alignment} extra bytes and unmapping the ends. A concurrent map
 * from address to mapped length finds them again on free; a miss there means the address is
 * not hakmem's.
 */
public final class HugeTier {
    private HugeTier() {}

    private static final ConcurrentHashMap<Long, Long> BLOCKS = new ConcurrentHashMap<>();
    private static final AtomicLong LIVE = new AtomicLong();

    /** Maps a block of at least {@code size} bytes aligned to {@code alignment} (a power of two). */
    public static long allocate(long size, long alignment) {
        long len = (size + Os.PAGE - 1) & -Os.PAGE;
        if (len <= 0) {
            len = Os.PAGE;
        }
        long extra = alignment > Os.PAGE ? alignment : 0;
        if (len + extra < 0) {
            throw new OutOfMemoryError("hakmem: cannot map " + size + " bytes");
        }
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
        return a;
    }

    /** Mapped length of the block at {@code a}, or -1 if {@code a} is not a huge block. */
    public static long lengthOf(long a) {
        Long len = BLOCKS.get(a);
        return len == null ? -1 : len;
    }

    /** Unmaps the block at {@code a}; returns {@code false} if it is not a huge block (nothing done). */
    public static boolean free(long a) {
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

    /** Bytes in live huge blocks. */
    public static long liveBytes() {
        return LIVE.get();
    }
}
