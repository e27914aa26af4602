package dev.hakmem;

import java.util.List;

/**
 * A snapshot of the allocator's counters, taken by {@link Hakmem#stats()}.
 *
 * <p>Counters are kept per thread heap without synchronisation and summed when the snapshot is
 * taken, so a snapshot taken while other threads allocate is approximate; one taken while the
 * allocator is quiet is exact.
 *
 * @param liveBytes    usable bytes of all blocks handed out and not yet freed
 * @param mappedBytes  bytes currently mapped read-write from the OS (SuperSlabs and direct mappings)
 * @param mmapCalls    {@code mmap} calls made so far (reservations, SuperSlab commits, direct mappings)
 * @param munmapCalls  calls that gave an address range back to the OS: {@code munmap} of direct
 *                     mappings and the {@code mmap(PROT_NONE, MAP_FIXED)} that returns a SuperSlab
 *                     to the reservation
 * @param madviseCalls {@code madvise} calls made so far that gave pages back
 * @param populateCalls {@code madvise(MADV_POPULATE_WRITE)} calls made so far: new spans of small
 *                     blocks faulted in at once ({@code hakmem.prefault})
 * @param superSlabs   SuperSlabs currently committed
 * @param sizeClasses  one entry per size class (tiny, mid and large), in size order
 * @param stages       span acquisitions of the shared pool, per stage
 * @param hugeCachedBytes bytes of freed huge mappings kept for reuse
 * @param heapsBorrowed times another thread (the decay thread, or a {@link Hakmem#trim()}) emptied
 *                     the caches of a thread that was blocked at the time, borrowing its heap: its
 *                     freed blocks went back to their spans and the free pages to the OS without
 *                     waiting for it to run again
 */
public record Stats(
        long liveBytes,
        long mappedBytes,
        long mmapCalls,
        long munmapCalls,
        long madviseCalls,
        long populateCalls,
        long superSlabs,
        List<SizeClass> sizeClasses,
        Stages stages,
        long hugeCachedBytes,
        long heapsBorrowed) {

    public Stats {
        sizeClasses = List.copyOf(sizeClasses);
    }

    /**
     * Counters of one size class.
     *
     * @param index       class number, 0 for the smallest
     * @param blockSize   usable size of every block of the class
     * @param allocations blocks handed out
     * @param frees       blocks given back (local and remote)
     * @param refills     batch refills of a thread cache from slabs
     * @param remoteFrees blocks freed by a thread other than the one whose heap owns the slab
     * @param lent        blocks of the class lent out of free runs of other classes' spans instead of
     *                    a new span ({@code hakmem.lend}; counted in allocations too)
     */
    public record SizeClass(int index, long blockSize, long allocations, long frees, long refills,
                            long remoteFrees, long lent) {
        /** Blocks of this class currently handed out. */
        public long live() {
            return allocations - frees;
        }
    }

    /**
     * How the shared pool found the spans it handed to thread heaps (hakmem's stages).
     *
     * @param emptySlab       stage 0.5: an EMPTY run of slabs whose pages are still resident, possibly of another class
     * @param partialSlab     stage 1: a partly used span left by an exited thread
     * @param unusedSlot      stage 2: never-used slab slots of a SuperSlab in use
     * @param cachedSuperSlab stage 3: a wholly empty SuperSlab from the SuperSlab cache
     * @param newSuperSlab    stage 4: a new SuperSlab, one mmap
     */
    public record Stages(long emptySlab, long partialSlab, long unusedSlot, long cachedSuperSlab, long newSuperSlab) {
        /** All acquisitions. */
        public long total() {
            return emptySlab + partialSlab + unusedSlot + cachedSuperSlab + newSuperSlab;
        }
    }

    /** The counters of the class whose block size is {@code blockSize}, or {@code null}. */
    public SizeClass sizeClassOfBlock(long blockSize) {
        for (SizeClass c : sizeClasses) {
            if (c.blockSize == blockSize) {
                return c;
            }
        }
        return null;
    }
}
