package dev.hakmem.internal.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.hakmem.Hakmem;
import dev.hakmem.testing.ChildJvm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every clause of the debug-mode contract, each in a child JVM ({@code -Dhakmem.debug=true} or
 * {@code HAKMEM_DEBUG=1}, read once at start-up):
 * <ul>
 * <li>new blocks from malloc / realloc growth are 0xA5, calloc zero, freed blocks 0xDD;</li>
 * <li>a canary of at least 8 bytes after the requested size: a write there is an
 *     IllegalStateException naming the block and "overflow" on free or realloc;</li>
 * <li>a FIFO quarantine of {@code hakmem.debug.quarantine} blocks (default 1024): freed blocks
 *     are not reused at once; a write after free is an IllegalStateException naming the block
 *     and "use after free" from the call that evicts it;</li>
 * <li>{@code liveBlocks()} / {@code leakReport()} / {@code hakmem.debug.leakReportAtExit};</li>
 * <li>double frees and bad pointers as in normal mode.</li>
 * </ul>
 * The child is {@link dev.hakmem.DebugModeChild} (outside {@code dev.hakmem.internal}, whose frames
 * debug mode leaves out of allocation sites). A child prints {@code OK} and exits 0, or prints what failed and exits 1. The failure message
 * gives the command line that reproduces it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("restricted")
class DebugModeTest {

    static final long KiB = 1024, MiB = 1024 * KiB;
    static ChildJvm.Result child(List<String> jvmArgs, Map<String, String> env, String... args) throws Exception {
        return ChildJvm.of(dev.hakmem.DebugModeChild.class).jvmArgs("-XX:TieredStopAtLevel=1").jvmArgs(jvmArgs)
                .env(env).args(args).timeout(Duration.ofSeconds(100)).run();
    }

    static void runOk(String scenario, List<String> jvmArgs, Map<String, String> env) throws Exception {
        ChildJvm.Result o = child(jvmArgs, env, scenario);
        System.out.println("debug child " + scenario + " " + jvmArgs + " " + env + ": exit " + o.exit() + "\n" + o.output().strip());
        if (o.exit() != 0 || !o.output().contains("OK " + scenario)) {
            fail("debug-mode scenario " + scenario + " failed (exit " + o.exit() + "); reproduce with: "
                    + String.join(" ", env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                    + " java --enable-native-access=ALL-UNNAMED " + String.join(" ", jvmArgs)
                    + " -cp <test class path> " + dev.hakmem.DebugModeChild.class.getName() + " " + scenario + "\nchild output:\n" + o.output());
        }
    }

    static final List<String> DEBUG = List.of("-Dhakmem.debug=true");

    @Test
    void newBlocksAreA5AndCallocIsZero() throws Exception {
        runOk("fillNew", DEBUG, Map.of());
    }

    @Test
    void freedBlocksAreDD() throws Exception {
        runOk("fillFreed", DEBUG, Map.of());
    }

    @Test
    void writePastRequestedSizeIsOverflow() throws Exception {
        runOk("canary", DEBUG, Map.of());
    }

    @Test
    void quarantineDelaysReuse() throws Exception {
        runOk("quarantine", List.of("-Dhakmem.debug=true", "-Dhakmem.debug.quarantine=16"), Map.of());
        runOk("quarantineDefault", DEBUG, Map.of());
    }

    @Test
    void writeAfterFreeIsReportedOnEviction() throws Exception {
        runOk("useAfterFree", List.of("-Dhakmem.debug=true", "-Dhakmem.debug.quarantine=8"), Map.of());
    }

    @Test
    void liveBlocksAndLeakReport() throws Exception {
        runOk("liveBlocks", DEBUG, Map.of());
    }

    @Test
    void doubleFreeAndBadPointersAsInNormalMode() throws Exception {
        runOk("misuse", List.of("-Dhakmem.debug=true", "-Dhakmem.debug.quarantine=4"), Map.of());
    }

    @Test
    void environmentVariableEnablesDebugMode() throws Exception {
        runOk("enabled", List.of(), Map.of("HAKMEM_DEBUG", "1"));
    }

    @Test
    void flagIsReadOnceAtStartUp() throws Exception {
        runOk("readOnce", List.of(), Map.of());
    }

    /** In normal mode (this JVM) liveBlocks() is an empty list and leakReport() is text. */
    @Test
    void normalModeHasNoLiveBlocks() {
        long a = Hakmem.malloc(100);
        try {
            List<Hakmem.LiveBlock> l = Hakmem.liveBlocks();
            assertNotNull(l);
            assertTrue(l.isEmpty(), "liveBlocks() in normal mode: " + l);
            assertNotNull(Hakmem.leakReport());
            assertFalse(Hakmem.leakReport().toLowerCase(Locale.ROOT).contains("0x" + Long.toHexString(a)));
        } finally {
            Hakmem.free(a);
        }
    }

    /** With hakmem.debug.leakReportAtExit=true the report of the blocks still live is printed at exit; without, nothing. */
    @Test
    void leakReportAtExit() throws Exception {
        for (boolean on : new boolean[] {true, false}) {
            List<String> args = new ArrayList<>(DEBUG);
            if (on) args.add("-Dhakmem.debug.leakReportAtExit=true");
            ChildJvm.Result o = child(args, Map.of(), "leakAtExit");
            System.out.println("leakAtExit " + on + ": exit " + o.exit() + "\n" + o.output().strip());
            assertEquals(0, o.exit(), o.output());
            Map<String, List<Long>> printed = new HashMap<>();
            for (String line : o.output().split("\n")) {
                String[] kv = line.trim().split("=");
                if (kv.length == 2 && (kv[0].equals("LIVE") || kv[0].equals("FREED"))) {
                    printed.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(Long.parseLong(kv[1]));
                }
            }
            assertEquals(3, printed.getOrDefault("LIVE", List.of()).size(), o.output());
            String text = o.output().toLowerCase(Locale.ROOT);
            for (long a : printed.get("LIVE")) {
                assertEquals(on, text.contains("0x" + Long.toHexString(a)),
                        (on ? "leak report at exit lacks " : "report printed without the flag: ") + "0x" + Long.toHexString(a) + "\n" + o.output());
            }
            for (long a : printed.getOrDefault("FREED", List.of())) {
                assertFalse(text.contains("0x" + Long.toHexString(a)), "freed block in the report: 0x" + Long.toHexString(a));
            }
            assertEquals(on, o.output().contains("leakHere"), "allocation site (method leakHere) in the exit report");
        }
    }
}
