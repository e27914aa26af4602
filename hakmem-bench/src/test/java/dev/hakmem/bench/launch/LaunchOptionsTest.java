package dev.hakmem.bench.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.driver.Drivers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The launcher's command line and suites. */
class LaunchOptionsTest {

    @Test
    void defaultIsTheQuickSuiteOnEveryAllocator() {
        LaunchOptions o = LaunchOptions.parse();
        assertEquals(Suite.quick(), o.cases());
        assertEquals(Allocators.NAMES, o.allocators());
        assertEquals(3, o.runs());
        assertEquals(1, o.warmup());
        assertTrue(o.out().startsWith(Path.of("results")), o.out().toString());
    }

    @Test
    void quickSuiteCoversEveryDriverOnce() {
        assertEquals(Drivers.names(), Suite.quick().stream().map(BenchCase::driver).toList());
        assertEquals(25, Suite.full().size());
    }

    @Test
    void issueTwoSelection() {
        LaunchOptions o = LaunchOptions.parse("--allocators", "hakmem,glibc", "--drivers", "random-mixed,tiny-hot");
        assertEquals(List.of("hakmem", "glibc"), o.allocators());
        assertEquals(List.of("random-mixed", "tiny-hot"), o.cases().stream().map(BenchCase::driver).toList());
    }

    @Test
    void paramsReplaceADriversCases() {
        LaunchOptions o = LaunchOptions.parse("--full", "--drivers", "random-mixed,tiny-hot",
                "--params", "random-mixed:1000,64/2000,128,7", "--runs", "5", "--warmup", "0", "--out", "x");
        assertEquals(List.of(BenchCase.of("random-mixed", "1000 64 42 16 1024"),
                BenchCase.of("random-mixed", "2000 128 7 16 1024"),
                BenchCase.of("tiny-hot", "16 100 60000"), BenchCase.of("tiny-hot", "64 100 60000")), o.cases());
        assertEquals(5, o.runs());
        assertEquals(0, o.warmup());
        assertEquals(Path.of("x"), o.out());
    }

    @Test
    void badCommandLinesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--allocators", "hakmem,nope"));
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--drivers", "nope"));
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--runs", "0"));
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--params", "tiny-hot:a"));
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--bogus"));
    }

    @Test
    void forkCommandUsesThisJavaAndClassPath() {
        List<String> cmd = Fork.command(BenchCase.of("tiny-hot", "16 10 10"), "netty-pooled", 3, 1, List.of("-Xss1m"));
        assertTrue(cmd.get(0).startsWith(System.getProperty("java.home")), cmd.toString());
        assertTrue(cmd.contains("--enable-native-access=ALL-UNNAMED"), cmd.toString());
        assertTrue(cmd.contains("-Dio.netty.leakDetection.level=disabled"), cmd.toString());
        assertTrue(cmd.contains("-Xss1m"), cmd.toString());
        assertEquals(List.of("dev.hakmem.bench.DriverMain", "tiny-hot", "netty-pooled", "16", "10", "10",
                "--runs", "3", "--warmup", "1"), cmd.subList(cmd.size() - 10, cmd.size()));
    }
}
