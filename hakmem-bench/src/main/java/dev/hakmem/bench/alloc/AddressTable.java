package dev.hakmem.bench.alloc;

/** A {@link BlockTable} over a {@link NativeHeap}: one {@code long[]} of addresses, no objects. */
final class AddressTable extends AddressSlots {

    private final NativeHeap heap;

    AddressTable(NativeHeap heap, int capacity) {
        super(capacity);
        this.heap = heap;
    }

    @Override
    public long allocate(int slot, long size) {
        long address = heap.malloc(size);
        if (address == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") returned NULL");
        }
        addresses[slot] = address;
        return address;
    }

    @Override
    public void free(int slot) {
        heap.free(addresses[slot]);
        addresses[slot] = 0;
    }
}
