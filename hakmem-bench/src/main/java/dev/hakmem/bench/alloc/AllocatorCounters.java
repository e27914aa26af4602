package dev.hakmem.bench.alloc;

/**
 * The OS-level counters an allocator keeps about itself (hakmem's {@code Stats}).
 *
 * @param mappedBytes  bytes currently mapped from the OS
 * @param mmapCalls    {@code mmap} calls so far
 * @param munmapCalls  calls that gave address space back
 * @param madviseCalls {@code madvise} calls so far
 */
public record AllocatorCounters(long mappedBytes, long mmapCalls, long munmapCalls, long madviseCalls) {

    /** The calls made since {@code before}; {@code mappedBytes} is this snapshot's. */
    public AllocatorCounters since(AllocatorCounters before) {
        return new AllocatorCounters(mappedBytes, mmapCalls - before.mmapCalls,
                munmapCalls - before.munmapCalls, madviseCalls - before.madviseCalls);
    }
}
