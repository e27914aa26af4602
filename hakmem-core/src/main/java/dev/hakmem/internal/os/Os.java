package dev.hakmem.internal.os;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The only place hakmem talks to the kernel: {@code mmap}, {@code munmap} and {@code madvise}
 * through FFM downcalls (Linux, 64-bit). Every call is counted, and every call goes through a
 * {@link FaultInjector} seam so tests can make the OS refuse.
 *
 * <p>The system calls are cold: they are made when a SuperSlab or a huge mapping is committed,
 * purged or released, never on the allocation or free fast paths. {@link #ALL}, the segment
 * spanning the whole address space, is how every layer reads and writes native memory by
 * address, hot paths included.
 */
public final class Os {
    private Os() {}

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_FIXED = 0x10;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    /** Linux 4.17+: map at exactly the address given or fail, never over an existing mapping (older kernels take the address as a hint). */
    public static final int MAP_FIXED_NOREPLACE = 0x100000;
    public static final int MADV_DONTNEED = 4;
    /** Linux 5.14+: fault the pages of a range in, writable, in one call. */
    public static final int MADV_POPULATE_WRITE = 23;
    public static final long PAGE = 4096;

    private static final long MAP_FAILED = -1L;

    /*
     * Each downcall is linked on first use (initialisation-on-demand holders): linking one costs
     * milliseconds of class spinning, and start-up (the first malloc) needs only mmap.
     */
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, options);
    }

    private static final class Mmap {
        static final MethodHandle H = link("mmap",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CRITICAL);
    }

    private static final class Munmap {
        static final MethodHandle H = link("munmap", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG), CRITICAL);
    }

    private static final class Madvise {
        static final MethodHandle H = link("madvise", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT),
                CRITICAL);
    }

    private static final class Populate {
        // not critical: populating a span takes tens of microseconds, which a safepoint need not wait for
        static final MethodHandle H = link("madvise", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    }

    private static final class Mincore {
        // critical with heap access: the residency vector is a Java byte[], the call is short
        static final MethodHandle H = link("mincore", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS),
                Linker.Option.critical(true));
    }

    private static final class SchedYield {
        // not critical: the thread may be descheduled inside, and a GC must not wait for it
        static final MethodHandle H = link("sched_yield", FunctionDescriptor.of(JAVA_INT));
    }

    private static final class MallocTrim {
        // not critical: it walks the C library's arenas (milliseconds); null where the C library has none
        static final MethodHandle H = LINKER.defaultLookup().find("malloc_trim")
                .map(a -> LINKER.downcallHandle(a, FunctionDescriptor.of(JAVA_INT, JAVA_LONG))).orElse(null);
    }

    public static final int MREMAP_MAYMOVE = 1;

    private static final class Mremap {
        // variadic in C: void *mremap(void *old, size_t oldLen, size_t newLen, int flags, ...)
        static final MethodHandle H = link("mremap", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT),
                Linker.Option.firstVariadicArg(4), CRITICAL);
    }

    private static final AtomicLong MMAPS = new AtomicLong();
    private static final AtomicLong MUNMAPS = new AtomicLong();
    private static final AtomicLong MADVISES = new AtomicLong();
    private static final AtomicLong POPULATES = new AtomicLong();
    /** Cleared when the kernel refuses {@link #MADV_POPULATE_WRITE} (before Linux 5.14): not asked again. */
    private static volatile boolean populateWorks = true;
    private static volatile boolean populateSucceeded;

    /** Test seam: decides whether an OS call may go ahead. */
    @FunctionalInterface
    public interface FaultInjector {
        /** Returns {@code true} to let the call {@code op} ("mmap", "munmap", "madvise", "populate") run, {@code false} to fail it. */
        boolean allow(String op, long address, long length);
    }

    private static volatile FaultInjector injector;

    /** Installs (or with {@code null} removes) the fault injector. For tests. */
    public static void setFaultInjector(FaultInjector f) {
        injector = f;
    }

    private static boolean allowed(String op, long addr, long len) {
        FaultInjector f = injector;
        return f == null || f.allow(op, addr, len);
    }

    /**
     * Maps anonymous private memory.
     *
     * @return the address, or 0 when the kernel (or the fault injector) refused
     */
    public static long mmap(long addr, long length, int prot, int flags) {
        MMAPS.incrementAndGet();
        if (!allowed("mmap", addr, length)) {
            return 0;
        }
        long r;
        try {
            r = (long) Mmap.H.invokeExact(addr, length, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return r == MAP_FAILED ? 0 : r;
    }

    /**
     * Maps anonymous private memory at exactly {@code addr} when that range holds no mapping
     * ({@link #MAP_FIXED_NOREPLACE}), else anywhere; {@code addr} 0 for anywhere.
     *
     * @return the address (compare it with {@code addr}), or 0 when the kernel (or the fault injector) refused
     */
    public static long mmapPreferring(long addr, long length, int prot, int flags) {
        if (addr != 0) {
            long r = mmap(addr, length, prot, flags | MAP_FIXED_NOREPLACE);
            if (r == addr) {
                return r;
            }
            if (r != 0) {
                munmap(r, length); // an older kernel took the address as a hint and mapped elsewhere
            }
        }
        return mmap(0, length, prot, flags);
    }

    /** Unmaps a range; returns {@code false} when the kernel (or the fault injector) refused. */
    public static boolean munmap(long addr, long length) {
        MUNMAPS.incrementAndGet();
        if (!allowed("munmap", addr, length)) {
            return false;
        }
        try {
            return (int) Munmap.H.invokeExact(addr, length) == 0;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Replaces a range of one of our own reservations by a fresh inaccessible, unreserved
     * mapping, which gives its pages back to the OS. Counted as a munmap: the range stops being
     * usable memory, while its addresses stay ours.
     */
    public static boolean unmapToReservation(long addr, long length) {
        MUNMAPS.incrementAndGet();
        if (!allowed("munmap", addr, length)) {
            return false;
        }
        long r;
        try {
            r = (long) Mmap.H.invokeExact(addr, length, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return r == addr;
    }

    /**
     * {@code mremap(addr, oldLength, newLength, MREMAP_MAYMOVE)}: grows or shrinks a mapping,
     * moving it (without copying) if needed. Counted as an mmap.
     *
     * @return the new address, or 0 when refused
     */
    public static long mremap(long addr, long oldLength, long newLength) {
        MMAPS.incrementAndGet();
        if (!allowed("mmap", addr, newLength)) {
            return 0;
        }
        long r;
        try {
            r = (long) Mremap.H.invokeExact(addr, oldLength, newLength, MREMAP_MAYMOVE);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return r == MAP_FAILED ? 0 : r;
    }

    /**
     * The C library's {@code malloc_trim(0)} (glibc), which gives back the free memory of its own
     * heaps: not hakmem's memory but the JVM's (its compilers' arenas, for one), which nothing else
     * returns while the process runs.
     *
     * @return whether the C library has the call and it gave memory back
     */
    public static boolean mallocTrim() {
        if (MallocTrim.H == null) {
            return false;
        }
        try {
            return (int) MallocTrim.H.invokeExact(0L) == 1;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code madvise(addr, length, advice)}; returns {@code false} when refused. */
    public static boolean madvise(long addr, long length, int advice) {
        MADVISES.incrementAndGet();
        if (!allowed("madvise", addr, length)) {
            return false;
        }
        try {
            return (int) Madvise.H.invokeExact(addr, length, advice) == 0;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Faults the pages of {@code [addr, addr + length)} in, writable, with one
     * {@code madvise(MADV_POPULATE_WRITE)}: what the first writes to those pages would do one page
     * fault at a time. A hint: when the kernel refuses (before Linux 5.14, or the fault injector),
     * nothing is lost but the batching, and a kernel without the advice is not asked again.
     *
     * @return whether the pages were populated
     */
    public static boolean populate(long addr, long length) {
        if (!populateWorks) {
            return false;
        }
        POPULATES.incrementAndGet();
        if (!allowed("populate", addr, length)) {
            return false;
        }
        int r;
        try {
            r = (int) Populate.H.invokeExact(addr, length, MADV_POPULATE_WRITE);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r == 0) {
            populateSucceeded = true;
        } else if (!populateSucceeded) {
            populateWorks = false; // never done yet: a kernel without the advice (EINVAL), not asked again
        }
        return r == 0;
    }

    /**
     * Whether every 4 KiB page of {@code [addr, addr + length)} (page-aligned) is resident,
     * from {@code mincore}; {@code vector} has room for a byte per page. {@code false} when the
     * call fails.
     */
    public static boolean allResident(long addr, long length, byte[] vector) {
        int pages = (int) (length >>> 12);
        assert pages <= vector.length && (addr & (PAGE - 1)) == 0 : "mincore of " + length + " bytes at 0x" + Long.toHexString(addr);
        int r;
        try {
            r = (int) Mincore.H.invokeExact(addr, length, MemorySegment.ofArray(vector));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r != 0) {
            return false;
        }
        for (int i = 0; i < pages; i++) {
            if ((vector[i] & 1) == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code sched_yield()}: gives the CPU to another runnable OS thread, if any. A virtual thread
     * stays mounted (the call is native), so its carrier runs nothing else meanwhile.
     */
    public static void schedYield() {
        try {
            int alwaysZero = (int) SchedYield.H.invokeExact(); // Linux: sched_yield() cannot fail
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public static long mmapCalls() {
        return MMAPS.get();
    }

    public static long munmapCalls() {
        return MUNMAPS.get();
    }

    public static long madviseCalls() {
        return MADVISES.get();
    }

    /** {@link #populate} calls made (not counted as {@code madvise} calls, which give memory back). */
    public static long populateCalls() {
        return POPULATES.get();
    }

    /** A segment spanning the whole address space, for plain access by address. */
    public static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
}
