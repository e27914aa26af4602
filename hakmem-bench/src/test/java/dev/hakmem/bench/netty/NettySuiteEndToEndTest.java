package dev.hakmem.bench.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hakmem.bench.LauncherAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --suite netty} end to end, shortened (one size, 1 s runs): real server JVMs loaded by
 * real wrk, then its files. Skipped where wrk is not installed (the test does not install it).
 * No timing is checked.
 */
class NettySuiteEndToEndTest {

    static {
        // read once, when NettySuite is first used: before any test of this class runs it
        System.setProperty("hakmem.bench.netty.sizes", "4096");
        System.setProperty("hakmem.bench.netty.connections", "4");
        System.setProperty("hakmem.bench.netty.warmupSeconds", "1");
        System.setProperty("hakmem.bench.netty.idleSeconds", "1");
        System.setProperty("hakmem.bench.netty.heap", "64m");
    }

    static boolean wrkInstalled() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "wrk"))) {
                return true;
            }
        }
        return false;
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void runsServersUnderWrkAndWritesItsFiles(@TempDir Path out) throws Exception {
        assumeTrue(wrkInstalled(), "wrk is not installed (hakmem-bench/scripts/install-wrk.sh)");
        int status = LauncherAccess.run("--suite", "netty", "--allocators", "hakmem-netty,netty-pooled", "--seconds", "1",
                "--out", out.toString());
        assertEquals(0, status);
        List<String> results = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(3, results.size(), results.toString());
        assertTrue(results.get(1).startsWith("hakmem-netty,1,4096,"), results.get(1));
        assertTrue(results.get(2).startsWith("netty-pooled,1,4096,"), results.get(2));
        for (String row : results.subList(1, 3)) {
            String[] f = row.split(",");
            assertTrue(Double.parseDouble(f[3]) > 0, row);
            assertEquals("0", f[9], "no wrk errors: " + row);
        }
        List<String> memory = Files.readAllLines(out.resolve("memory.csv"));
        assertEquals(3, memory.size());
        for (String row : memory.subList(1, 3)) {
            String[] f = row.split(",", -1);
            assertTrue(Long.parseLong(f[3]) >= Long.parseLong(f[2]) && Long.parseLong(f[4]) > 0, row);
            assertEquals("", f[5], row);
        }
        assertTrue(Files.readAllLines(out.resolve("rss.csv")).size() > 3);
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("| 4 KiB |"), report);
        for (String png : List.of("requests.png", "latency-p99.png", "rss.png", "memory.png")) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
        assertTrue(Files.isRegularFile(out.resolve("logs/wrk-hakmem-netty-fork1-4096.txt")));
    }

    @Test
    void refusesAnAllocatorItDoesNotRun(@TempDir Path out) throws Exception {
        assertEquals(2, LauncherAccess.run("--suite", "netty", "--allocators", "glibc", "--out", out.toString()));
    }
}
