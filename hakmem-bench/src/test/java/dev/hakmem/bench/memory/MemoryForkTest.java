package dev.hakmem.bench.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hakmem.bench.alloc.PeerLibrary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Forked JVMs: each peer preloaded, with its trim resolved in it and run; the fork's options. */
class MemoryForkTest {

    private static final MemorySettings TINY = new MemorySettings(0.002, 0.03, 100, 10, 42);
    private static final Map<String, String> TRIMS = Map.of(
            "mimalloc", "mi_collect(true)",
            "jemalloc", "mallctl(\"arena.4096.purge\")",
            "tcmalloc", "MallocExtension_ReleaseFreeMemory()");

    @ParameterizedTest
    @ValueSource(strings = {"mimalloc", "jemalloc", "tcmalloc"})
    @Timeout(120)
    void peerTrimIsResolvedInThePreloadedJvmAndRuns(String name, @TempDir Path dir) throws Exception {
        PeerLibrary peer = PeerLibrary.byAdapterName(name).orElseThrow();
        Optional<Path> library = peer.find();
        Assumptions.assumeTrue(library.isPresent(), name + " is not installed (" + peer.fileName() + ", Debian package "
                + peer.debianPackage() + "): run hakmem-bench/scripts/install-peers.sh to test its trim");
        Path log = dir.resolve("fork.log");
        MemoryFork.Outcome o = MemoryFork.run("frag-remote", name, 2, TINY, List.of(), library, log, 100);
        assertNull(o.error(), () -> o.error() + "\n" + read(log));
        MemoryResult r = o.result();
        assertEquals(name, r.allocator());
        assertEquals(2, r.fork());
        assertEquals(TRIMS.get(name), r.trim());
        assertTrue(r.afterTrimKiB() > 0, r.describe());
        assertTrue(r.peakLiveBytes() > 0 && o.samples().length >= 3, r.describe());
        assertTrue(read(log).startsWith("# LD_PRELOAD=" + library.get() + " "), "the log names the command");
    }

    @Test
    @Timeout(120)
    void phasesComeBackFromTheChildJvm(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("fork.log");
        MemoryFork.Outcome o = MemoryFork.run("frag-refill", "hakmem", 1, TINY, List.of(), Optional.empty(), log, 100);
        assertNull(o.error(), () -> o.error() + "\n" + read(log));
        List<String> names = o.phases().stream().map(Phases.Phase::name).toList();
        assertEquals(2 + FragRefill.ROUNDS, names.size(), names.toString());
        assertTrue(names.get(0).startsWith("build ") && names.get(1).equals("round 1: free half, refill 272 B-1 KiB")
                && names.get(names.size() - 1).equals("free all"), names.toString());
        MemoryReport.PhaseRun pr = MemoryReport.phaseRun(o.result(), o.phases(), o.samples());
        assertEquals(names, pr.names());
    }

    @Test
    void forkOptionsPinTheHeapAndRunHakmemWithItsDefaults() {
        List<String> hakmem = MemoryFork.jvmOptions("hakmem", 1.0, List.of("-Dx=1"));
        assertTrue(hakmem.containsAll(List.of("--enable-native-access=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.access=ALL-UNNAMED", "-Xms384m", "-Xmx384m",
                "-XX:+AlwaysPreTouch")), hakmem.toString());
        assertTrue(hakmem.stream().noneMatch(o -> o.startsWith("-Dhakmem")), "hakmem as a user gets it: " + hakmem);
        assertEquals("-Dx=1", hakmem.get(hakmem.size() - 1), "the user's options come last, so they win");
        List<String> netty = MemoryFork.jvmOptions("netty-pooled", 0.5, List.of());
        assertTrue(netty.containsAll(List.of("-Xms256m", "-XX:MaxDirectMemorySize=16g", "-Dio.netty.allocator.useCacheForAllThreads=true")), netty.toString());
        assertTrue(netty.stream().noneMatch(o -> o.startsWith("-Dhakmem") || o.startsWith("-XX:TrimNativeHeapInterval")), netty.toString());
    }

    @Test
    void failingForkReportsWhy(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("fork.log");
        MemoryFork.Outcome o = MemoryFork.run("frag-remote", "mimalloc", 1, TINY, List.of(), Optional.empty(), log, 60);
        assertNull(o.result());
        assertTrue(o.error().startsWith("exit status 2: error: mimalloc must be preloaded"), o.error());
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
