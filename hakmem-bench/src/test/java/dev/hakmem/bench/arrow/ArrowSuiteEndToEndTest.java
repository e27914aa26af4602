package dev.hakmem.bench.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.bench.LauncherAccess;
import dev.hakmem.bench.launch.LaunchOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --suite arrow} for real: one case on the three managers, each in its own JVM with the
 * suite's flags (the Netty manager included), then the CSV, the report and the charts.
 */
class ArrowSuiteEndToEndTest {

    @Test
    @Timeout(180)
    void forksEachManagerAndWritesCsvReportAndCharts(@TempDir Path out) throws Exception {
        String[] args = {"--suite", "arrow", "--drivers", "int-64", "--runs", "1", "--warmup", "0", "--out", out.toString()};
        assertEquals(0, LauncherAccess.run(args));
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(4, csv.size(), csv.toString());
        assertTrue(csv.get(1).startsWith("int-64,alloc,vectors,hakmem,1,1,200000,"), csv.get(1));
        assertTrue(csv.get(2).startsWith("int-64,alloc,vectors,netty,1,1,200000,"), csv.get(2));
        assertTrue(csv.get(3).startsWith("int-64,alloc,vectors,unsafe,1,1,200000,"), csv.get(3));
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("| int-64 | alloc | vectors/s |"), report);
        assertTrue(!report.contains("checksum mismatch") && !report.contains("failed"), report);
        assertTrue(Files.size(out.resolve("arrow-throughput.png")) > 1000);
        assertTrue(Files.size(out.resolve("arrow-rss.png")) > 1000);
        String hakmemLog = Files.readString(out.resolve("logs/001-int-64-hakmem.log"));
        assertTrue(hakmemLog.contains("manager hakmem: factory HakmemAllocationManager.FACTORY, Arrow's default HakmemAllocationManager.FACTORY"),
                hakmemLog);
        assertTrue(Files.readString(out.resolve("logs/002-int-64-netty.log")).contains("-Darrow.allocation.manager.type=Netty"));
    }

    @Test
    void optionsAndBadSelections() throws Exception {
        LaunchOptions o = LaunchOptions.parse("--suite", "arrow", "--allocators", "netty,hakmem", "--forks", "3");
        assertEquals("arrow", o.suiteName());
        assertEquals(List.of("netty", "hakmem"), o.allocators());
        assertEquals(3, o.forks());
        assertEquals(3, o.runs());
        assertEquals(List.of(), LaunchOptions.parse("--suite", "arrow").allocators(), "empty: all managers");
        assertEquals(List.of(ArrowCase.INT_1K, ArrowCase.LARGE_64M),
                ArrowSuite.cases(new String[] {"--suite", "arrow", "--drivers", "int-1k,large-64m,int-1k"}));
        assertEquals(List.of(ArrowCase.values()), ArrowSuite.cases(new String[] {"--suite", "arrow"}));
        // unknown names stop the suite with status 2 before any JVM starts
        assertEquals(2, LauncherAccess.run("--suite", "arrow", "--allocators", "glibc"));
        assertEquals(2, LauncherAccess.run("--suite", "arrow", "--drivers", "random-mixed"));
    }

    @Test
    void forkCommandHasArrowsFlagsAndTheManagersDefault() {
        LaunchOptions o = LaunchOptions.parse("--suite", "arrow", "--jvm-arg", "-Dx=1", "--runs", "2", "--warmup", "0");
        List<String> cmd = ArrowSuite.command(ArrowCase.INT_1K, "unsafe", o);
        String line = String.join(" ", cmd);
        assertTrue(line.contains(" --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.access=ALL-UNNAMED "
                + "--add-opens=java.base/java.nio=ALL-UNNAMED "
                + "--sun-misc-unsafe-memory-access=allow -Darrow.allocation.manager.type=Unsafe -Xms384m -Xmx384m "
                + "-XX:+AlwaysPreTouch -Dx=1 -cp "), line);
        assertTrue(line.endsWith(" dev.hakmem.bench.arrow.ArrowMain int-1k unsafe --runs 2 --warmup 0"), line);
        assertTrue(!String.join(" ", ArrowSuite.command(ArrowCase.INT_1K, "hakmem", o)).contains("arrow.allocation.manager.type"));
    }
}
