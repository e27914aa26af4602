package dev.hakmem.internal.huge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.os.Os;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The huge tier's mapping cache: best fit within twice the request, the entry bound evicting the
 * mapping cached longest, trim emptying it, and no OS call on a hit that fits closely.
 */
@SuppressWarnings("restricted")
class HugeCacheTest {

    static final long MiB = 1L << 20;

    @BeforeEach
    @AfterEach
    void emptyCache() {
        Hakmem.trim();
        assertEquals(0, HugeTier.cachedBytes(), "cache empty after trim");
    }

    @Test
    void aHitTakesTheSmallestMappingThatFits() {
        long a3 = Hakmem.malloc(3 * MiB);
        long a5 = Hakmem.malloc(5 * MiB);
        long a7 = Hakmem.malloc(7 * MiB);
        Hakmem.free(a7);
        Hakmem.free(a3);
        Hakmem.free(a5);
        assertEquals(15 * MiB, HugeTier.cachedBytes());
        long hits = HugeTier.cacheHits();
        long mmaps = Os.mmapCalls();
        long madvises = Os.madviseCalls();

        // 4 MiB: 3 is too small, 5 and 7 fit within 2x; 5 is the best fit; 5 <= 4 * 5/4: no tail to give back
        long b = Hakmem.malloc(4 * MiB);
        assertEquals(a5, b, "best fit: the 5 MiB mapping");
        assertEquals(4 * MiB, Hakmem.usableSize(b), "usable size is the request's, not the mapping's");
        assertEquals(hits + 1, HugeTier.cacheHits());
        assertEquals(mmaps, Os.mmapCalls(), "a hit maps nothing");
        assertEquals(madvises, Os.madviseCalls(), "a close fit gives no tail back");
        assertEquals(10 * MiB, HugeTier.cachedBytes());

        // 3.5 MiB: only the 7 MiB mapping is left that fits within 2x; its tail beyond 5/4 of the
        // request goes back soon after, from the decay thread, without a call; the block is intact
        long c = Hakmem.malloc(3 * MiB + MiB / 2);
        assertEquals(a7, c, "the 7 MiB mapping, the only one within 2x");
        MemorySegment seg = MemorySegment.ofAddress(c).reinterpret(Hakmem.usableSize(c));
        seg.fill((byte) 0x5A);
        long until = System.nanoTime() + 5_000_000_000L;
        while (Os.madviseCalls() == madvises && System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
        assertEquals(madvises + 1, Os.madviseCalls(), "the tail beyond 5/4 of the request is given back");
        for (long i = 0; i < seg.byteSize(); i += 4096) {
            assertEquals((byte) 0x5A, seg.get(ValueLayout.JAVA_BYTE, i), "byte " + i + " of the block");
        }
        assertEquals((byte) 0x5A, seg.get(ValueLayout.JAVA_BYTE, seg.byteSize() - 1));

        // 1.5 MiB would go to a size class; 8 MiB is more than twice 3 MiB: a new mapping
        long d = Hakmem.malloc(8 * MiB);
        assertNotEquals(a3, d);
        assertEquals(mmaps + 1, Os.mmapCalls(), "no cached mapping fits 8 MiB");

        Hakmem.free(b);
        Hakmem.free(c);
        Hakmem.free(d);
    }

    /**
     * A block grown in place into its mapping's tail before the tail's deferred purge: the purge
     * is dropped (the grown block keeps every byte written into the former tail).
     */
    @Test
    void aBlockGrownIntoItsTailKeepsItsBytes() {
        for (int round = 0; round < 20; round++) {
            long a = Hakmem.malloc(8 * MiB);
            Hakmem.free(a);
            long b = Hakmem.malloc(4 * MiB + 4096); // the 8 MiB mapping; tail beyond 5/4 pending
            assertEquals(a, b);
            long c = Hakmem.realloc(b, 8 * MiB); // grows within the mapping, over the tail
            assertEquals(b, c, "grown in place");
            MemorySegment seg = MemorySegment.ofAddress(c).reinterpret(8 * MiB);
            seg.fill((byte) round);
            try {
                Thread.sleep(20); // past the purge delay
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            for (long i = 0; i < seg.byteSize(); i += 4096) {
                assertEquals((byte) round, seg.get(ValueLayout.JAVA_BYTE, i), "round " + round + ", byte " + i);
            }
            Hakmem.free(c);
            Hakmem.trim();
        }
    }

    @Test
    void theBoundEvictsTheMappingCachedLongest() {
        int n = HugeCache.CACHE_MAX + 1;
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            blocks.add(Hakmem.malloc(3 * MiB));
        }
        long munmaps = Os.munmapCalls();
        for (long a : blocks) {
            Hakmem.free(a); // freed in order: blocks.get(0) is cached longest
        }
        assertEquals(munmaps + 1, Os.munmapCalls(), "one mapping evicted past the bound of " + HugeCache.CACHE_MAX);
        assertEquals((long) HugeCache.CACHE_MAX * 3 * MiB, HugeTier.cachedBytes());

        // every cached mapping is handed out again; the first one freed is not among them
        Set<Long> again = new HashSet<>();
        long mmaps = Os.mmapCalls();
        for (int i = 0; i < HugeCache.CACHE_MAX; i++) {
            again.add(Hakmem.malloc(3 * MiB));
        }
        assertEquals(mmaps, Os.mmapCalls(), "all served from the cache");
        assertEquals(new HashSet<>(blocks.subList(1, n)), again, "the oldest mapping was the one evicted");
        assertEquals(0, HugeTier.cachedBytes());
        for (long a : again) {
            Hakmem.free(a);
        }
        assertTrue(HugeTier.cachedBytes() > 0);
    }

    /**
     * The tail of a reused mapping is given back even when its block is freed at once (its
     * mapping is then free in the cache), and never after the mapping was unmapped (the OS may
     * have handed the range to someone else by then).
     */
    @Test
    void tailsArePurgedAfterAFreeButNeverAfterAnUnmap() throws InterruptedException {
        List<long[]> calls = java.util.Collections.synchronizedList(new ArrayList<>());
        long a = Hakmem.malloc(8 * MiB);
        Hakmem.free(a);
        long keep = 5 * MiB + 8192; // 5/4 of 4 MiB + 4 KiB, page-rounded
        try {
            Os.setFaultInjector((op, addr, len) -> {
                calls.add(new long[] {op.equals("madvise") ? 1 : op.equals("munmap") ? 2 : 0, addr, len});
                return true;
            });
            long b = Hakmem.malloc(4 * MiB + 4096);
            assertEquals(a, b);
            Hakmem.free(b);
            long until = System.nanoTime() + 5_000_000_000L;
            while (!has(calls, 1, a + keep) && System.nanoTime() - until < 0) {
                Thread.sleep(1);
            }
            assertTrue(has(calls, 1, a + keep), "the tail beyond 5/4 was purged though the block was freed first");

            List<Long> others = new ArrayList<>();
            for (int i = 0; i < HugeCache.CACHE_MAX; i++) {
                others.add(Hakmem.malloc(3 * MiB));
            }
            calls.clear();
            long c = Hakmem.malloc(4 * MiB + 4096); // the 8 MiB mapping again, a new tail pending
            assertEquals(a, c);
            Hakmem.free(c);
            for (long o : others) {
                Hakmem.free(o); // the last one evicts the 8 MiB mapping, the oldest cached
            }
            assertTrue(has(calls, 2, a), "the 8 MiB mapping was unmapped");
            Thread.sleep(50); // past the purge delay
            synchronized (calls) {
                boolean unmapped = false;
                for (long[] call : calls) {
                    unmapped |= call[0] == 2 && call[1] == a;
                    if (unmapped && call[0] == 1 && call[1] >= a && call[1] < a + 8 * MiB) {
                        throw new AssertionError("madvise at 0x" + Long.toHexString(call[1]) + " after the mapping was unmapped");
                    }
                }
            }
        } finally {
            Os.setFaultInjector(null);
        }
    }

    private static boolean has(List<long[]> calls, int op, long addr) {
        synchronized (calls) {
            for (long[] c : calls) {
                if (c[0] == op && c[1] == addr) {
                    return true;
                }
            }
            return false;
        }
    }

    @Test
    void trimUnmapsEveryCachedMapping() {
        long a = Hakmem.malloc(3 * MiB);
        long b = Hakmem.malloc(4 * MiB);
        Hakmem.free(a);
        Hakmem.free(b);
        long munmaps = Os.munmapCalls();
        Hakmem.trim();
        assertEquals(munmaps + 2, Os.munmapCalls());
        assertEquals(0, HugeTier.cachedBytes());
    }
}
