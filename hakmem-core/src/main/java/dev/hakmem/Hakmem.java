package dev.hakmem;

import dev.hakmem.internal.arena.GlobalSegmentAllocator;
import dev.hakmem.internal.front.Front;
import dev.hakmem.internal.front.Heaps;
import dev.hakmem.internal.pool.SlabPool;
import dev.hakmem.internal.size.SizeClasses;
import dev.hakmem.internal.stats.StatsCollector;
import dev.hakmem.internal.tier.HugeTier;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;

/**
 * hakmem: {@code malloc} and {@code free} for Java, on native memory, with Java's safety.
 *
 * <p>Addresses are plain {@code long}s, as in C. Every method is thread-safe and any thread may
 * free any block. Blocks are 16-byte aligned (8-byte aligned below 16 bytes). Misuse is a Java
 * exception, never a crash or a corrupted heap:
 * <ul>
 * <li>{@link IllegalArgumentException}: negative size, bad alignment, {@code calloc} overflow,
 *     an address hakmem did not return or an interior address;</li>
 * <li>{@link IllegalStateException}: a block that is already free (double free);</li>
 * <li>{@link OutOfMemoryError}: the OS refused memory, or {@code hakmem.maxMemory} was reached.</li>
 * </ul>
 * After any of these the allocator keeps working and no live block is touched.
 */
public final class Hakmem {
    private Hakmem() {}

    /**
     * Allocates {@code size} bytes (not zeroed). {@code malloc(0)} returns a unique address that
     * must be freed.
     */
    public static long malloc(long size) {
        return Front.malloc(size);
    }

    /** Allocates {@code count * size} zeroed bytes. */
    public static long calloc(long count, long size) {
        if (count < 0 || size < 0) {
            throw new IllegalArgumentException("hakmem: calloc(" + count + ", " + size + "): negative argument");
        }
        long n = count * size;
        if (Math.multiplyHigh(count, size) != 0 || n < 0) {
            throw new IllegalArgumentException("hakmem: calloc(" + count + ", " + size + "): size overflows");
        }
        if (n > SizeClasses.MAX_SIZE) {
            return HugeTier.allocate(n, 16, true);
        }
        long a = Front.malloc(n);
        Front.zero(a, n);
        return a;
    }

    /**
     * Resizes the block at {@code address} to {@code newSize} bytes, keeping
     * {@code min(old, new)} bytes of content: in place when the block's size class is still the
     * right one, with {@code mremap} (no copy) between huge sizes, else by moving it.
     * {@code realloc(0, n)} is {@code malloc(n)}; {@code realloc(a, 0)} returns a minimal block
     * (like {@code malloc(0)}). On {@link OutOfMemoryError} the old block is untouched.
     */
    public static long realloc(long address, long newSize) {
        if (address == 0) {
            return Front.malloc(newSize);
        }
        if (newSize < 0) {
            throw new IllegalArgumentException("hakmem: realloc(0x" + Long.toHexString(address) + ", "
                    + newSize + "): negative size");
        }
        long old = Front.usableSize(address, "realloc");
        if (old <= SizeClasses.MAX_SIZE) {
            if (newSize <= SizeClasses.MAX_SIZE
                    && SizeClasses.classOfAny(newSize) == SizeClasses.classOfAny(old)) {
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
                throw new IllegalStateException("hakmem: realloc(0x" + Long.toHexString(address)
                        + "): huge block was freed by another thread meanwhile");
            }
        }
        long len = HugeTier.detach(address);
        if (len < 0) {
            throw new IllegalStateException("hakmem: realloc(0x" + Long.toHexString(address)
                    + "): huge block was freed by another thread meanwhile");
        }
        long b;
        try {
            b = Front.malloc(newSize);
        } catch (OutOfMemoryError e) {
            HugeTier.reattach(address, len);
            throw e;
        }
        Front.copy(address, b, Math.min(len, newSize));
        HugeTier.release(address, len);
        return b;
    }

    /**
     * Allocates {@code size} bytes at an address that is a multiple of {@code alignment}, a
     * power of two. The block is freed with {@link #free(long)}.
     */
    public static long alignedAlloc(long alignment, long size) {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0) {
            throw new IllegalArgumentException("hakmem: alignedAlloc(" + alignment + ", " + size
                    + "): alignment is not a power of two");
        }
        if (size < 0) {
            throw new IllegalArgumentException("hakmem: alignedAlloc(" + alignment + ", " + size
                    + "): negative size");
        }
        if (alignment <= 8) {
            return Front.malloc(size);
        }
        int c = SizeClasses.classOfAligned(size, alignment);
        if (c >= 0) {
            return Front.allocClass(c);
        }
        return HugeTier.allocate(size, alignment, false);
    }

    /** Frees the block at {@code address}; {@code free(0)} does nothing. */
    public static void free(long address) {
        Front.free(address);
    }

    /** Bytes usable in the live block at {@code address} (at least what was asked for). */
    public static long usableSize(long address) {
        return Front.usableSize(address, "usableSize");
    }

    /** Allocates a native segment of exactly {@code size} bytes; free it with {@link #free(MemorySegment)}. */
    public static MemorySegment allocate(long size) {
        return MemorySegment.ofAddress(Front.malloc(size)).reinterpret(size);
    }

    /**
     * A {@link SegmentAllocator} over the global heap: its segments are hakmem blocks of exactly
     * the requested size and alignment, in the global scope, <b>not zeroed</b> (the
     * {@code allocateFrom} methods write every byte they return). Free each segment with
     * {@link #free(MemorySegment)}; for segments freed together, {@link HakmemArena} does it for you.
     */
    public static SegmentAllocator allocator() {
        return GlobalSegmentAllocator.INSTANCE;
    }

    /**
     * Frees a segment returned by {@link #allocate(long)}.
     *
     * @throws IllegalArgumentException if the segment does not start at a hakmem block (a
     *                                  segment of another allocator, or a slice at an offset), or
     *                                  is larger than the block
     */
    public static void free(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("hakmem: free(" + segment + "): not a native segment");
        }
        long a = segment.address();
        long usable = Front.usableSize(a, "free");
        long n = segment.byteSize();
        if (n > usable) {
            throw new IllegalArgumentException("hakmem: free(segment 0x" + Long.toHexString(a) + ", " + n
                    + " bytes): segment is larger than the hakmem block there (" + usable + " usable bytes)");
        }
        Front.free(a);
    }

    /**
     * Gives free memory back to the OS now: empties the calling thread's caches, those of the
     * shared and exited-thread heaps, then releases empty SuperSlabs and purges free slabs.
     */
    public static void trim() {
        Heaps.flushReachable();
        SlabPool.trim();
        HugeTier.trimCache();
    }

    /** A snapshot of the allocator's counters. */
    public static Stats stats() {
        return StatsCollector.snapshot();
    }
}
