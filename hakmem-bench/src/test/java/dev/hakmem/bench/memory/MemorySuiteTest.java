package dev.hakmem.bench.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.bench.launch.LaunchOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code --suite memory} end to end at a tiny scale: real forks, the three files and the chart. */
class MemorySuiteTest {

    private static final MemorySettings TINY = new MemorySettings(0.002, 0.03, 100, 10, 42);

    @Test
    @Timeout(180)
    void runsForksAndWritesResultsSeriesReportAndChart(@TempDir Path out) throws Exception {
        String[] args = {"--suite", "memory", "--drivers", "server-day", "--allocators", "hakmem,glibc,netty-adaptive",
            "--out", out.toString()};
        int status = MemorySuite.run(LaunchOptions.parse(args), args, TINY);
        assertEquals(0, status);
        List<String> results = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(MemoryCsv.RESULTS_HEADER, results.get(0));
        assertEquals(List.of("hakmem", "glibc", "netty-adaptive"),
                results.subList(1, results.size()).stream().map(l -> MemoryCsv.split(l).get(1)).toList());
        for (String row : results.subList(1, results.size())) {
            List<String> f = MemoryCsv.split(row);
            assertEquals("server-day", f.get(0));
            assertTrue(Double.parseDouble(f.get(5)) > 0, "peak live MiB in " + row);
        }
        List<String> series = Files.readAllLines(out.resolve("series.csv"));
        assertEquals(MemoryCsv.SERIES_HEADER, series.get(0));
        for (String a : List.of("hakmem", "glibc", "netty-adaptive")) {
            assertTrue(series.stream().filter(l -> l.contains(",server-day," + a + ",1,")).count() >= 3, a + " samples");
        }
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("## server-day"), report);
        assertTrue(report.contains("## Issue 16 targets"), report);
        assertTrue(report.contains("![server-day](memory-server-day.png)"), report);
        assertTrue(Files.size(out.resolve("memory-server-day.png")) > 5000);
        assertEquals(3, Files.list(out.resolve("logs")).count());
    }

    @Test
    void nettyRunsOnlyTheDriversThatFitIt() {
        assertTrue(MemorySuite.fits(MemoryDrivers.byName("frag-remote"), "netty-pooled"));
        assertTrue(MemorySuite.fits(MemoryDrivers.byName("server-day"), "netty-adaptive"));
        assertTrue(!MemorySuite.fits(MemoryDrivers.byName("frag-refill"), "netty-pooled"));
        assertTrue(MemorySuite.fits(MemoryDrivers.byName("frag-refill"), "glibc"));
    }

    @Test
    void optionsOfTheMemorySuite(@TempDir Path out) throws Exception {
        LaunchOptions o = LaunchOptions.parse("--suite", "memory");
        assertEquals(MemorySuite.ALLOCATORS, o.allocators());
        assertEquals(MemoryDrivers.ALL, MemorySuite.drivers(new String[] {"--suite", "memory"}));
        assertEquals(List.of("server-day", "frag-refill"), MemorySuite.drivers(new String[] {"--drivers", "server-day,frag-refill,server-day"})
                .stream().map(MemoryDriver::name).toList());
        assertThrows(IllegalArgumentException.class, () -> MemorySuite.drivers(new String[] {"--drivers", "random-mixed"}));
        String[] bad = {"--suite", "memory", "--drivers", "nope", "--out", out.toString()};
        assertEquals(2, MemorySuite.run(LaunchOptions.parse(bad), bad, TINY));
        String[] wrongAllocator = {"--suite", "memory", "--allocators", "null", "--out", out.toString()};
        assertEquals(2, MemorySuite.run(LaunchOptions.parse(wrongAllocator), wrongAllocator, TINY));
    }
}
