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
        assertEquals(1, o.forks());
        assertTrue(o.out().startsWith(Path.of("results")), o.out().toString());
    }

    @Test
    void hakmemWithoutLendingIsAVariantRunOnlyWhenNamed() {
        assertTrue(!Allocators.NAMES.contains("hakmem-nolend"), "not in the default runs");
        assertEquals(List.of("hakmem", "hakmem-nolend"),
                LaunchOptions.parse("--suite", "memory", "--allocators", "hakmem,hakmem-nolend").allocators());
        assertEquals(List.of("-Dhakmem.lend=false"), Allocators.jvmOptions("hakmem-nolend"), "its forks turn lending off");
        assertEquals(List.of(), Allocators.jvmOptions("hakmem"));
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--allocators", "hakmem-lent"));
    }

    @Test
    void forksRunEveryCaseInSeveralFreshJvms() {
        assertEquals(3, LaunchOptions.parse("--forks", "3").forks());
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--forks", "0"));
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--forks"));
    }

    @Test
    void quickSuiteCoversEveryDriverOfTheSpecOnce() {
        // every driver but requests, which the threads suite runs, and large-churn, run by name
        assertEquals(Drivers.names().stream().filter(d -> !d.equals("requests") && !d.equals("large-churn")).toList(),
                Suite.quick().stream().map(BenchCase::driver).toList());
        assertEquals(25, Suite.full().size());
    }

    @Test
    void aDriverOutsideTheSuiteAskedForByNameRunsOnceWithItsDefaults() {
        LaunchOptions o = LaunchOptions.parse("--allocators", "hakmem", "--drivers", "large-churn,random-mixed");
        assertEquals(List.of("large-churn", "random-mixed"), o.cases().stream().map(BenchCase::driver).toList());
        assertEquals("200000 64 42 32769 524288", o.cases().get(0).params());
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

    @Test
    void threadsSuiteRunsEachCaseOnPlatformAndVirtualThreads() {
        LaunchOptions o = LaunchOptions.parse("--suite", "threads");
        assertEquals(List.of("hakmem", "glibc", "mimalloc", "jemalloc", "tcmalloc"), o.allocators());
        assertEquals(3, o.runs());
        assertEquals(List.of("larson [2 1 1000 10000 8 1000]", "larson [2 1 1000 10000 8 1000 vt]",
                "xmalloc [1 1 64]", "xmalloc [1 1 64 vt]", "xmalloc [2 1 64]", "xmalloc [2 1 64 vt]",
                "cache-scratch [2 1000 50000]", "cache-scratch [2 1000 50000 vt]",
                "requests [64 1 16 8 64 4096]", "requests [64 1 16 8 64 4096 vt]"),
                o.cases().stream().map(BenchCase::toString).toList());
        assertEquals(Suite.threads(), o.cases());
    }

    @Test
    void threadsOptionAppliesToMultiThreadedDriversOnly() {
        LaunchOptions v = LaunchOptions.parse("--threads", "virtual");
        for (BenchCase c : v.cases()) {
            boolean mt = Drivers.byName(c.driver()).multiThreaded();
            assertEquals(mt, c.params().endsWith(" vt"), c.toString());
        }
        LaunchOptions both = LaunchOptions.parse("--drivers", "random-mixed,larson", "--threads", "both");
        assertEquals(List.of("random-mixed [10000000 256 42 16 1024]", "larson [2 1 1000 10000 8 1000]",
                "larson [2 1 1000 10000 8 1000 vt]"), both.cases().stream().map(BenchCase::toString).toList());
        LaunchOptions viaParams = LaunchOptions.parse("--drivers", "xmalloc", "--params", "xmalloc:2,1,64,vt");
        assertEquals(List.of(BenchCase.of("xmalloc", "2 1 64 vt")), viaParams.cases());
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--threads", "green"));
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--params", "random-mixed:1000,vt"));
        List<String> cmd = Fork.command(BenchCase.of("larson", "2 1 vt"), "hakmem", 1, 0, List.of());
        assertEquals(List.of("larson", "hakmem", "2", "1", "1000", "10000", "8", "1000", "vt"),
                cmd.subList(cmd.size() - 13, cmd.size() - 4));
    }

    @Test
    void aotCacheAndWarmupSuite(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path cache = java.nio.file.Files.createFile(dir.resolve("x.aot"));
        LaunchOptions o = LaunchOptions.parse("--aot-cache", cache.toString(), "--jvm-arg", "-Xss1m");
        assertEquals(List.of("-Xss1m", "-XX:AOTCache=" + cache, "-XX:AOTMode=on"), o.forkJvmArgs());
        assertEquals(List.of("-Xss1m"), LaunchOptions.parse("--jvm-arg", "-Xss1m").forkJvmArgs());
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--aot-cache", dir.resolve("none.aot").toString()));

        LaunchOptions w = LaunchOptions.parse("--suite", "warmup");
        assertEquals("warmup", w.suiteName());
        assertEquals(List.of("hakmem", "glibc"), w.allocators());
        assertEquals(5, w.runs());
        assertEquals(2.0, w.warmupSeconds());
        assertEquals(10, w.windowMs());
        assertTrue(w.cases().isEmpty());
        LaunchOptions w2 = LaunchOptions.parse("--suite", "warmup", "--runs", "2", "--seconds", "4", "--window-ms", "20");
        assertEquals(2, w2.runs());
        assertEquals(4.0, w2.warmupSeconds());
        assertEquals(20, w2.windowMs());
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--suite", "nope"));
        assertThrows(IllegalArgumentException.class, () -> LaunchOptions.parse("--suite", "warmup", "--seconds", "0.01"));
    }

    @Test
    void aStaleCacheIsNoticed(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path jar = java.nio.file.Files.createFile(dir.resolve("a.jar"));
        Path cache = java.nio.file.Files.createFile(dir.resolve("x.aot"));
        java.nio.file.Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        java.nio.file.Files.setLastModifiedTime(cache, java.nio.file.attribute.FileTime.fromMillis(2_000_000));
        String cp = jar + java.io.File.pathSeparator + dir.resolve("classes");
        assertTrue(dev.hakmem.bench.warmup.AotCache.staleness(cache, cp).isEmpty());
        java.nio.file.Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(3_000_000));
        assertTrue(dev.hakmem.bench.warmup.AotCache.staleness(cache, cp).orElseThrow().contains("a.jar is newer"));
    }
}
