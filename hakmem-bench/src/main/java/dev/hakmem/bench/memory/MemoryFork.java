package dev.hakmem.bench.memory;

import dev.hakmem.bench.alloc.Allocators;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link MemoryMain} for one (driver, allocator, fork) in a fresh JVM and reads its output.
 *
 * <p>Every fork gets the same JVM options, so what differs is the allocator:
 * <ul>
 * <li>{@code --enable-native-access=ALL-UNNAMED} and {@code --add-exports=java.base/jdk.internal.access=ALL-UNNAMED}
 *     (hakmem's carrier heaps), as the launcher's forks;</li>
 * <li>a fixed, pre-touched Java heap ({@code -Xms} = {@code -Xmx}, {@code -XX:+AlwaysPreTouch};
 *     {@value #HEAP_BASE_MIB} MiB + {@value #HEAP_PER_SCALE_MIB} MiB per unit of scale): the heap is resident
 *     before the baseline and never grows or shrinks, so the driver's own tables and the collector
 *     do not move the RSS figures;</li>
 * <li>{@code -XX:MaxDirectMemorySize=16g}: Netty's direct buffers count against it (by default the
 *     heap size), and the limit must not be what the figures show;</li>
 * <li>the Netty adapters' usual options ({@link Allocators#jvmOptions});</li>
 * <li>hakmem with its defaults (its MXBean waits for an MBean server that nobody creates here, so
 *     the platform MBean server's creation is in no run);</li>
 * <li>no {@code -XX:TrimNativeHeapInterval}: for glibc and Netty (whose chunks come from the JDK's
 *     glibc {@code malloc}) the JVM's periodic {@code malloc_trim} would be a trim of the allocator
 *     under test, which the "after free, no call" figure must not have. The JVM's own native
 *     memory (JIT arenas and the like) is therefore in every allocator's figures: the JVM's
 *     {@code malloc} is glibc's in the hakmem and Netty JVMs and the preloaded library in the
 *     mimalloc, jemalloc and tcmalloc JVMs. The warm-up pass before the baseline keeps most JIT
 *     work out of the measured run.</li>
 * </ul>
 * mimalloc, jemalloc and tcmalloc are preloaded ({@code LD_PRELOAD}) as in the launcher.
 */
final class MemoryFork {

    static final int HEAP_BASE_MIB = 128;
    static final int HEAP_PER_SCALE_MIB = 256;

    private MemoryFork() {}

    /**
     * What a fork produced.
     *
     * @param result  its figures, or {@code null} if it failed
     * @param samples {@code [i] = {ms, live bytes, RSS KiB}}
     * @param error   why it failed, or {@code null}
     * @param seconds wall time, JVM start included
     */
    record Outcome(MemoryResult result, long[][] samples, List<Phases.Phase> phases, String error, double seconds) {}

    /** The fork's JVM options for {@code allocator}, before {@code extra} (the user's {@code --jvm-arg}s). */
    static List<String> jvmOptions(String allocator, double scale, List<String> extra) {
        List<String> o = new ArrayList<>();
        o.add("--enable-native-access=ALL-UNNAMED");
        o.add("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED"); // hakmem: virtual threads use their carrier's heap
        int heap = HEAP_BASE_MIB + (int) Math.ceil(HEAP_PER_SCALE_MIB * scale);
        o.add("-Xms" + heap + "m");
        o.add("-Xmx" + heap + "m");
        o.add("-XX:+AlwaysPreTouch");
        o.add("-XX:MaxDirectMemorySize=16g");
        o.addAll(Allocators.jvmOptions(allocator));
        o.addAll(extra);
        return o;
    }

    /** The fork's command line. */
    static List<String> command(String driver, String allocator, int fork, MemorySettings s, List<String> extra) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions(allocator, s.scale(), extra));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(MemoryMain.class.getName());
        cmd.add(driver);
        cmd.add(allocator);
        cmd.addAll(List.of("--fork", Integer.toString(fork), "--scale", Double.toString(s.scale()),
                "--time-scale", Double.toString(s.timeScale()), "--seed", Long.toString(s.seed()),
                "--settle-ms", Long.toString(s.settleMs()), "--sample-ms", Long.toString(s.sampleMs())));
        return cmd;
    }

    /** Runs the fork with its output in {@code log}; kills it after {@code timeoutSeconds}. */
    static Outcome run(String driver, String allocator, int fork, MemorySettings s, List<String> extra,
                       Optional<Path> preload, Path log, double timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = command(driver, allocator, fork, s, extra);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        preload.ifPresent(p -> pb.environment().put("LD_PRELOAD", p.toString()));
        long start = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        boolean finished = p.waitFor((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS);
        if (!finished) {
            p.destroyForcibly();
            p.waitFor();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        Files.writeString(log, "# " + preload.map(x -> "LD_PRELOAD=" + x + " ").orElse("") + String.join(" ", cmd) + "\n"
                + String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        List<long[]> samples = new ArrayList<>();
        List<Phases.Phase> phases = new ArrayList<>();
        MemoryResult result = null;
        String problem = null;
        for (String line : lines) {
            if (line.startsWith(MemoryMain.SAMPLE + "\t")) {
                String[] f = line.split("\t");
                try {
                    samples.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3])});
                } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                    problem = problem != null ? problem : "malformed sample line: " + line;
                }
            } else if (line.startsWith(Phases.PREFIX + "\t")) {
                try {
                    phases.add(Phases.parse(line));
                } catch (IllegalArgumentException e) {
                    problem = problem != null ? problem : e.getMessage();
                }
            } else if (line.startsWith(MemoryResult.PREFIX + "\t")) {
                try {
                    result = MemoryResult.parse(line);
                } catch (IllegalArgumentException e) {
                    problem = problem != null ? problem : e.getMessage();
                }
            } else if (problem == null && !line.startsWith("\tat ")
                    && (line.contains("Exception") || line.contains("Error") || line.startsWith("error"))) {
                problem = line.trim();
            }
        }
        String error = null;
        if (!finished) {
            error = String.format(Locale.ROOT, "timed out after %.0f s", timeoutSeconds);
        } else if (p.exitValue() != 0) {
            error = "exit status " + p.exitValue() + ": " + (problem != null ? problem
                    : lines.isEmpty() ? "no output" : lines.get(lines.size() - 1).trim());
        } else if (result == null) {
            error = "no " + MemoryResult.PREFIX + " line in the output" + (problem == null ? "" : " (" + problem + ")");
        }
        return new Outcome(error == null ? result : null, samples.toArray(long[][]::new), List.copyOf(phases), error, seconds);
    }
}
