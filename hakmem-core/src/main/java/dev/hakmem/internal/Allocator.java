package dev.hakmem.internal;

import dev.hakmem.internal.debug.DebugHeap;
import dev.hakmem.internal.event.Events;
import dev.hakmem.internal.huge.HugeTier;
import dev.hakmem.internal.config.Config;
import dev.hakmem.internal.os.MemoryBudget;
import dev.hakmem.internal.os.Os;
import dev.hakmem.internal.slab.Front;
import dev.hakmem.internal.slab.HeapDecay;
import dev.hakmem.internal.slab.SizeClasses;
import dev.hakmem.internal.slab.SpanPool;

/**
 * The allocator behind the public facade: every operation of {@code dev.hakmem.Hakmem}, with its
 * argument checks, routed to debug mode ({@link DebugHeap}) when it is on and otherwise to the
 * slab tiers' fast paths ({@link Front}) and the huge tier ({@link HugeTier}). The facade only
 * delegates here; internal code (arenas, the MXBean) calls this class, never the facade.
 *
 * <p>Loading this class starts the decay thread ({@link DecayThread}), so memory goes back to the
 * OS from the first allocation on.
 */
public final class Allocator {
    private Allocator() {}

    private static final boolean DEBUG = DebugHeap.ENABLED;
    /**
     * Whether {@link #trim}, and the decay thread once it has given everything back, also ask the
     * C library to give back its free heap memory (hakmem.trimLibc, on by default): memory of the
     * JVM's own (its JIT compilers' arenas, for one), which a native allocator in the process's
     * malloc would give back with its own trim or decay.
     */
    private static final boolean TRIM_LIBC = Config.flag("trimLibc", true);

    static {
        DecayThread.start();
    }

    /** {@code malloc}: {@code size} bytes, not zeroed. */
    public static long malloc(long size) {
        if (DEBUG) {
            return DebugHeap.malloc(size);
        }
        return Front.malloc(size);
    }

    /** {@code calloc}: {@code count * size} zeroed bytes. */
    public static long calloc(long count, long size) {
        if (count < 0 || size < 0) {
            throw new IllegalArgumentException("hakmem: calloc(" + count + ", " + size + "): negative argument");
        }
        long n = count * size;
        if (Math.multiplyHigh(count, size) != 0 || n < 0) {
            throw new IllegalArgumentException("hakmem: calloc(" + count + ", " + size + "): size overflows");
        }
        if (DEBUG) {
            return DebugHeap.calloc(n);
        }
        if (n > SizeClasses.MAX_SIZE) {
            return HugeTier.allocate(n, 16, true); // fresh or cache-zeroed pages
        }
        long a = Front.malloc(n);
        Front.zero(a, n);
        return a;
    }

    /** {@code realloc}: see {@code Hakmem.realloc}. */
    public static long realloc(long address, long newSize) {
        if (address == 0) {
            return malloc(newSize);
        }
        if (newSize < 0) {
            throw new IllegalArgumentException("hakmem: realloc(0x" + Long.toHexString(address) + ", "
                    + newSize + "): negative size");
        }
        if (DEBUG) {
            return DebugHeap.realloc(address, newSize);
        }
        long old = Front.usableSize(address, "realloc");
        if (old <= SizeClasses.MAX_SIZE) {
            if (newSize <= SizeClasses.MAX_SIZE
                    && SizeClasses.classOfAny(newSize) == SizeClasses.classOfAny(old)) {
                if (old > SizeClasses.MAX_SMALL) {
                    Front.resizedLarge(address, newSize); // the pages the owner may write now
                }
                return address;
            }
            long b = Front.malloc(newSize);
            Front.copy(address, b, Math.min(old, newSize));
            Front.free(address);
            return b;
        }
        return reallocHuge(address, newSize);
    }

    /** Moves or resizes a huge block, detached from the live set meanwhile so a racing free fails cleanly. */
    private static long reallocHuge(long address, long newSize) {
        if (newSize > SizeClasses.MAX_SIZE) {
            long b = HugeTier.resize(address, newSize);
            if (b > 0) {
                return b;
            }
            if (b < 0) {
                throw freedMeanwhile(address);
            }
            if (newSize <= HugeTier.lengthOf(address)) {
                return address;  // the OS refused to shrink the mapping: keep the block as it is
            }
        }
        long[] u = new long[1];
        long len = HugeTier.detach(address, u);
        if (len < 0) {
            throw freedMeanwhile(address);
        }
        long usable = u[0];
        long b;
        try {
            b = Front.malloc(newSize);
        } catch (OutOfMemoryError e) {
            HugeTier.reattach(address, usable, len);
            throw e;
        }
        Front.copy(address, b, Math.min(usable, newSize));
        HugeTier.release(address, len);
        return b;
    }

    private static IllegalStateException freedMeanwhile(long address) {
        return new IllegalStateException("hakmem: realloc(0x" + Long.toHexString(address)
                + "): huge block was freed by another thread meanwhile");
    }

    /** {@code aligned_alloc}: {@code size} bytes at a multiple of {@code alignment}, a power of two. */
    public static long alignedAlloc(long alignment, long size) {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("hakmem: alignedAlloc(" + alignment + ", " + size
                    + "): alignment is not a power of two");
        }
        if (DEBUG) {
            return DebugHeap.alignedAlloc(alignment, size);
        }
        return Front.alignedAlloc(alignment, size);
    }

    /** {@code free}; {@code free(0)} does nothing. */
    public static void free(long address) {
        if (DEBUG) {
            DebugHeap.free(address);
            return;
        }
        Front.free(address);
    }

    /** Usable bytes of the live block at {@code address}, for operation {@code op} (named in exceptions). */
    public static long usableSize(long address, String op) {
        if (DEBUG) {
            return DebugHeap.usableSize(address);
        }
        return Front.usableSize(address, op);
    }

    /**
     * Gives free memory back to the OS now: empties the calling thread's caches, those of the
     * shared and exited-thread heaps, then releases empty SuperSlabs, purges free slabs and unmaps
     * cached huge mappings.
     */
    public static void trim() {
        long before = MemoryBudget.mapped();
        if (DEBUG) {
            DebugHeap.drainQuarantine();
        }
        DecayThread.PASS.lock(); // not while the decay thread is borrowing a heap (see PASS)
        try {
            HeapDecay.flushReachable();
            SpanPool.trim();
            HugeTier.trim();
        } finally {
            DecayThread.PASS.unlock();
        }
        trimLibc();
        Events.trim(before - MemoryBudget.mapped());
    }

    /** {@link HeapDecay#trimOwnIfIdle}: the calling thread's heap emptied if it was idle since the previous call (never in debug mode). */
    public static boolean trimCurrentThreadIfIdle() {
        return !DEBUG && HeapDecay.trimOwnIfIdle();
    }

    /**
     * The C library's {@code malloc_trim(0)} unless {@code hakmem.trimLibc=false}: at the end of
     * {@link #trim}, and after a decay pass that left nothing pending.
     */
    static void trimLibc() {
        if (TRIM_LIBC) {
            Os.mallocTrim();
        }
    }
}
