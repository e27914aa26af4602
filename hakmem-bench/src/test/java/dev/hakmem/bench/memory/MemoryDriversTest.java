package dev.hakmem.bench.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.Hakmem;
import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.Allocators;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every memory driver at a tiny scale, in this JVM, on real allocators: it allocates, and it frees everything. */
class MemoryDriversTest {

    /** About 1-1.5 MiB of working set; the time-driven drivers run 0.3 and 0.5 s. */
    static final MemorySettings TINY = new MemorySettings(0.002, 0.03, 100, 10, 42);

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "frag-refill, hakmem", "frag-refill, glibc",
        "frag-phases, hakmem", "frag-phases, glibc",
        "frag-remote, hakmem", "frag-remote, glibc", "frag-remote, netty-pooled",
        "server-day, hakmem", "server-day, glibc", "server-day, netty-adaptive"})
    @Timeout(60)
    void runsAndFreesEverything(String driverName, String allocatorName) throws Exception {
        MemoryDriver driver = MemoryDrivers.byName(driverName);
        Allocator allocator = Allocators.create(allocatorName);
        long hakmemLiveBefore = Hakmem.stats().liveBytes();
        MemoryMain.Run run = MemoryMain.run(driver, allocator, TINY, 1);
        MemoryResult r = run.result();
        assertEquals(driverName, r.driver());
        assertEquals(allocatorName, r.allocator());
        assertTrue(r.peakLiveBytes() > 200_000, "peak live " + r.peakLiveBytes());
        assertTrue(r.allocations() > 100, "allocations " + r.allocations());
        assertTrue(r.baselineKiB() > 0 && r.peakRssKiB() >= r.baselineKiB() - 4096, r.describe());
        assertTrue(run.samples().length >= 3, "samples: " + run.samples().length);
        assertEquals(0, run.samples()[run.samples().length - 1][1], "live bytes at the last sample");
        // frag-refill and frag-phases mark their phases (build or phase 1, the rounds, the free-all), in time order
        int phases = switch (driverName) {
            case "frag-refill" -> 2 + FragRefill.ROUNDS;
            case "frag-phases" -> 1 + FragPhases.PHASES.length;
            default -> 0;
        };
        assertEquals(phases, run.phases().size(), "phases " + run.phases());
        for (int i = 1; i < run.phases().size(); i++) {
            assertTrue(run.phases().get(i).ms() >= run.phases().get(i - 1).ms(), "phases " + run.phases());
        }
        if (allocatorName.equals("hakmem")) {
            // what hakmem itself counts as live is back where it was: the driver freed every block
            assertEquals(hakmemLiveBefore, Hakmem.stats().liveBytes());
            assertEquals("Hakmem.trim()", r.trim());
            assertTrue(r.afterTrimKiB() > 0);
        }
        if (allocatorName.equals("netty-adaptive")) {
            assertEquals(MemoryResult.NO_TRIM, r.trim());
            assertEquals(-1, r.afterTrimKiB());
            assertTrue(Double.isNaN(r.afterTrimMiB()));
        }
    }

    @Test
    void touchWritesEveryPageTheBlockOverlaps() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment m = arena.allocate(5 * 4096, 4096);
            long block = m.address() + 4000; // bytes 4000-12299: pages 0, 1, 2 and 3
            Blocks.touch(block, 8300, (byte) 7);
            java.util.List<Long> written = new java.util.ArrayList<>();
            for (long i = 0; i < m.byteSize(); i++) {
                if (m.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) == 7) {
                    written.add(i);
                }
            }
            assertEquals(List.of(4000L, 4096L, 8192L, 12288L, 12299L), written);
        }
    }

    @Test
    void liveBytesCountsExactlyAndKeepsThePeak() {
        LiveBytes live = new LiveBytes();
        live.allocated(100);
        live.allocated(50);
        live.freed(100);
        live.allocated(20);
        assertEquals(70, live.get());
        assertEquals(150, live.peak());
        assertEquals(3, live.allocations());
    }

    @Test
    void crewRunsOnEveryThreadAndRethrows() throws Exception {
        try (Crew crew = new Crew("t", 3)) {
            String[] names = new String[3];
            crew.runOnAll(i -> names[i] = Thread.currentThread().getName());
            assertEquals(List.of("t-0", "t-1", "t-2"), List.of(names));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> crew.runOnAll(i -> {
                if (i == 1) {
                    throw new IllegalStateException("boom on 1");
                }
            }));
            assertEquals("boom on 1", e.getMessage());
            crew.runOnAll(i -> names[i] = "again " + i); // still usable after a failure
            assertEquals("again 2", names[2]);
        }
    }

    @Test
    void sizeMixDrawsWithinItsRangesAndDescribesThem() {
        SizeMix mix = SizeMix.of(90, 16, 256, 10, 1024, 32768);
        var random = new dev.hakmem.bench.driver.Xorshift64Star(1);
        int small = 0;
        for (int i = 0; i < 10_000; i++) {
            long s = mix.draw(random);
            assertTrue((s >= 16 && s <= 256) || (s >= 1024 && s <= 32768), "size " + s);
            if (s <= 256) {
                small++;
            }
        }
        assertTrue(small > 8700 && small < 9300, "small share " + small);
        assertEquals(0.9 * 136 + 0.1 * 16896, mix.mean(), 1e-6);
        assertEquals("90 % 16-256 B, 10 % 1-32 KiB", mix.toString());
        assertEquals("272 B-1 KiB", SizeMix.of(1, 272, 1024).toString());
        assertThrows(IllegalArgumentException.class, () -> SizeMix.of(1, 16));
        assertThrows(IllegalArgumentException.class, () -> SizeMix.of(1, 300, 200));
    }

    @Test
    void serverDayShapesItsDay() {
        assertEquals(ServerDay.QUIET_LOAD, ServerDay.load(0), 1e-9);
        assertEquals(1.0, ServerDay.load(0.3), 1e-9);
        assertEquals(ServerDay.QUIET_LOAD, ServerDay.load(0.8), 1e-9);
        assertEquals(0.55, ServerDay.cacheTarget(0, 0.5), 1e-9);
        assertEquals(1.0, ServerDay.cacheTarget(3, 0.5), 1e-9);
        assertEquals(ServerDay.CACHE_QUIET, ServerDay.cacheTarget(3, 0.9), 1e-9);
        long max = 1000;
        assertEquals(100, FragRemote.target(max, 0, 0, 1000));
        assertEquals(1000, FragRemote.target(max, 500, 0, 1000));
        assertEquals(550, FragRemote.target(max, 1250, 0, 1000));
    }

    @Test
    void unknownDriverIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryDrivers.byName("frag"));
        assertTrue(e.getMessage().contains("frag-refill"), e.getMessage());
    }
}
