package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The slab owner entries the free's fast path trusts ({@link PageOwners}): they name the span's
 * owner thread and class's magazine at every block, for every class, change with the owner and
 * are cleared when the span leaves; a free that does not match them takes the checked slow path.
 */
class PageOwnersTest {

    private static long remoteFrees() {
        long n = 0;
        for (Stats.SizeClass c : Hakmem.stats().sizeClasses()) {
            n += c.remoteFrees();
        }
        return n;
    }

    @Test
    void everyClassOfOwnBlocksNamesThisThreadAndItsMagazine() {
        Thread me = Thread.currentThread();
        long[] blocks = new long[SizeClasses.COUNT * 3];
        for (int c = 0; c < SizeClasses.COUNT; c++) {
            for (int k = 0; k < 3; k++) {
                long a = Front.allocClass(c);
                blocks[c * 3 + k] = a;
                long e = PageOwners.get(a);
                Span s = SpanMap.of(a);
                assertNotNull(s);
                if (s.leases != null && SpanEntries.at(s, a) == 0) { // lending on, no gate: a lent block, or a page a lease touches
                    assertEquals(0, e, "class " + c + " block 0x" + Long.toHexString(a) + " on a page of a lease of " + s);
                    continue;
                }
                assertEquals(PageOwners.entry(me, c), e, "class " + c + " block 0x" + Long.toHexString(a));
                assertEquals(me.threadId(), PageOwners.ownerId(e));
                assertEquals(Magazines.base(c), PageOwners.magBase(e));
                assertEquals(c, Magazines.classOfBase(PageOwners.magBase(e)));
                assertTrue(s.consistent(), "span bookkeeping and entries: " + s);
            }
        }
        for (long a : blocks) {
            Hakmem.free(a);
        }
    }

    @Test
    @Timeout(60)
    void anotherThreadsBlocksNameItAndTheirFreeHereIsRemote() throws Exception {
        int n = 64;
        long[] blocks = new long[n];
        CountDownLatch ready = new CountDownLatch(1);
        CountDownLatch freed = new CountDownLatch(1);
        AtomicReference<Thread> other = new AtomicReference<>();
        Thread t = new Thread(() -> {
            other.set(Thread.currentThread());
            for (int i = 0; i < n; i++) {
                blocks[i] = Hakmem.malloc(16 + 48L * i); // tiny and mid classes
            }
            ready.countDown();
            try {
                freed.await(); // alive while this test frees its blocks: they stay its spans
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        ready.await();
        long before = remoteFrees();
        try {
            for (int i = 0; i < n; i++) {
                long e = PageOwners.get(blocks[i]);
                assertEquals(other.get().threadId(), PageOwners.ownerId(e), "block " + i);
                assertNotEquals(Thread.currentThread().threadId(), PageOwners.ownerId(e));
                Hakmem.free(blocks[i]);
            }
            assertEquals(n, remoteFrees() - before, "every free of the other thread's blocks is a remote free");
            long a = blocks[0];
            assertThrows(IllegalStateException.class, () -> Hakmem.free(a), "queued remote free, freed again");
        } finally {
            freed.countDown();
            t.join();
        }
    }

    @Test
    void aReleasedSpanHasNoOwnerEntry() {
        long a = Hakmem.malloc(1536 << 10); // a large class: one block per span
        assertEquals(PageOwners.entry(Thread.currentThread(), SpanMap.of(a).cls), PageOwners.get(a));
        Hakmem.free(a);
        Hakmem.trim(); // the parked span back to the pool: released, no owner
        Span s = SpanMap.of(a);
        long e = PageOwners.get(a);
        if (s == null || s.owner == null) {
            assertEquals(0, e, "entry of a span that left its heap (" + s + ")");
        } else {
            assertEquals(PageOwners.entry(s.ownerThread, s.cls), e, "the slab's new span: " + s);
        }
    }

    @Test
    void badFreesInOwnSpansTakeTheCheckedPath() {
        long a = Hakmem.malloc(64);
        assertThrows(IllegalArgumentException.class, () -> Hakmem.free(a + 16), "inside a live block");
        assertThrows(IllegalArgumentException.class, () -> Hakmem.free(a + 4), "not 8-byte aligned");
        Hakmem.free(a);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Hakmem.free(a), "double free");
        assertTrue(e.getMessage().contains(Long.toHexString(a)), e.getMessage());
        long b = Hakmem.malloc(64); // the allocator keeps working
        Hakmem.free(b);
    }
}
