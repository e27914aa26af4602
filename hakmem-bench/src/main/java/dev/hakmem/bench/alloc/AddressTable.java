package dev.hakmem.bench.alloc;

/** A {@link BlockTable} over a {@link NativeHeap}: one {@code long[]} of addresses, no objects. */
final class AddressTable implements BlockTable {

    private final NativeHeap heap;
    private final long[] addresses;

    AddressTable(NativeHeap heap, int capacity) {
        this.heap = heap;
        this.addresses = new long[capacity];
    }

    @Override
    public int capacity() {
        return addresses.length;
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

    @Override
    public long address(int slot) {
        return addresses[slot];
    }
}
