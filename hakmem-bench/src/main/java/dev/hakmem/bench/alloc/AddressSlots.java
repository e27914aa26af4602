package dev.hakmem.bench.alloc;

/**
 * What the block tables of this package share: a {@code long[]} of the slots' addresses (0 for
 * an empty slot), which gives the capacity and {@link #address}. Subclasses allocate and free.
 */
abstract class AddressSlots implements BlockTable {

    /** The address of the block in each slot, 0 if the slot is empty. */
    final long[] addresses;

    AddressSlots(int capacity) {
        this.addresses = new long[capacity];
    }

    @Override
    public final int capacity() {
        return addresses.length;
    }

    @Override
    public final long address(int slot) {
        return addresses[slot];
    }
}
