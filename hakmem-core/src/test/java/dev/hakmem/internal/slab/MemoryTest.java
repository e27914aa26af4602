package dev.hakmem.internal.slab;

import dev.hakmem.Hakmem;
import dev.hakmem.Stats;
import dev.hakmem.internal.os.Os;
import dev.hakmem.testing.ChildJvm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Memory given back (decay, trim), the mapped-memory limit and OS failures. */
class MemoryTest {

    private static Map<String, String> parse(String out) {
        Map<String, String> m = new HashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("WARNING")) {
                m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return m;
    }

    @AfterEach
    void noInjector() {
        Os.setFaultInjector(null);
    }

    /**
     * Freed memory goes back to the OS by itself: 3 s after freeing ~3.6 GiB of mixed blocks, with
     * no call, the process's RSS is within 16 MiB of the baseline, and so is what hakmem's own
     * mappings (SuperSlab reservation and shadow bitmaps) still hold resident.
     */
    @Test
    void decayReturnsMemoryWithoutACall() throws Exception {
        // The JVM's own memory is kept out of the figure: no MBean server (hakmem registers its
        // MXBean ~2 s after start-up), the JVM trims its glibc heap (freed JIT compiler arenas,
        // ~8 MiB after this workload) as a long-running service would, and a fixed, pre-touched
        // Java heap does not grow by the young regions the run fills (~5 MiB).
        var r = ChildJvm.of(MemoryChild.class)
                .jvmArgs(List.of("-Dhakmem.jmx=false", "-XX:TrimNativeHeapInterval=500", "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"))
                .args("decay").run();
        Map<String, String> m = parse(r.output());
        assertEquals(0, r.exit(), r.output());
        long base = Long.parseLong(m.get("baseKiB"));
        long peak = Long.parseLong(m.get("peakKiB"));
        long after = Long.parseLong(m.get("afterKiB"));
        long own = Long.parseLong(m.get("ownAfterKiB"));
        System.out.println("decay: " + r.output().replace('\n', ' '));
        assertTrue(peak - base > 200 << 10, "the workload did touch its memory: " + r.output());
        assertTrue(own <= 16 << 10, "hakmem's mappings hold " + own + " KiB resident 3 s after freeing everything");
        assertTrue(after - base <= 16 << 10, "RSS 3 s after freeing everything is " + (after - base) + " KiB above baseline: " + m.get("grown"));
    }

    /** Peak RSS over peak requested live bytes on a mixed workload that frees half its blocks and refills. */
    @Test
    void peakRssStaysCloseToLiveBytes() throws Exception {
        var r = ChildJvm.of(MemoryChild.class).jvmArgs(List.of("-Dhakmem.jmx=false")).args("ratio").run();
        Map<String, String> m = parse(r.output());
        assertEquals(0, r.exit(), r.output());
        double ratio = Double.parseDouble(m.get("ratio"));
        System.out.println("ratio: " + r.output().replace('\n', ' '));
        assertTrue(ratio <= 1.25, "peak RSS / peak live = " + ratio);
    }

    @Test
    void limitGivesOutOfMemoryErrorAndRecovers() throws Exception {
        var r = ChildJvm.of(MemoryChild.class).jvmArgs(List.of("-Dhakmem.maxMemory=64m")).args("limit").run();
        Map<String, String> m = parse(r.output());
        assertEquals(0, r.exit(), r.output());
        assertTrue(Long.parseLong(m.get("mapped")) <= 64L << 20, r.output());
        assertTrue(Long.parseLong(m.get("blocks")) > 40_000, "most of 64 MiB was usable: " + r.output());
        assertTrue(m.get("message").contains("hakmem.maxMemory"), r.output());
        assertTrue(m.get("hugeMessage").contains("hakmem.maxMemory"), r.output());
        assertEquals("true", m.get("recovered"));
    }

    /**
     * New spans of a small class in steady use come resident in one madvise(MADV_POPULATE_WRITE)
     * (Linux 5.14+), so do those of blocks of 4-32 KiB once a full span of theirs is resident all
     * over; a heap's first span of the class and spans of blocks above a page that the user
     * writes in part stay unpopulated; hakmem.prefault=false turns it off.
     */
    @Test
    void busySmallClassesArePrefaulted() throws Exception {
        assumePopulateWrite();
        Map<String, String> on = parse(runPrefault(true));
        assertEquals("0", on.get("firstSpanPopulates"), on.toString());
        assertEquals("0", on.get("firstSpanResidentPages"), "the first span is not populated: " + on);
        assertTrue(Long.parseLong(on.get("smallPopulates")) >= 3, "spans 2-5 are populated: " + on);
        assertEquals(on.get("spanPages"), on.get("lastSpanResidentPages"), "the last span is resident, unwritten: " + on);
        assertEquals("0", on.get("largePopulates"), "8 KiB blocks never written: " + on);
        assertTrue(Long.parseLong(on.get("writtenPopulates")) >= 3, "12 KiB blocks written all over, spans 2-5: " + on);
        assertEquals("0", on.get("partlyWrittenPopulates"), "20 KiB blocks written on one page: " + on);
        assertEquals(on.get("smallPopulates"), on.get("statsPopulates"), "Stats.populateCalls: " + on);
        Map<String, String> off = parse(runPrefault(false));
        assertEquals("0", off.get("smallPopulates"), off.toString());
        assertEquals("0", off.get("lastSpanResidentPages"), off.toString());
        assertEquals("0", off.get("writtenPopulates"), off.toString());
    }

    /**
     * Pages a sweep purged inside a span in use come back in one populate per run of pages when a
     * refill takes blocks there again, not a fault per page at the first writes; without
     * hakmem.prefault they stay out until written.
     */
    @Test
    void purgedPagesArePopulatedWhenTakenAgain() throws Exception {
        assumePopulateWrite();
        Map<String, String> on = parse(runPrefault(true, "refill-purged"));
        assertEquals("1", on.get("residentAfterTrim"), "the sweep purged every free page: " + on);
        assertEquals("255", on.get("takenFromSpan"), "the refills took the span's free blocks: " + on);
        assertEquals(on.get("spanPages"), on.get("residentAfterRefill"), "taken blocks' pages populated: " + on);
        long calls = Long.parseLong(on.get("refillPopulates"));
        assertTrue(calls >= 1 && calls <= 4, "one call per refill at most (4 refills of 64): " + on);
        Map<String, String> off = parse(runPrefault(false, "refill-purged"));
        assertEquals("1", off.get("residentAfterTrim"), off.toString());
        assertEquals("0", off.get("refillPopulates"), off.toString());
        assertEquals("1", off.get("residentAfterRefill"), "nothing written, nothing resident: " + off);
    }

    /**
     * The shadow pages of slots the pool purges go back too, where both slots a page describes are
     * free: emptied spans of 16 KiB blocks in a SuperSlab that stays in use (its first and last
     * blocks live), then trim().
     */
    @Test
    void purgedFreeSlotsGiveTheirShadowPagesBack() throws Exception {
        var r = ChildJvm.of(MemoryChild.class).jvmArgs(List.of("-Dhakmem.jmx=false")).args("shadow-pairs").run();
        Map<String, String> m = parse(r.output());
        assertEquals(0, r.exit(), r.output());
        assertEquals("true", m.get("done"), r.output());
        assertEquals("100", m.get("blocksInSuperSlab"), r.output());
        assertTrue(Integer.parseInt(m.get("freePairsShadowBefore")) >= 10,
                "the blocks' shadow pages were resident, over at least 10 pairs that are free after the trim: " + m);
        assertEquals("0", m.get("freePairsShadowAfter"), "and went back with the slots: " + m);
        assertTrue(Integer.parseInt(m.get("usedPairs")) >= 1, m.toString());
        assertEquals(m.get("usedPairs"), m.get("usedPairsShadowAfter"), "pairs in use keep theirs: " + m);
    }

    /**
     * A large block a refill hands out comes with the part its class's smallest request covers
     * populated once blocks of the class proved written all over, and nothing past it (the class's
     * rounding); blocks written in part never are, nor any without hakmem.prefault.
     */
    @Test
    void largeBlocksWrittenAllOverArePopulatedUpToTheClassBelow() throws Exception {
        assumePopulateWrite();
        Map<String, String> on = parse(runPrefault(true, "large-fill"));
        assertTrue(Long.parseLong(on.get("writtenPopulates")) >= 14, "every refill but the first two: " + on);
        assertEquals("48", on.get("nextResidentBelowClass"), "192 KiB of the next block populated: " + on);
        assertEquals("48", on.get("nextResidentPages"), "and not the 32 KiB of rounding past them: " + on);
        assertEquals("0", on.get("headPopulates"), "blocks written on their first page: " + on);
        Map<String, String> off = parse(runPrefault(false, "large-fill"));
        assertEquals("0", off.get("writtenPopulates"), off.toString());
        assertEquals("0", off.get("nextResidentPages"), off.toString());
    }

    /** Skips on kernels before Linux 5.14, which have no MADV_POPULATE_WRITE. */
    private static void assumePopulateWrite() {
        String[] v = System.getProperty("os.version").split("[.-]");
        int kernel = Integer.parseInt(v[0]) * 100 + Integer.parseInt(v[1]);
        org.junit.jupiter.api.Assumptions.assumeTrue(kernel >= 514, "MADV_POPULATE_WRITE needs Linux 5.14, this is " + kernel);
    }

    private static String runPrefault(boolean prefault) throws Exception {
        return runPrefault(prefault, "prefault");
    }

    private static String runPrefault(boolean prefault, String command) throws Exception {
        var r = ChildJvm.of(MemoryChild.class).jvmArgs("-Dhakmem.jmx=false", "-Dhakmem.prefault=" + prefault).args(command).run();
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("done=true"), r.output());
        return r.output();
    }

    /** A refused mmap is an OutOfMemoryError, charges nothing, and the next call works. */
    @Test
    void failedMmapIsOutOfMemoryAndLeaksNothing() {
        Hakmem.free(Hakmem.malloc(8));  // start-up (the address-space reservation) before any injected failure
        Hakmem.trim();  // nothing cached: the next SuperSlab needs an mmap
        Stats before = Hakmem.stats();
        Os.setFaultInjector((op, addr, len) -> !op.equals("mmap"));
        OutOfMemoryError huge = assertThrows(OutOfMemoryError.class, () -> Hakmem.malloc(10L << 20));
        assertTrue(huge.getMessage().contains("mmap"), huge.getMessage());
        OutOfMemoryError slab = assertThrows(OutOfMemoryError.class, () -> Hakmem.alignedAlloc(2 << 20, 2 << 20));
        assertNotNull(slab.getMessage());
        Stats during = Hakmem.stats();
        assertEquals(before.mappedBytes(), during.mappedBytes(), "a failed mmap charged the budget");
        assertEquals(before.liveBytes(), during.liveBytes());
        Os.setFaultInjector(null);
        long a = Hakmem.malloc(10L << 20);
        long b = Hakmem.alignedAlloc(2 << 20, 2 << 20);
        Hakmem.free(a);
        Hakmem.free(b);
    }

    /** trim() gives cached SuperSlabs and free resident slabs back at once. */
    @Test
    void trimReturnsEverythingFree() {
        long[] a = new long[30_000];
        for (int i = 0; i < a.length; i++) {
            a[i] = Hakmem.malloc(1000);
        }
        for (long x : a) {
            Hakmem.free(x);
        }
        Stats before = Hakmem.stats();
        Hakmem.trim();
        Stats after = Hakmem.stats();
        assertTrue(after.mappedBytes() < before.mappedBytes(), before.mappedBytes() + " -> " + after.mappedBytes());
        assertTrue(after.munmapCalls() + after.madviseCalls() > before.munmapCalls() + before.madviseCalls());
    }
}
