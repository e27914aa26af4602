package dev.hakmem.bench.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.bench.report.ResultRow;
import dev.hakmem.bench.report.ResultsCsv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The launcher forks real JVMs and writes its three outputs (a tiny run, no timing checked). */
class LauncherEndToEndTest {

    @Test
    @Timeout(120)
    void forksRunsAndWritesCsvReportAndChart(@TempDir Path out) throws Exception {
        String[] args = {"--drivers", "random-mixed", "--allocators", "glibc,null", "--params",
                "random-mixed:20000,64", "--runs", "2", "--warmup", "0", "--forks", "2", "--out", out.toString()};
        int status = dev.hakmem.bench.LauncherAccess.run(args);
        assertEquals(0, status);
        List<ResultRow> rows = ResultsCsv.read(out.resolve("results.csv"));
        assertEquals(8, rows.size());
        // two JVMs of two runs each per allocator, numbered across the forks
        assertEquals(List.of(1, 2, 3, 4), rows.stream().filter(r -> r.allocator().equals("glibc")).map(ResultRow::run).sorted().toList());
        assertTrue(rows.stream().allMatch(r -> r.opsPerSec() > 0 && r.params().equals("20000 64 42 16 1024")));
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("## random-mixed `20000 64 42 16 1024`"), report);
        assertTrue(Files.size(out.resolve("chart-random-mixed_20000-64-42-16-1024.png")) > 1000);
        assertTrue(Files.isDirectory(out.resolve("logs")));
    }
}
