package dev.hakmem.bench.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --suite warmup} forks real JVMs (tiny: 0.1 s each) and writes its CSVs, chart and report.
 * (hakmem is left out, and with it the aot-cache variant, whose cache takes a training run.)
 */
class WarmupSuiteEndToEndTest {

    @Test
    @Timeout(120)
    void forksAndWritesCsvChartAndReport(@TempDir Path out) throws Exception {
        String[] args = {"--suite", "warmup", "--allocators", "glibc,null", "--runs", "1", "--seconds", "0.1",
                "--out", out.toString()};
        int status = dev.hakmem.bench.LauncherAccess.run(args);
        assertEquals(0, status);
        List<String> csv = Files.readAllLines(out.resolve("warmup.csv"));
        assertEquals("allocator,variant,window_ms,ops,mops_per_sec", csv.get(0));
        assertEquals(1 + 2 * 10, csv.size(), csv.toString());
        assertTrue(csv.get(1).startsWith("glibc,no-cache,0,"), csv.get(1));
        assertTrue(Files.size(out.resolve("warmup.png")) > 1000);
        assertTrue(Files.size(out.resolve("warmup-cumulative.png")) > 1000);
        assertTrue(Files.readAllLines(out.resolve("warmup-jvms.csv")).size() == 3);
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("| glibc | no-cache | 1 |"), report);
    }
}
