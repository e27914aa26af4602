package dev.hakmem;

import dev.hakmem.internal.Allocator;
import dev.hakmem.internal.arena.GlobalSegmentAllocator;
import dev.hakmem.internal.debug.DebugHeap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.List;

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

    static {
        Observability.init();
    }

    /**
     * Allocates {@code size} bytes (not zeroed). {@code malloc(0)} returns a unique address that
     * must be freed.
     */
    public static long malloc(long size) {
        return Allocator.malloc(size);
    }

    /** Allocates {@code count * size} zeroed bytes. */
    public static long calloc(long count, long size) {
        return Allocator.calloc(count, size);
    }

    /**
     * Resizes the block at {@code address} to {@code newSize} bytes, keeping
     * {@code min(old, new)} bytes of content: in place when the block's size class is still the
     * right one, with {@code mremap} (no copy) between huge sizes, else by moving it.
     * {@code realloc(0, n)} is {@code malloc(n)}; {@code realloc(a, 0)} returns a minimal block
     * (like {@code malloc(0)}). On {@link OutOfMemoryError} the old block is untouched.
     */
    public static long realloc(long address, long newSize) {
        return Allocator.realloc(address, newSize);
    }

    /**
     * Allocates {@code size} bytes at an address that is a multiple of {@code alignment}, a
     * power of two. The block is freed with {@link #free(long)}.
     */
    public static long alignedAlloc(long alignment, long size) {
        return Allocator.alignedAlloc(alignment, size);
    }

    /** Frees the block at {@code address}; {@code free(0)} does nothing. */
    public static void free(long address) {
        Allocator.free(address);
    }

    /** Bytes usable in the live block at {@code address} (at least what was asked for). */
    public static long usableSize(long address) {
        return Allocator.usableSize(address, "usableSize");
    }

    /** Allocates a native segment of exactly {@code size} bytes; free it with {@link #free(MemorySegment)}. */
    public static MemorySegment allocate(long size) {
        return MemorySegment.ofAddress(malloc(size)).reinterpret(size);
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
        long usable = Allocator.usableSize(a, "free");
        long n = segment.byteSize();
        if (n > usable) {
            throw new IllegalArgumentException("hakmem: free(segment 0x" + Long.toHexString(a) + ", " + n
                    + " bytes): segment is larger than the hakmem block there (" + usable + " usable bytes)");
        }
        free(a);
    }

    /**
     * Gives back the calling thread's cached blocks and the free pages of its spans if the thread
     * made no allocation that reached past its caches, and freed nothing, since its previous call
     * of this method (and did before it): for threads that idle in native code, such as an event
     * loop waiting in {@code epoll_wait}. hakmem's decay gives back the memory of threads that are
     * blocked (parked, sleeping, waiting) without any call, but cannot touch a running thread's
     * caches, and a thread in native code counts as running. Call it from such a thread every
     * second or so (hakmem-netty does, on each event loop); a busy thread pays one pass over its
     * counters per call. Nothing on a virtual thread.
     *
     * @return whether it gave the thread's caches back (false while the thread is busy, or when it
     *         already did since the thread's last activity)
     */
    public static boolean trimCurrentThreadIfIdle() {
        return Allocator.trimCurrentThreadIfIdle();
    }

    /**
     * Gives free memory back to the OS now: empties the calling thread's caches, those of the
     * shared and exited-thread heaps, then releases empty SuperSlabs and purges free slabs; then
     * (unless {@code hakmem.trimLibc=false}) calls the C library's {@code malloc_trim(0)} where it
     * has one, for the free memory the JVM's own native allocations left in its heaps.
     */
    public static void trim() {
        Allocator.trim();
    }

    /**
     * A live block and where it was allocated, as recorded in debug mode.
     *
     * @param address        the block
     * @param size           bytes requested
     * @param thread         name of the allocating thread
     * @param allocationSite the allocating call's stack frames outside hakmem, innermost first
     */
    public record LiveBlock(long address, long size, String thread, List<StackTraceElement> allocationSite) {}

    /**
     * Every live block with its allocation site, in debug mode ({@code hakmem.debug=true});
     * an empty list otherwise.
     */
    public static List<LiveBlock> liveBlocks() {
        if (!DebugHeap.ENABLED) {
            return List.of();
        }
        return DebugHeap.liveBlocks().stream()
                .map(b -> new LiveBlock(b.address(), b.size(), b.thread(), b.site()))
                .toList();
    }

    /** {@link #liveBlocks()} as text, one block per line followed by its allocation site. */
    public static String leakReport() {
        return DebugHeap.ENABLED ? DebugHeap.report()
                : "hakmem: live blocks are recorded only in debug mode (hakmem.debug=true)\n";
    }

    /** A snapshot of the allocator's counters. */
    public static Stats stats() {
        return StatsSnapshots.snapshot();
    }
}
