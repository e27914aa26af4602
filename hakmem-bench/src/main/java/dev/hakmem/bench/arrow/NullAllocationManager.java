package dev.hakmem.bench.arrow;

import dev.hakmem.arrow.HakmemAllocationManager;
import java.lang.foreign.Arena;
import java.util.Arrays;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The arrow suite's ceiling: an {@link AllocationManager} that does as little as a manager can,
 * to measure what Arrow costs around the allocation itself. No allocation manager, hakmem's
 * included, can run a case faster than this one; the gap between it and the real managers is all
 * that better memory management could win.
 *
 * <p>Each thread keeps a stack of released blocks per power-of-two size (a plain array, no lock,
 * no check, no accounting): an allocation pops one, or takes fresh memory from the global arena
 * when the stack is empty; a release pushes the block onto the releasing thread's stack. Nothing
 * is ever given back, so its RSS is not comparable with the real managers' and the suite leaves
 * it out of the memory ratios. For benchmarks only.
 *
 * <pre>
 * size 1000 -> slot 10 (1 KiB blocks); stacks[10] = [a, b, c | top]  allocate: pop c; release c: push c
 * </pre>
 */
final class NullAllocationManager extends AllocationManager {

    /** The factory, as Arrow's managers have one. */
    static final AllocationManager.Factory FACTORY = new AllocationManager.Factory() {
        @Override
        public AllocationManager create(BufferAllocator accountingAllocator, long size) {
            return new NullAllocationManager(accountingAllocator, size);
        }

        @Override
        public ArrowBuf empty() {
            return HakmemAllocationManager.FACTORY.empty(); // address 0, capacity 0: the same for any manager
        }

        @Override
        public String toString() {
            return "NullAllocationManager.FACTORY";
        }
    };

    /** One stack of free blocks per power-of-two size, per thread. */
    private static final class Stacks {
        final long[][] blocks = new long[64][];
        final int[] counts = new int[64];
    }

    private static final ThreadLocal<Stacks> STACKS = ThreadLocal.withInitial(Stacks::new);

    private final long address;
    private final long size;
    private final int slot;

    private NullAllocationManager(BufferAllocator accountingAllocator, long size) {
        super(accountingAllocator);
        this.size = size;
        this.slot = slotOf(size);
        this.address = take(slot);
    }

    /** The power-of-two slot of {@code size}: blocks of {@code 2^slot} bytes (at least 8). */
    static int slotOf(long size) {
        return Math.max(3, 64 - Long.numberOfLeadingZeros(Math.max(1, size) - 1));
    }

    private static long take(int slot) {
        Stacks s = STACKS.get();
        int n = s.counts[slot];
        if (n > 0) {
            s.counts[slot] = n - 1;
            return s.blocks[slot][n - 1];
        }
        return Arena.global().allocate(1L << slot, 64).address();
    }

    @Override
    public long getSize() {
        return size;
    }

    @Override
    protected long memoryAddress() {
        return address;
    }

    @Override
    protected void release0() {
        Stacks s = STACKS.get();
        int n = s.counts[slot];
        long[] b = s.blocks[slot];
        if (b == null || n == b.length) {
            b = Arrays.copyOf(b == null ? new long[0] : b, Math.max(16, n * 2));
            s.blocks[slot] = b;
        }
        b[n] = address;
        s.counts[slot] = n + 1;
    }
}
