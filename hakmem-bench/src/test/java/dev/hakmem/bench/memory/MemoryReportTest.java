package dev.hakmem.bench.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.bench.report.MachineInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Result lines, the CSV files, medians, the report and the chart. */
class MemoryReportTest {

    private static final long MIB = 1024;

    /** A result with baseline 500 MiB, peak live 100 MiB, and the given peak/after-free/after-trim MiB above the baseline. */
    static MemoryResult result(String driver, String allocator, int fork, double peakMiB, double freeMiB, double trimMiB) {
        long base = 500 * MIB;
        return new MemoryResult(driver, allocator, fork, base, base + (long) (peakMiB * MIB), 100L << 20,
                base + (long) (freeMiB * MIB), trimMiB < 0 ? -1 : base + (long) (trimMiB * MIB),
                allocator.equals("netty-adaptive") ? MemoryResult.NO_TRIM : allocator.equals("jemalloc")
                        ? "mallctl(\"arena.4096.purge\")" : "trim()", 12_345, 1000 + fork);
    }

    @Test
    void resultLineRoundTripsAndDerivesTheFigures() {
        MemoryResult r = result("frag-refill", "jemalloc", 2, 120, 10, 2);
        MemoryResult back = MemoryResult.parse(r.toLine());
        assertEquals(r, back);
        assertEquals(1.2, r.peakRssOverLive(), 1e-9);
        assertEquals(120.0, r.peakRssMiB(), 1e-9);
        assertEquals(100.0, r.peakLiveMiB(), 1e-9);
        assertEquals(10.0, r.afterFreeMiB(), 1e-9);
        assertEquals(2.0, r.afterTrimMiB(), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> MemoryResult.parse("RESULT\tx"));
        assertThrows(IllegalArgumentException.class, () -> MemoryResult.parse(r.toLine().replace("\t12345\t", "\tx\t")));
    }

    @Test
    void csvFilesHoldOneRowPerJvmAndPerSample(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("results.csv");
        MemoryCsv.createResults(results);
        MemoryCsv.appendResult(results, result("frag-refill", "jemalloc", 1, 120, 10, 2));
        MemoryCsv.appendResult(results, result("frag-remote", "netty-adaptive", 1, 150, 40, -1));
        List<String> lines = Files.readAllLines(results);
        assertEquals(MemoryCsv.RESULTS_HEADER, lines.get(0));
        assertEquals(List.of("frag-refill", "jemalloc", "1", "1.2000", "120.00", "100.00", "10.00", "2.00",
                "mallctl(\"arena.4096.purge\")", "500.00", "12.345", "1001"), MemoryCsv.split(lines.get(1)));
        assertEquals("", MemoryCsv.split(lines.get(2)).get(7), "no trim: empty cell");
        assertEquals("n/a", MemoryCsv.split(lines.get(2)).get(8));
        assertEquals(3, lines.size());

        Path series = dir.resolve("series.csv");
        MemoryCsv.createSeries(series);
        MemoryCsv.appendSeries(series, new Series("server-day", "glibc", 3, 1000, new long[][] {{0, 0, 1000}, {1500, 3L << 20, 1000 + 5 * 1024}}));
        assertEquals(List.of(MemoryCsv.SERIES_HEADER, "0.000,server-day,glibc,3,0.000,0.000",
                "1.500,server-day,glibc,3,3.000,5.000"), Files.readAllLines(series));
        assertEquals(List.of("a,b", "c", ""), MemoryCsv.split(MemoryCsv.field("a,b") + ",c,"));
    }

    @Test
    void mediansPerDriverAndAllocator() {
        List<MemoryResult> rs = List.of(
                result("frag-refill", "hakmem", 1, 110, 5, 1), result("frag-refill", "glibc", 1, 130, 100, 3),
                result("frag-refill", "hakmem", 2, 140, 9, 2), result("frag-refill", "glibc", 2, 150, 120, 4),
                result("frag-refill", "hakmem", 3, 120, 30, 3), result("frag-refill", "glibc", 3, 135, 90, 5),
                result("server-day", "hakmem", 1, 200, 20, 10), result("server-day", "netty-adaptive", 1, 150, 40, -1));
        List<MemoryReport.Summary> s = MemoryReport.summarize(rs);
        assertEquals(List.of("frag-refill/hakmem", "frag-refill/glibc", "server-day/hakmem", "server-day/netty-adaptive"),
                s.stream().map(x -> x.driver() + "/" + x.allocator()).toList());
        MemoryReport.Summary h = s.get(0);
        assertEquals(3, h.jvms());
        assertEquals(1.2, h.ratio(), 1e-9);
        assertEquals(9.0, h.afterFreeMiB(), 1e-9);
        assertEquals(2.0, h.afterTrimMiB(), 1e-9);
        assertTrue(Double.isNaN(s.get(3).afterTrimMiB()));
        assertEquals(3, MemoryReport.medianRun(rs.subList(0, 6).stream().filter(r -> r.allocator().equals("hakmem")).toList()).fork());

        String targets = MemoryReport.targets(s, List.of("frag-refill", "server-day"));
        assertTrue(targets.contains("| frag-refill | 3 | yes 1.200 | yes (glibc 1.350) | yes 9.0 | yes 2.0 |"), targets);
        assertTrue(targets.contains("| server-day | 1 | **no** 2.000 | **no** (netty-adaptive 1.500) | **no** 20.0 | **no** 10.0 |"), targets);

        String table = MemoryReport.table(s);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("frag-refill  hakmem") && l.contains("1.200") && l.contains("9.0")), table);

        String md = MemoryReport.markdown(s, new MemoryReport.Context("Launcher --suite memory", "1 fork",
                MachineInfo.current(), Map.of("frag-refill", "one thread: ..."), Map.of("frag-refill", "memory-frag-refill.png"),
                List.of("a note"), 3000, List.of(
                        new MemoryReport.PhaseRun("frag-refill", "hakmem", List.of("build", "round 1"), new double[] {1.04, 1.2}),
                        new MemoryReport.PhaseRun("frag-refill", "hakmem", List.of("build", "round 1"), new double[] {1.0, Double.NaN}),
                        new MemoryReport.PhaseRun("frag-refill", "hakmem", List.of("build", "round 1"), new double[] {1.1, 1.4}),
                        new MemoryReport.PhaseRun("frag-refill", "glibc", List.of("build", "round 1"), new double[] {0.99, 1.01}))));
        assertTrue(md.contains("| allocator | build | round 1 |\n|---|---:|---:|\n| **hakmem** | 1.04 | 1.30 |\n| glibc | 0.99 | 1.01 |\n"), md);
        assertTrue(md.indexOf("| glibc | 0.99 | 1.01 |") < md.indexOf("![frag-refill]"), "phase table before the chart: " + md);
        assertTrue(md.contains("## Overview: peak RSS / live"), md);
        assertTrue(md.contains("| **hakmem** | 1.20 | 2.00 |"), md);
        assertTrue(md.contains("| **hakmem** | 3 | 1.200 | 120.0 | 100.0 | 9.0 | 2.0 | `trim()` | 12.3 |"), md);
        assertTrue(md.contains("| netty-adaptive | 1 | 1.500 | 150.0 | 100.0 | 40.0 | - | `n/a` | 12.3 |"), md);
        assertTrue(md.contains("![frag-refill](memory-frag-refill.png)"), md);
        assertTrue(md.contains("3.0 s after the last free"), md);
        assertTrue(md.contains("- a note"), md);
    }

    @Test
    void chartIsAPng(@TempDir Path dir) throws Exception {
        long[][] a = new long[50][];
        long[][] b = new long[50][];
        for (int i = 0; i < 50; i++) {
            a[i] = new long[] {i * 50L, (long) i << 20, 1000 + i * 1400L};
            b[i] = new long[] {i * 50L, (long) i << 20, 2000 + i * 1100L};
        }
        Path png = MemoryChart.write("frag-refill", "", List.of(new Series("frag-refill", "hakmem", 1, 1000, a),
                new Series("frag-refill", "glibc", 1, 2000, b)), dir);
        assertEquals("memory-frag-refill.png", png.getFileName().toString());
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 5000, "size " + bytes.length);
        assertEquals((byte) 0x89, bytes[0]);
        assertEquals('P', bytes[1]);
    }
}
