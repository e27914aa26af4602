package dev.hakmem.bench.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** results.csv, the medians, report.md, the terminal table and the charts. */
class ReportTest {

    private static final String PARAMS = "1000 256 42 16 1024";

    private static List<ResultRow> rows() {
        return List.of(
                new ResultRow("random-mixed", PARAMS, "hakmem", 1, 40e6, 25, 100, 10, 3L, 1L, 0L, 4L << 20),
                new ResultRow("random-mixed", PARAMS, "hakmem", 2, 50e6, 20, 300, 30, 5L, 1L, 2L, 4L << 20),
                new ResultRow("random-mixed", PARAMS, "hakmem", 3, 60e6, 16.7, 200, 20, 4L, 1L, 1L, 4L << 20),
                new ResultRow("random-mixed", PARAMS, "glibc", 1, 100e6, 10, 100, 0, null, null, null, null),
                new ResultRow("random-mixed", PARAMS, "glibc", 2, 20e6, 50, 100, 0, null, null, null, null),
                new ResultRow("random-mixed", PARAMS, "glibc", 3, 25e6, 40, 100, 0, null, null, null, null),
                new ResultRow("random-mixed", PARAMS, "null", 1, 500e6, 2, 0, 0, null, null, null, null),
                new ResultRow("tiny-hot", "16 100 60000", "glibc", 1, 70e6, 14.3, 0, 0, null, null, null, null));
    }

    @Test
    void csvHeaderIsExact() throws Exception {
        assertEquals("driver,params,allocator,run,ops_per_sec,ns_per_op,rss_peak_kib,rss_end_kib,mmap_calls,munmap_calls,madvise_calls",
                ResultsCsv.HEADER);
    }

    @Test
    void csvWritesHeaderRowsAndBlanksAndReadsThemBack(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("results.csv");
        ResultsCsv.create(csv);
        ResultsCsv.append(csv, rows());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(ResultsCsv.HEADER, lines.get(0));
        assertEquals(1 + rows().size(), lines.size());
        assertEquals("random-mixed,1000 256 42 16 1024,hakmem,1,40000000.0,25.000,100,10,3,1,0", lines.get(1));
        assertEquals("random-mixed,1000 256 42 16 1024,glibc,1,100000000.0,10.000,100,0,,,", lines.get(4));
        for (String line : lines) {
            assertEquals(11, line.split(",", -1).length, line);
        }
        List<ResultRow> back = ResultsCsv.read(csv);
        assertEquals(rows().size(), back.size());
        assertEquals(rows().get(0).opsPerSec(), back.get(0).opsPerSec());
        assertEquals(null, back.get(3).mmapCalls());
    }

    @Test
    void mediansAndRatiosToHakmem() {
        List<CaseSummary> cases = CaseSummary.of(rows());
        assertEquals(2, cases.size());
        CaseSummary rm = cases.get(0);
        assertEquals(List.of("hakmem", "glibc", "null"), rm.lines().stream().map(CaseSummary.Line::allocator).toList());
        assertEquals(50e6, rm.line("hakmem").opsPerSec());
        assertEquals(25e6, rm.line("glibc").opsPerSec());
        assertEquals(200, rm.line("hakmem").rssPeakKiB());
        assertEquals(4L, rm.line("hakmem").mmapCalls());
        assertEquals(null, rm.line("glibc").mmapCalls());
        assertEquals(0.5, rm.ratioToHakmem("glibc"), 1e-12);
        assertEquals(1.0, rm.ratioToHakmem("hakmem"), 1e-12);
        assertTrue(Double.isNaN(cases.get(1).ratioToHakmem("glibc")), "no hakmem, no ratio");
        assertArrayEquals(new double[] {2.5}, new double[] {Median.of(new double[] {4, 1, 2, 3})});
    }

    @Test
    void reportStatesMachineMediansRatiosChartsAndNotes() {
        MachineInfo machine = MachineInfo.current();
        String md = ReportWriter.render(CaseSummary.of(rows()), new ReportWriter.Context("T", "Launcher --quick",
                "quick suite", machine, Map.of("random-mixed " + PARAMS, "chart-x.png"), List.of("a note")));
        assertTrue(md.startsWith("# T\n"), md);
        assertTrue(md.contains(machine.cpuModel()) && md.contains(machine.kernel()) && md.contains("JDK "), md);
        assertTrue(md.contains("## random-mixed `" + PARAMS + "`"), md);
        assertTrue(md.contains("| **hakmem** | 50.00 | 20.00 | 1.00x | 0.2 | 0.0 | 4 | 1 | 1 | 3 |"), md);
        assertTrue(md.contains("| glibc | 25.00 | 40.00 | 0.50x |"), md);
        assertTrue(md.contains("![random-mixed](chart-x.png)"), md);
        assertTrue(md.contains("- a note"), md);
        assertTrue(machine.cores() > 0 && machine.ramGiB() > 0, machine.toString());
    }

    @Test
    void terminalTableHasEveryAllocator() {
        String table = MediansTable.render(CaseSummary.of(rows()));
        assertTrue(table.contains("random-mixed [" + PARAMS + "]"), table);
        assertTrue(table.contains("0.50x"), table);
        assertTrue(table.contains("null"), table);
    }

    @Test
    void chartIsAPngFile(@TempDir Path dir) throws Exception {
        for (CaseSummary c : CaseSummary.of(rows())) {
            Path png = ChartWriter.write(c, dir);
            assertEquals(ChartWriter.fileName(c), png.getFileName().toString());
            byte[] bytes = Files.readAllBytes(png);
            assertTrue(bytes.length > 1000, "chart has content");
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4));
        }
    }

    @Test
    void overviewGivesHakmemOverEachPeerWithTheSlowerCellsInBold() {
        List<CaseSummary> cases = CaseSummary.of(List.of(
                new ResultRow("larson", "2 1", "hakmem", 1, 60e6, 16.7, 0, 0, null, null, null, null),
                new ResultRow("larson", "2 1", "glibc", 1, 30e6, 33.3, 0, 0, null, null, null, null),
                new ResultRow("larson", "2 1", "mimalloc", 1, 80e6, 12.5, 0, 0, null, null, null, null),
                new ResultRow("larson", "2 1", "null", 1, 500e6, 2, 0, 0, null, null, null, null),
                new ResultRow("xmalloc", "1 1 64", "hakmem", 1, 40e6, 25, 0, 0, null, null, null, null),
                new ResultRow("xmalloc", "1 1 64", "glibc", 1, 4e6, 250, 0, 0, null, null, null, null),
                new ResultRow("xmalloc", "1 1 64 vt", "hakmem", 1, 20e6, 50, 0, 0, null, null, null, null),
                new ResultRow("xmalloc", "1 1 64 vt", "mimalloc", 1, 10e6, 100, 0, 0, null, null, null, null)));
        String table = RatioOverview.table(cases);
        assertEquals("""
                | case | hakmem Mops/s | / glibc | / mimalloc |
                |---|---:|---:|---:|
                | larson | 60.00 | 2.00 | **0.75** |
                | xmalloc 1 1 64 | 40.00 | 10.00 | - |
                | xmalloc 1 1 64 vt | 20.00 | - | 2.00 |
                """, table);
        String md = ReportWriter.render(cases, new ReportWriter.Context("T", "Launcher", "s", MachineInfo.current(),
                Map.of(RatioOverview.KEY, RatioOverview.CHART), List.of()));
        assertTrue(md.contains("## Overview: hakmem / each allocator\n\n") && md.contains(table)
                && md.contains("![overview](" + RatioOverview.CHART + ")"), md);
        assertEquals("", RatioOverview.table(CaseSummary.of(List.of(rows().get(7)))), "no hakmem: no overview");
    }

    @Test
    void overviewChartIsAPngFile(@TempDir Path dir) throws Exception {
        Path png = RatioOverview.chart(CaseSummary.of(rows()), dir);
        assertEquals(RatioOverview.CHART, png.getFileName().toString());
        byte[] bytes = Files.readAllBytes(png);
        assertTrue(bytes.length > 1000, "chart has content");
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4));
        assertEquals(null, RatioOverview.chart(CaseSummary.of(List.of(rows().get(7))), dir), "no hakmem: no chart");
    }
}
