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
 * @param madviseCalls {@code madvise} calls made so far
 * @param superSlabs   SuperSlabs currently committed
 * @param sizeClasses  one entry per small size class, in size order
 */
public record Stats(
        long liveBytes,
        long mappedBytes,
        long mmapCalls,
        long munmapCalls,
        long madviseCalls,
        long superSlabs,
        List<SizeClass> sizeClasses) {

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
     */
    public record SizeClass(int index, long blockSize, long allocations, long frees, long refills,
                            long remoteFrees) {
        /** Blocks of this class currently handed out. */
        public long live() {
            return allocations - frees;
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
