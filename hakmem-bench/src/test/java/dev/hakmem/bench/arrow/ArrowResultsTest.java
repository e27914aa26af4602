package dev.hakmem.bench.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing, medians, ratios, the CSV and the tables of the arrow suite, on made-up figures. */
class ArrowResultsTest {

    static final List<String> MANAGERS = List.of("hakmem", "netty", "unsafe");

    /**
     * Runs of int-64: hakmem 3 runs at 1.2/1.0/1.1 M/s, netty 0.5 M/s, unsafe 0.8 M/s (wall time); per
     * CPU-second hakmem 1.0 M, netty 1.25 M, unsafe 0.5 M. hakmem in two JVMs.
     */
    static List<ArrowResults.Run> runs() {
        List<ArrowResults.Run> r = new ArrayList<>();
        long ops = 1_000_000;
        r.add(new ArrowResults.Run("int-64", "hakmem", 1, 1, ops, 833_333_333L, 7, 1_000_000_000L));
        r.add(new ArrowResults.Run("int-64", "hakmem", 1, 2, ops, 1_000_000_000L, 7, 1_000_000_000L));
        r.add(new ArrowResults.Run("int-64", "hakmem", 2, 1, ops, 909_090_909L, 7, 1_000_000_000L));
        r.add(new ArrowResults.Run("int-64", "netty", 1, 1, ops, 2_000_000_000L, 7, 800_000_000L));
        r.add(new ArrowResults.Run("int-64", "unsafe", 1, 1, ops, 1_250_000_000L, 7, 2_000_000_000L));
        return r;
    }

    static List<ArrowResults.Memory> memory() {
        return List.of(new ArrowResults.Memory("int-64", "hakmem", 1, 500 * 1024, 480 * 1024, 470 * 1024, 512),
                new ArrowResults.Memory("int-64", "hakmem", 2, 502 * 1024, 482 * 1024, 472 * 1024, 512),
                new ArrowResults.Memory("int-64", "netty", 1, 520 * 1024, 510 * 1024, 505 * 1024, 512),
                new ArrowResults.Memory("int-64", "unsafe", 1, 495 * 1024, 490 * 1024, 489 * 1024, 512));
    }

    @Test
    void mediansRatioAndMemory() {
        List<ArrowResults.Summary> s = ArrowResults.summarize(List.of(ArrowCase.INT_64, ArrowCase.INT_1K), MANAGERS, runs(), memory());
        assertEquals(1, s.size(), "int-1k has no results");
        ArrowResults.Summary int64 = s.get(0);
        ArrowResults.Line h = int64.lines().get("hakmem");
        assertEquals(1.1e6, h.opsPerSec(), 1);
        assertEquals(1e6, h.opsPerCpuSec(), 1e-6);
        assertEquals(2, h.jvms());
        assertEquals(501, h.peakMiB(), 1e-9);
        assertEquals(481, h.endMiB(), 1e-9);
        assertEquals(471, h.idleMiB(), 1e-9);
        assertEquals("unsafe", int64.bestOther());
        assertEquals(1.1 / 0.8, int64.ratio(), 1e-6);
        assertEquals("netty", int64.bestOtherCpu());
        assertEquals(1.0 / 1.25, int64.cpuRatio(), 1e-9);
        assertEquals(501 - 495, int64.peakDeltaMiB(), 1e-9);
        String table = ArrowResults.table(s, MANAGERS);
        assertTrue(table.contains("int-64            alloc vectors            1.1 M    500.0 k    800.0 k  1.38x unsafe   0.80x netty  501/520/495"), table);
        String report = ArrowResults.report(s, MANAGERS, "Launcher --suite arrow", "settings", "machine", List.of("arrow-rss.png"),
                List.of("a note"));
        assertTrue(report.contains("| int-64 | alloc | vectors/s | 1.1 M | 500.0 k | 800.0 k | 1.38x (vs unsafe) |"), report);
        assertTrue(report.contains("| int-64 | 1.0 M | 1.3 M | 500.0 k | 0.80x (vs netty) |"), report);
        assertTrue(report.contains("| int-64 | 501 | 520 | 495 | 481 | 510 | 490 | 471 | 505 | 489 | +6 |"), report);
        assertTrue(report.contains("![arrow-rss.png](arrow-rss.png)"), report);
        assertTrue(report.contains("- a note"), report);
    }

    @Test
    void theCeilingIsNeverTheBestOther() {
        List<ArrowResults.Run> r = new ArrayList<>(runs());
        r.add(new ArrowResults.Run("int-64", "null", 1, 1, 1_000_000, 500_000_000L, 7, 400_000_000L)); // 2 M/s, fastest
        List<ArrowResults.Memory> m = new ArrayList<>(memory());
        m.add(new ArrowResults.Memory("int-64", "null", 1, 400 * 1024, 400 * 1024, 400 * 1024, 512)); // lowest peak
        List<String> managers = List.of("hakmem", "netty", "unsafe", "null");
        ArrowResults.Summary int64 = ArrowResults.summarize(List.of(ArrowCase.INT_64), managers, r, m).get(0);
        assertEquals("unsafe", int64.bestOther());
        assertEquals("netty", int64.bestOtherCpu());
        assertEquals(1.1 / 0.8, int64.ratio(), 1e-6);
        assertEquals(501 - 495, int64.peakDeltaMiB(), 1e-9, "the ceiling's RSS is not a peer's");
        assertEquals(2e6, int64.lines().get("null").opsPerSec(), 1);
    }

    @Test
    void parsesAJvmsOutputAndRejectsFailures() {
        List<String> lines = List.of("manager hakmem: ...", "run 1: ...", "ARROW\tint-64\thakmem\t1\t200000\t100000000\t42\t150000000",
                "ARROWMEM\tint-64\thakmem\t470000\t469000\t468000\t512");
        ArrowResults.Fork f = ArrowResults.parse(lines, 3, 0);
        assertEquals(List.of(new ArrowResults.Run("int-64", "hakmem", 3, 1, 200_000, 100_000_000, 42, 150_000_000)), f.runs());
        assertEquals(new ArrowResults.Memory("int-64", "hakmem", 3, 470000, 469000, 468000, 512), f.memory());
        assertEquals(2e6, f.runs().get(0).opsPerSec(), 1e-6);
        assertEquals(200_000 / 0.15, f.runs().get(0).opsPerCpuSec(), 1e-6);

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ArrowResults.parse(List.of("Exception in thread \"main\" java.lang.IllegalStateException: boom"), 1, 1));
        assertEquals("exit status 1: Exception in thread \"main\" java.lang.IllegalStateException: boom", e.getMessage());
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> ArrowResults.parse(lines.subList(0, 3), 1, 0));
        assertEquals("exit status 0: no memory line", none.getMessage());
    }

    @Test
    void checksumsMustAgree() {
        assertEquals(List.of(), ArrowResults.checksumMismatches(runs()));
        List<ArrowResults.Run> bad = new ArrayList<>(runs());
        bad.add(new ArrowResults.Run("int-64", "netty", 2, 1, 1, 1, 8, 1));
        assertEquals(List.of("checksum mismatch on int-64: [7, 8] (the managers read different values)"),
                ArrowResults.checksumMismatches(bad));
    }

    @Test
    void csvHasARowPerRunWithItsJvmsMemory(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("results.csv");
        ArrowResults.writeCsv(csv, runs(), memory());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("case,kind,unit,manager,fork,run,ops,seconds,ops_per_sec,cpu_seconds,ops_per_cpu_sec,checksum,vmhwm_kib,"
                + "rss_after_release_kib,rss_idle_kib,arrow_peak_bytes", lines.get(0));
        assertEquals(6, lines.size());
        assertEquals("int-64,alloc,vectors,hakmem,2,1,1000000,0.909091,1100000.0,1.000000,1000000.0,7,514048,493568,483328,512", lines.get(3));
    }

    @Test
    void humanRates() {
        assertEquals("12.3 M", ArrowResults.human(12.34e6));
        assertEquals("456.7 k", ArrowResults.human(456_700));
        assertEquals("89.0", ArrowResults.human(89));
        assertEquals("-", ArrowResults.human(Double.NaN));
    }
}
