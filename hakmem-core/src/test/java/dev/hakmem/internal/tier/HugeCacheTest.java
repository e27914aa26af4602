package dev.hakmem.internal.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import dev.hakmem.internal.os.Os;
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

        // 3.5 MiB: only the 7 MiB mapping is left that fits within 2x; its tail beyond 5/4 goes back
        long c = Hakmem.malloc(3 * MiB + MiB / 2);
        assertEquals(a7, c, "the 7 MiB mapping, the only one within 2x");
        assertEquals(madvises + 1, Os.madviseCalls(), "the tail beyond 5/4 of the request is given back");

        // 1.5 MiB would go to a size class; 8 MiB is more than twice 3 MiB: a new mapping
        long d = Hakmem.malloc(8 * MiB);
        assertNotEquals(a3, d);
        assertEquals(mmaps + 1, Os.mmapCalls(), "no cached mapping fits 8 MiB");

        Hakmem.free(b);
        Hakmem.free(c);
        Hakmem.free(d);
    }

    @Test
    void theBoundEvictsTheMappingCachedLongest() {
        int n = HugeTier.CACHE_MAX + 1;
        List<Long> blocks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            blocks.add(Hakmem.malloc(3 * MiB));
        }
        long munmaps = Os.munmapCalls();
        for (long a : blocks) {
            Hakmem.free(a); // freed in order: blocks.get(0) is cached longest
        }
        assertEquals(munmaps + 1, Os.munmapCalls(), "one mapping evicted past the bound of " + HugeTier.CACHE_MAX);
        assertEquals((long) HugeTier.CACHE_MAX * 3 * MiB, HugeTier.cachedBytes());

        // every cached mapping is handed out again; the first one freed is not among them
        Set<Long> again = new HashSet<>();
        long mmaps = Os.mmapCalls();
        for (int i = 0; i < HugeTier.CACHE_MAX; i++) {
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
