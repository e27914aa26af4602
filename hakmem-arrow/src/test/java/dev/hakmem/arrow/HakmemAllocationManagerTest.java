package dev.hakmem.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.arrow.memory.AllocationManager;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.BufferLedger;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.OwnershipTransferResult;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.memory.rounding.RoundingPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * {@link HakmemAllocationManager} under Arrow's allocators: every buffer is a hakmem block,
 * Arrow's accounting (limits, child allocators, transfers, shared references, leak reports)
 * balances to the byte, and the block goes back to hakmem exactly when the last reference goes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class HakmemAllocationManagerTest {

    /** Arrow's rounding policy replaced by none: Arrow then charges exactly what is asked for. */
    static final RoundingPolicy EXACT = size -> size;

    static BufferAllocator root(long limit) {
        return new RootAllocator(RootAllocator.configBuilder()
                .allocationManagerFactory(HakmemAllocationManager.FACTORY)
                .maxAllocation(limit)
                .build());
    }

    static BufferAllocator exactRoot(long limit) {
        return new RootAllocator(RootAllocator.configBuilder()
                .allocationManagerFactory(HakmemAllocationManager.FACTORY)
                .maxAllocation(limit)
                .roundingPolicy(EXACT)
                .build());
    }

    static long live() {
        return Hakmem.stats().liveBytes();
    }

    static AllocationManager manager(ArrowBuf buf) {
        return ((BufferLedger) buf.getReferenceManager()).getAllocationManager();
    }

    @Test
    void buffersAreHakmemBlocksFreedOnClose() {
        try (BufferAllocator root = root(Long.MAX_VALUE)) {
            long live0 = live();
            ArrowBuf buf = root.buffer(1000);
            AllocationManager m = manager(buf);
            assertInstanceOf(HakmemAllocationManager.class, m);
            assertEquals(1024, buf.capacity(), "Arrow's default rounding: the next power of two");
            assertEquals(1024, m.getSize());
            assertEquals(1024, root.getAllocatedMemory());
            assertEquals(1024, Hakmem.usableSize(buf.memoryAddress()), "a power of two is a hakmem class");
            assertEquals(live0 + 1024, live());
            assertEquals(0, buf.memoryAddress() & 15, "hakmem blocks are 16-byte aligned");
            for (int i = 0; i < 1024; i += 4) {
                buf.setInt(i, i * 7);
            }
            for (int i = 0; i < 1024; i += 4) {
                assertEquals(i * 7, buf.getInt(i));
            }
            buf.close();
            assertEquals(0, buf.refCnt());
            assertEquals(0, root.getAllocatedMemory());
            assertEquals(live0, live());
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> Hakmem.free(buf.memoryAddress()));
            assertTrue(twice.getMessage().contains("is already free (double free?): it is in the free-block cache of thread \""
                    + Thread.currentThread().getName() + "\""), "Arrow freed it into this thread's cache: " + twice.getMessage());
        }
    }

    @Test
    void sizeIsWhatArrowChargedNotTheBlocksUsableSize() {
        // Without rounding Arrow charges 1000 bytes; hakmem's block is its 1024-byte class. The
        // manager reports 1000: Arrow releases getSize() bytes when the buffer goes, so the
        // usable size would drive its accounting 24 bytes below zero ("Accounted size went negative").
        try (BufferAllocator root = exactRoot(Long.MAX_VALUE)) {
            long live0 = live();
            ArrowBuf buf = root.buffer(1000);
            assertEquals(1000, buf.capacity());
            assertEquals(1000, manager(buf).getSize());
            assertEquals(1000, ((BufferLedger) buf.getReferenceManager()).getAccountedSize());
            assertEquals(1000, root.getAllocatedMemory());
            assertEquals(1024, Hakmem.usableSize(buf.memoryAddress()));
            assertEquals(live0 + 1024, live(), "hakmem's own stats show the block's real size");
            buf.close();
            assertEquals(0, root.getAllocatedMemory());
            assertEquals(live0, live());
        }
    }

    @Test
    void largeAndHugeBuffers() {
        try (BufferAllocator root = root(Long.MAX_VALUE)) {
            long live0 = live();
            for (long size : new long[] {64 << 10, 1 << 20, 4 << 20, 16 << 20, 24 << 20}) {
                ArrowBuf buf = root.buffer(size);
                long expect = size < 16 << 20 ? Long.highestOneBit(size - 1) << 1 : size; // rounding stops at 16 MiB chunks
                assertEquals(expect, buf.capacity(), "size " + size);
                assertEquals(expect, manager(buf).getSize());
                assertEquals(expect, root.getAllocatedMemory());
                assertTrue(Hakmem.usableSize(buf.memoryAddress()) >= expect);
                buf.setLong(0, 42);
                buf.setLong(expect - 8, 43);
                assertEquals(42, buf.getLong(0));
                assertEquals(43, buf.getLong(expect - 8));
                buf.close();
                assertEquals(0, root.getAllocatedMemory());
                assertEquals(live0, live(), "size " + size);
            }
        }
    }

    @Test
    void zeroBytesIsTheSharedEmptyBufferAndNoBlock() {
        try (BufferAllocator root = root(Long.MAX_VALUE); BufferAllocator other = root(Long.MAX_VALUE)) {
            long live0 = live();
            ArrowBuf empty = root.buffer(0);
            assertSame(root.getEmpty(), empty);
            assertSame(HakmemAllocationManager.FACTORY.empty(), empty);
            assertSame(empty, other.getEmpty(), "one empty buffer for every root of the factory");
            assertEquals(0, empty.capacity());
            assertEquals(0, empty.memoryAddress());
            assertEquals(0, root.getAllocatedMemory());
            assertEquals(live0, live());
            empty.close(); // a no-op on Arrow's NO_OP reference manager
            assertEquals(live0, live());
        }
    }

    @Test
    void overTheLimitIsArrowsOutOfMemoryAndNothingLeaks() {
        try (BufferAllocator root = root(1 << 20)) {
            long live0 = live();
            ArrowBuf held = root.buffer(768 << 10); // 1 MiB after rounding: the whole limit
            assertEquals(1 << 20, root.getAllocatedMemory());
            OutOfMemoryException e = assertThrows(OutOfMemoryException.class, () -> root.buffer(1));
            assertTrue(e.getMessage().startsWith("Unable to allocate buffer of size 2 (rounded from 1) due to memory limit. Current allocation: 1048576"),
                    e.getMessage());
            assertTrue(e.getOutcomeDetails().isPresent());
            assertEquals(1 << 20, root.getAllocatedMemory(), "the failed request left no charge");
            assertEquals(live0 + (1 << 20), live(), "and made no block");
            held.close();
            assertEquals(0, root.getAllocatedMemory());
            // everything keeps working
            ArrowBuf again = root.buffer(1 << 20);
            again.setByte((1 << 20) - 1, 7);
            assertEquals(7, again.getByte((1 << 20) - 1));
            again.close();
            assertEquals(live0, live());
        }
    }

    @Test
    void childAllocatorsChargeTheirParentsAndHaveTheirOwnLimits() {
        try (BufferAllocator root = root(4 << 20)) {
            long live0 = live();
            try (BufferAllocator a = root.newChildAllocator("a", 0, 1 << 20);
                 BufferAllocator b = root.newChildAllocator("b", 64 << 10, 2 << 20)) {
                assertEquals(64 << 10, root.getAllocatedMemory(), "b's initial reservation");
                ArrowBuf x = a.buffer(300 << 10); // 512 KiB
                assertInstanceOf(HakmemAllocationManager.class, manager(x), "children inherit the factory");
                assertEquals(512 << 10, a.getAllocatedMemory());
                assertEquals((512 << 10) + (64 << 10), root.getAllocatedMemory());
                OutOfMemoryException e = assertThrows(OutOfMemoryException.class, () -> a.buffer(600 << 10));
                assertTrue(e.getMessage().startsWith("Unable to allocate buffer of size 1048576 (rounded from 614400) due to memory limit."),
                        e.getMessage());
                ArrowBuf y = b.buffer(32 << 10); // inside b's reservation: the root is not charged again
                assertEquals((512 << 10) + (64 << 10), root.getAllocatedMemory());
                assertEquals(live0 + (512 << 10) + (32 << 10), live());
                x.close();
                y.close();
                assertEquals(0, a.getAllocatedMemory());
                assertEquals(0, b.getAllocatedMemory());
            }
            assertEquals(0, root.getAllocatedMemory());
            assertEquals(live0, live());
        }
    }

    @Test
    void ownershipTransferMovesTheChargeNotTheMemory() {
        try (BufferAllocator root = root(Long.MAX_VALUE)) {
            long live0 = live();
            BufferAllocator from = root.newChildAllocator("from", 0, Long.MAX_VALUE);
            BufferAllocator to = root.newChildAllocator("to", 0, 8 << 10);
            ArrowBuf buf = from.buffer(4096);
            buf.setLong(8, 0x1234_5678_9abc_def0L);
            long address = buf.memoryAddress();
            OwnershipTransferResult r = buf.getReferenceManager().transferOwnership(buf, to);
            assertTrue(r.getAllocationFit());
            ArrowBuf moved = r.getTransferredBuffer();
            assertEquals(address, moved.memoryAddress(), "same hakmem block");
            assertEquals(4096, to.getAllocatedMemory());
            assertEquals(0, from.getAllocatedMemory(), "the charge moved with ownership");
            buf.close(); // the source's reference; the memory stays, owned by 'to'
            from.close(); // closes without a leak
            assertEquals(live0 + 4096, live());
            assertEquals(0x1234_5678_9abc_def0L, moved.getLong(8));
            // a transfer past the target's limit still happens, and says it did not fit
            ArrowBuf big = root.buffer(16 << 10);
            OwnershipTransferResult over = big.getReferenceManager().transferOwnership(big, to);
            assertFalse(over.getAllocationFit());
            big.close();
            assertEquals(4096 + (16 << 10), to.getAllocatedMemory());
            over.getTransferredBuffer().close();
            moved.close();
            assertEquals(0, to.getAllocatedMemory());
            to.close();
            assertEquals(0, root.getAllocatedMemory());
            assertEquals(live0, live());
        }
    }

    @Test
    void sharedMemoryIsFreedWithTheLastReferenceInAnyAllocator() {
        try (BufferAllocator root = root(Long.MAX_VALUE);
             BufferAllocator a = root.newChildAllocator("a", 0, Long.MAX_VALUE);
             BufferAllocator b = root.newChildAllocator("b", 0, Long.MAX_VALUE)) {
            long live0 = live();
            ArrowBuf inA = a.buffer(2048);
            ArrowBuf inB = inA.getReferenceManager().retain(inA, b);
            ArrowBuf slice = inB.slice(1024, 1024);
            slice.getReferenceManager().retain();
            assertEquals(2048, a.getAllocatedMemory(), "the owner is charged");
            assertEquals(0, b.getAllocatedMemory());
            inA.close(); // a's last reference: ownership (and the charge) goes to b
            assertEquals(0, a.getAllocatedMemory());
            assertEquals(2048, b.getAllocatedMemory());
            assertEquals(live0 + 2048, live(), "b still holds the memory");
            inB.close(); // b's ledger still has the slice's reference
            assertEquals(live0 + 2048, live());
            slice.setInt(0, 99);
            assertEquals(99, slice.getInt(0));
            slice.close();
            assertEquals(0, b.getAllocatedMemory());
            assertEquals(live0, live(), "freed by the last release");
        }
    }

    @Test
    void closingWithAnUnreleasedBufferReportsTheLeakedBytes() {
        BufferAllocator root = exactRoot(Long.MAX_VALUE);
        long live0 = live();
        ArrowBuf leaked = root.buffer(1500);
        IllegalStateException e = assertThrows(IllegalStateException.class, root::close);
        assertEquals("Memory was leaked by query. Memory leaked: (1500)\n"
                + "Allocator(ROOT) 0/1500/1500/9223372036854775807 (res/actual/peak/limit)\n", e.getMessage());
        // Arrow keeps the leaked memory: the block is still live in hakmem (and stays so in this JVM)
        assertEquals(1536, Hakmem.usableSize(leaked.memoryAddress()));
        assertEquals(live0 + 1536, live());
    }

    @Test
    void hakmemsOwnOutOfMemoryBecomesArrowsAndIsUndone() {
        // A request hakmem refuses (larger than any mapping the OS grants) goes through Arrow's
        // accounting, fails in the manager as Arrow's OutOfMemoryException, and is undone.
        try (BufferAllocator root = exactRoot(Long.MAX_VALUE)) {
            long live0 = live();
            long absurd = 1L << 60;
            OutOfMemoryException e = assertThrows(OutOfMemoryException.class, () -> root.buffer(absurd));
            assertTrue(e.getMessage().startsWith("hakmem could not allocate " + absurd + " bytes: "), e.getMessage());
            assertInstanceOf(OutOfMemoryError.class, e.getCause());
            assertEquals(0, root.getAllocatedMemory());
            assertEquals(live0, live());
            ArrowBuf ok = root.buffer(100);
            ok.close();
        }
    }

    @Test
    void buffersFreedOnOtherThreads() throws Exception {
        // Producers allocate under their own child allocators; a consumer thread releases.
        try (BufferAllocator root = root(Long.MAX_VALUE)) {
            long live0 = live();
            BlockingQueue<ArrowBuf> queue = new ArrayBlockingQueue<>(64);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            int producers = 2;
            int perProducer = 5_000;
            List<Thread> threads = new ArrayList<>();
            List<BufferAllocator> children = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                BufferAllocator child = root.newChildAllocator("p" + p, 0, Long.MAX_VALUE);
                children.add(child);
                int seed = p;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < perProducer; i++) {
                            ArrowBuf b = child.buffer(64 + (i * 37 + seed) % 8000);
                            b.setInt(0, i);
                            queue.put(b);
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            Thread consumer = Thread.ofPlatform().start(() -> {
                try {
                    for (int n = 0; n < producers * perProducer; n++) {
                        ArrowBuf b = queue.take();
                        b.getInt(0);
                        b.close();
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            for (Thread t : threads) {
                t.join();
            }
            consumer.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (BufferAllocator c : children) {
                assertEquals(0, c.getAllocatedMemory());
                c.close();
            }
            assertEquals(0, root.getAllocatedMemory());
            assertEquals(live0, live());
        }
    }
}
