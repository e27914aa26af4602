package dev.hakmem.bench.alloc;

import java.util.Optional;

/** An {@link Allocator} over a {@link NativeHeap} whose blocks are plain addresses. */
final class NativeAllocator implements Allocator {

    private final String name;
    private final NativeHeap heap;
    private Optional<Trim> trim;

    NativeAllocator(String name, NativeHeap heap) {
        this.name = name;
        this.heap = heap;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BlockTable newTable(int capacity, boolean freedByOtherThreads) {
        return new AddressTable(heap, capacity);
    }

    @Override
    public boolean distinctBlocks() {
        return !(heap instanceof NullHeap);
    }

    @Override
    public AllocatorCounters counters() {
        return heap instanceof HakmemHeap ? HakmemHeap.counters() : null;
    }

    /** See {@link NativeTrims}; resolved on the first call. */
    @Override
    public synchronized Optional<Trim> trim() {
        if (trim == null) {
            trim = heap instanceof NullHeap ? Optional.empty() : NativeTrims.forAdapter(name);
        }
        return trim;
    }
}
