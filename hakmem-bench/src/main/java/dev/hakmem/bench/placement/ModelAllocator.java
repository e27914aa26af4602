package dev.hakmem.bench.placement;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.BlockTable;

import java.lang.foreign.Arena;

/**
 * A bench allocator that maps nothing: it replays a driver's allocations and frees through a
 * {@link Placement} into a {@link PageLedger}, so that a driver run says how many pages live
 * blocks would keep resident under that placement, at the least (every page without a live block
 * given back at once, no metadata). Blocks above {@link #MAX_PLACED} bytes are page runs of their
 * own for every placement (an exact large tier: only the pages a block overlaps count).
 *
 * <p>Every block's address, as the driver sees it, is one real scratch buffer of
 * {@link #MAX_BLOCK} bytes (drivers write into their blocks; those writes land there); the model
 * address is kept per slot. Thread-safe: one lock for the placement and the ledger.
 */
public final class ModelAllocator implements Allocator {

    /** Largest request placed by the placement; larger ones are page runs. */
    public static final long MAX_PLACED = 32768;
    /** Largest block a driver may ask for (the scratch buffer's size). */
    public static final long MAX_BLOCK = 1L << 20;
    private static final long SCRATCH = Arena.global().allocate(MAX_BLOCK, 4096).address();
    private static final int PAGE_RUN_REGION = 15;

    private final Placement placement;
    private final PageLedger ledger = new PageLedger();
    private long pageRunTop = PageLedger.region(PAGE_RUN_REGION);

    public ModelAllocator(Placement placement) {
        this.placement = placement;
    }

    @Override
    public String name() {
        return "model: " + placement.name();
    }

    @Override
    public boolean distinctBlocks() {
        return false;
    }

    /** The most bytes of pages live blocks overlapped at once. */
    public synchronized long peakBytes() {
        return ledger.peakPages() * PageLedger.PAGE;
    }

    /** Bytes of the pages live blocks overlap now. */
    public synchronized long bytesInUse() {
        return ledger.pagesInUse() * PageLedger.PAGE;
    }

    synchronized long place(long size) {
        if (size < 1 || size > MAX_BLOCK) {
            throw new IllegalArgumentException("the model places blocks of 1 B to " + MAX_BLOCK + " B, not " + size);
        }
        long a;
        if (size > MAX_PLACED) {
            a = pageRunTop; // never reused: only which pages a live block overlaps counts
            pageRunTop += (size + PageLedger.PAGE - 1) & -PageLedger.PAGE;
        } else {
            a = placement.place(size);
        }
        ledger.add(a, size);
        return a;
    }

    synchronized void release(long address, long size) {
        ledger.remove(address, size);
        if (size <= MAX_PLACED) {
            placement.release(address, size);
        }
    }

    @Override
    public BlockTable newTable(int capacity, boolean freedByOtherThreads) {
        return new Table(capacity);
    }

    /** Slots holding model addresses and sizes; the address a driver gets is the scratch buffer's. */
    private final class Table implements BlockTable {
        private final long[] at;
        private final long[] size;

        Table(int capacity) {
            at = new long[capacity];
            size = new long[capacity];
        }

        @Override
        public int capacity() {
            return at.length;
        }

        @Override
        public long allocate(int slot, long bytes) {
            if (size[slot] != 0) {
                throw new IllegalStateException("slot " + slot + " is not empty");
            }
            at[slot] = place(bytes);
            size[slot] = bytes;
            return SCRATCH;
        }

        @Override
        public void free(int slot) {
            if (size[slot] == 0) {
                throw new IllegalStateException("slot " + slot + " is empty");
            }
            release(at[slot], size[slot]);
            size[slot] = 0;
        }

        @Override
        public long address(int slot) {
            return size[slot] != 0 ? SCRATCH : 0;
        }
    }
}
