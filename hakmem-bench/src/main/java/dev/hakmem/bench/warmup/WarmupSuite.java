package dev.hakmem.bench.warmup;

import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.alloc.PeerLibrary;
import dev.hakmem.bench.launch.LaunchOptions;
import dev.hakmem.bench.launch.Progress;
import dev.hakmem.bench.report.MachineInfo;
import dev.hakmem.bench.report.Median;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code Launcher --suite warmup}: runs {@link WarmupMain} in fresh JVMs, {@code --runs} per
 * variant (interleaved: run 1 of every variant, then run 2, ...), and writes into the output
 * directory:
 * <ul>
 * <li>{@code warmup.csv} — {@code allocator,variant,window_ms,ops,mops_per_sec}: per window (by its
 *     start, ms since t0) the median over the variant's JVMs;</li>
 * <li>{@code warmup-runs.csv} — the same for every JVM ({@code run} column);</li>
 * <li>{@code warmup-jvms.csv} — per JVM: uptime at t0, steady state, time to 90 %, warm-up cost;</li>
 * <li>{@code warmup.png} (Mops/s per window) and {@code warmup-cumulative.png} (operations done since t0);</li>
 * <li>{@code report.md} — medians per variant, definitions, machine; {@code logs/} — each JVM's output.</li>
 * </ul>
 * Variants: every allocator of {@code --allocators} without an AOT cache ({@code no-cache}), and
 * hakmem again with the cache ({@code aot-cache}: {@code -XX:AOTCache=FILE -XX:AOTMode=on}).
 */
public final class WarmupSuite {

    /** The variant without an AOT cache (the JDK's own default CDS archive is still used). */
    public static final String NO_CACHE = "no-cache";
    /** The variant with the AOT cache. */
    public static final String AOT_CACHE = "aot-cache";

    private WarmupSuite() {}

    /** One variant: an allocator, with or without the cache. */
    record Variant(String allocator, String name, Optional<Path> preload) {
        String label() {
            return allocator + " " + name;
        }
    }

    /** One JVM's result. */
    record Run(Variant variant, int run, long[] ops, double uptimeAtT0Ms, double launchToT0Ms, boolean aot) {}

    /** Medians of one variant over its JVMs. */
    record Summary(Variant variant, int jvms, long[] curve, double steadyMops, double t90Ms, double t90FromJvmStartMs,
                   double uptimeAtT0Ms, double launchToT0Ms, double costMs, int neverReached, double firstOpMs) {}

    /** Runs the suite; returns the exit status (0 when every JVM succeeded). */
    public static int run(LaunchOptions options, String[] args) throws IOException, InterruptedException {
        List<String> notes = new ArrayList<>();
        Path cache = options.aotCache() != null ? options.aotCache() : AotCache.defaultFile();
        List<Variant> variants = new ArrayList<>();
        for (String a : options.allocators()) {
            Optional<PeerLibrary> peer = Allocators.preloadFor(a);
            Optional<Path> preload = Optional.empty();
            if (peer.isPresent()) {
                preload = peer.get().find();
                if (preload.isEmpty()) {
                    notes.add(a + " skipped: " + peer.get().fileName() + " not found");
                    continue;
                }
            }
            variants.add(new Variant(a, NO_CACHE, preload));
            if (a.equals("hakmem")) {
                Optional<String> stale = Files.isRegularFile(cache)
                        ? AotCache.staleness(cache, System.getProperty("java.class.path")) : Optional.empty();
                if (stale.isPresent()) {
                    System.err.println("error: " + stale.get());
                    return 2;
                }
                if (Files.isRegularFile(cache)) {
                    variants.add(new Variant(a, AOT_CACHE, preload));
                } else {
                    notes.add("hakmem aot-cache skipped: no AOT cache at " + cache
                            + " (make it with './hakmem train' or scripts/aot-train.sh, or name one with --aot-cache)");
                }
            }
        }
        notes.forEach(n -> System.out.println("note: " + n));
        if (variants.isEmpty()) {
            System.err.println("error: nothing to run");
            return 2;
        }
        String loadBefore = MachineInfo.loadAverage(" ");
        Path out = options.out();
        Path logs = out.resolve("logs");
        Files.createDirectories(logs);
        int steps = variants.size() * options.runs();
        double[] estimates = new double[steps];
        java.util.Arrays.fill(estimates, options.warmupSeconds() + 0.6);
        Progress progress = new Progress(estimates);
        System.out.printf(Locale.ROOT, "hakmem bench, warmup suite: %d variant(s) x %d JVM(s), %.1f s each in %d ms windows; "
                        + "AOT cache %s; estimated ~%s; output %s%n", variants.size(), options.runs(),
                options.warmupSeconds(), options.windowMs(), cache, Progress.clock(progress.estimatedTotal()), out);

        List<Run> runs = new ArrayList<>();
        int failures = 0;
        int step = 0;
        for (int r = 1; r <= options.runs(); r++) {
            for (Variant v : variants) {
                step++;
                Path log = logs.resolve(String.format(Locale.ROOT, "%03d-warmup-%s-%s-%d.log", step, v.allocator(), v.name(), r));
                long start = System.nanoTime();
                Run result;
                String error;
                try {
                    result = fork(v, r, options, cache, log);
                    error = null;
                } catch (IOException | IllegalStateException e) {
                    result = null;
                    error = e.getMessage();
                }
                progress.stepDone();
                String outcome;
                if (result == null) {
                    failures++;
                    notes.add(v.label() + " run " + r + " failed: " + error + " (log: logs/" + log.getFileName() + ")");
                    outcome = "FAILED: " + error;
                } else {
                    runs.add(result);
                    outcome = String.format(Locale.ROOT, "steady %.2f Mops/s, 90 %% after %s ms, uptime at t0 %.0f ms",
                            WarmupAnalysis.steadyOpsPerSec(result.ops(), options.windowMs()) / 1e6,
                            fmt(WarmupAnalysis.timeTo90Ms(result.ops(), options.windowMs())), result.uptimeAtT0Ms());
                }
                System.out.printf(Locale.ROOT, "[%d/%d] %-20s run %d: %s, %.1f s | elapsed %s, ~%s left%n", step, steps,
                        v.label(), r, outcome, (System.nanoTime() - start) / 1e9, Progress.clock(progress.elapsed()),
                        Progress.clock(progress.left()));
            }
        }

        List<Summary> summaries = new ArrayList<>();
        for (Variant v : variants) {
            List<Run> mine = runs.stream().filter(x -> x.variant().equals(v)).toList();
            if (!mine.isEmpty()) {
                summaries.add(summarize(v, mine, options.windowMs()));
            }
        }
        writeCsvs(out, runs, summaries, options.windowMs());
        Map<String, long[]> curves = new LinkedHashMap<>();
        summaries.forEach(s -> curves.put(s.variant().label(), s.curve()));
        List<String> charts = new ArrayList<>();
        double totalMs = options.warmupSeconds() * 1000;
        try {
            WarmupChart.write(curves, options.windowMs(), totalMs,
                    "random-mixed 16-1024 B, WS 256: throughput from a fresh JVM's start", out.resolve("warmup.png"));
            charts.add("warmup.png");
            WarmupChart.write(curves, options.windowMs(), totalMs,
                    "operations done since t0 (the horizontal gap between lines = time behind)",
                    out.resolve("warmup-cumulative.png"), true);
            charts.add("warmup-cumulative.png");
        } catch (IOException | RuntimeException | Error e) {
            notes.add("chart not drawn: " + e);
        }
        notes.add(0, "Load average (1, 5, 15 min) before the suite: " + loadBefore + "; after: " + MachineInfo.loadAverage(" ")
                + " (" + Runtime.getRuntime().availableProcessors() + " cores; other processes' load makes single "
                + "windows noisy, hence medians)");
        String report = render(summaries, options, args, cache, charts, notes);
        Files.writeString(out.resolve("report.md"), report, StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(table(summaries, options.windowMs()));
        for (String n : notes) {
            if (n.contains("failed") || n.contains("not drawn")) {
                System.out.println("note: " + n);
            }
        }
        System.out.printf(Locale.ROOT, "wrote warmup.csv, warmup-runs.csv, warmup-jvms.csv, report.md and %d chart(s) in %s; took %s%n",
                charts.size(), out, Progress.clock(progress.elapsed()));
        return failures == 0 ? 0 : 1;
    }

    /** The command line of one warm-up JVM (without {@code --launched-nanos}). */
    static List<String> command(Variant v, LaunchOptions options, Path cache) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("--add-exports=java.base/jdk.internal.access=ALL-UNNAMED"); // hakmem: virtual threads use their carrier's heap
        cmd.add("-Xmx1g");
        cmd.addAll(Allocators.jvmOptions(v.allocator()));
        cmd.addAll(options.jvmArgs());
        if (v.name().equals(AOT_CACHE)) {
            cmd.addAll(LaunchOptions.aotFlags(cache));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(WarmupMain.class.getName());
        cmd.add(v.allocator());
        cmd.addAll(List.of("--variant", v.name(), "--seconds", Double.toString(options.warmupSeconds()),
                "--window-ms", Integer.toString(options.windowMs())));
        return cmd;
    }

    private static Run fork(Variant v, int run, LaunchOptions options, Path cache, Path log)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command(v, options, cache));
        cmd.add("--launched-nanos");
        cmd.add("0"); // replaced just before the start
        ProcessBuilder pb = new ProcessBuilder().redirectErrorStream(true).redirectOutput(log.toFile());
        v.preload().ifPresent(p -> pb.environment().put("LD_PRELOAD", p.toString()));
        cmd.set(cmd.size() - 1, Long.toString(System.nanoTime()));
        pb.command(cmd);
        Process p = pb.start();
        if (!p.waitFor((long) (options.warmupSeconds() * 1000) + 120_000, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            throw new IllegalStateException("timed out");
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        List<Long> ops = new ArrayList<>();
        String[] summary = null;
        String firstProblem = null;
        for (String line : lines) {
            if (line.startsWith(WarmupMain.WINDOW + "\t")) {
                ops.add(Long.parseLong(line.split("\t")[2]));
            } else if (line.startsWith(WarmupMain.WARMUP + "\t")) {
                summary = line.split("\t", -1);
            } else if (firstProblem == null && (line.contains("Exception") || line.contains("Error") || line.startsWith("error"))) {
                firstProblem = line.trim();
            }
        }
        Files.writeString(log, "# " + String.join(" ", cmd) + "\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        if (p.exitValue() != 0 || summary == null) {
            throw new IllegalStateException("exit status " + p.exitValue() + ": "
                    + (firstProblem != null ? firstProblem : lines.isEmpty() ? "no output" : lines.get(lines.size() - 1)));
        }
        long[] windows = ops.stream().mapToLong(Long::longValue).toArray();
        return new Run(v, run, windows, Double.parseDouble(summary[5]), Double.parseDouble(summary[6]),
                Boolean.parseBoolean(summary[7]));
    }

    static Summary summarize(Variant v, List<Run> runs, int windowMs) {
        int n = runs.size();
        double[] steady = new double[n];
        double[] t90 = new double[n];
        double[] t90Jvm = new double[n];
        double[] uptime = new double[n];
        double[] launch = new double[n];
        double[] cost = new double[n];
        double[] first = new double[n];
        int never = 0;
        List<long[]> curves = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Run r = runs.get(i);
            curves.add(r.ops());
            steady[i] = WarmupAnalysis.steadyOpsPerSec(r.ops(), windowMs);
            double t = WarmupAnalysis.timeTo90Ms(r.ops(), windowMs);
            if (Double.isNaN(t)) {
                never++;
                t = r.ops().length * (double) windowMs; // censored at the end of the run
            }
            t90[i] = t;
            t90Jvm[i] = r.uptimeAtT0Ms() + t;
            uptime[i] = r.uptimeAtT0Ms();
            launch[i] = r.launchToT0Ms();
            cost[i] = WarmupAnalysis.warmupCostMs(r.ops(), windowMs);
            double f = WarmupAnalysis.firstOpMs(r.ops(), windowMs);
            first[i] = Double.isNaN(f) ? r.ops().length * (double) windowMs : f;
        }
        return new Summary(v, n, WarmupAnalysis.medianCurve(curves), Median.of(steady) / 1e6, Median.of(t90),
                Median.of(t90Jvm), Median.of(uptime), Median.of(launch), Median.of(cost), never, Median.of(first));
    }

    private static void writeCsvs(Path out, List<Run> runs, List<Summary> summaries, int windowMs) throws IOException {
        try (Writer w = Files.newBufferedWriter(out.resolve("warmup.csv"), StandardCharsets.UTF_8)) {
            w.write("allocator,variant,window_ms,ops,mops_per_sec\n");
            for (Summary s : summaries) {
                writeCurve(w, s.variant().allocator() + "," + s.variant().name() + ",", s.curve(), windowMs);
            }
        }
        try (Writer w = Files.newBufferedWriter(out.resolve("warmup-runs.csv"), StandardCharsets.UTF_8)) {
            w.write("allocator,variant,run,window_ms,ops,mops_per_sec\n");
            for (Run r : runs) {
                writeCurve(w, r.variant().allocator() + "," + r.variant().name() + "," + r.run() + ",", r.ops(), windowMs);
            }
        }
        try (Writer w = Files.newBufferedWriter(out.resolve("warmup-jvms.csv"), StandardCharsets.UTF_8)) {
            w.write("allocator,variant,run,uptime_at_t0_ms,launch_to_t0_ms,first_op_ms,steady_mops_per_sec,t90_ms,"
                    + "t90_from_jvm_start_ms,warmup_cost_ms,total_ops\n");
            for (Run r : runs) {
                double t90 = WarmupAnalysis.timeTo90Ms(r.ops(), windowMs);
                w.write(String.format(Locale.ROOT, "%s,%s,%d,%.1f,%.1f,%s,%.3f,%s,%s,%.1f,%d%n", r.variant().allocator(),
                        r.variant().name(), r.run(), r.uptimeAtT0Ms(), r.launchToT0Ms(),
                        fmt(WarmupAnalysis.firstOpMs(r.ops(), windowMs)),
                        WarmupAnalysis.steadyOpsPerSec(r.ops(), windowMs) / 1e6,
                        Double.isNaN(t90) ? "" : fmt(t90), Double.isNaN(t90) ? "" : fmt(r.uptimeAtT0Ms() + t90),
                        WarmupAnalysis.warmupCostMs(r.ops(), windowMs), java.util.Arrays.stream(r.ops()).sum()));
            }
        }
    }

    private static void writeCurve(Writer w, String prefix, long[] ops, int windowMs) throws IOException {
        for (int i = 0; i < ops.length; i++) {
            w.write(String.format(Locale.ROOT, "%s%d,%d,%.3f%n", prefix, i * windowMs, ops[i],
                    ops[i] * 1000.0 / windowMs / 1e6));
        }
    }

    private static String fmt(double ms) {
        return Double.isNaN(ms) ? "-" : String.format(Locale.ROOT, "%.0f", ms);
    }

    private static String table(List<Summary> summaries, int windowMs) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s %-10s %5s %12s %12s %10s %14s %12s %10s%n", "allocator", "variant", "JVMs",
                "steady Mops", "1st op ms", "t90 ms", "t90 from JVM", "uptime@t0", "cost ms"));
        for (Summary s : summaries) {
            sb.append(String.format(Locale.ROOT, "%-10s %-10s %5d %12.2f %12s %10s %14s %12.0f %10.0f%n", s.variant().allocator(),
                    s.variant().name(), s.jvms(), s.steadyMops(), fmt(s.firstOpMs()),
                    fmt(s.t90Ms()) + (s.neverReached() > 0 ? "*" : ""),
                    fmt(s.t90FromJvmStartMs()), s.uptimeAtT0Ms(), s.costMs()));
        }
        return sb.toString();
    }

    static String render(List<Summary> summaries, LaunchOptions options, String[] args, Path cache, List<String> charts,
                         List<String> notes) {
        int windowMs = options.windowMs();
        double seconds = options.warmupSeconds();
        StringBuilder md = new StringBuilder();
        md.append("# hakmem warm-up report\n\n");
        md.append("- Machine: ").append(MachineInfo.current().describe()).append('\n');
        md.append("- Command: `Launcher ").append(String.join(" ", args)).append("`\n");
        md.append(String.format(Locale.ROOT, "- Workload: random-mixed, WS %d, seed %d, sizes %d-%d B, from a fresh JVM; "
                        + "ops counted per %d ms window for %.1f s after t0; %d JVM(s) per variant, interleaved\n",
                WarmupMain.WS, WarmupMain.SEED, WarmupMain.MIN, WarmupMain.MAX, windowMs, seconds, options.runs()));
        md.append("- AOT cache (variant aot-cache): `").append(cache).append("` with `-XX:AOTCache=... -XX:AOTMode=on`\n");
        md.append("- t0: the measurement's start, just before the allocator adapter is created (so its class loading, "
                + "initialisation and first mappings are inside the windows). `uptime@t0` is the JVM's uptime then "
                + "(RuntimeMXBean); `t90 from JVM start` = uptime@t0 + t90.\n");
        md.append(String.format(Locale.ROOT, "- Steady state: median of the windows in the last quarter of the run "
                + "(%.2f-%.2f s). First op: end of the first window with any operation (allocator start-up plus "
                + "the first " + WarmupMain.SLICE + " operations, interpreted). t90: end of the first window w whose %d windows w..w+%d have a median of at least 90 %% "
                + "of the steady state. Warm-up cost: run time minus ops / steady rate (time lost against a JVM that "
                + "was warm from t0). Every figure is the median over the variant's JVMs, each computed per JVM.%n%n",
                WarmupAnalysis.steadyFrom((int) Math.round(seconds * 1000 / windowMs)) * windowMs / 1000.0, seconds,
                WarmupAnalysis.SPAN, WarmupAnalysis.SPAN - 1));
        md.append("| allocator | variant | JVMs | steady Mops/s | first op ms (from t0) | t90 ms (from t0) | "
                + "t90 ms from JVM start | uptime@t0 ms | warm-up cost ms |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Summary s : summaries) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %s | %s%s | %s | %.0f | %.0f |%n",
                    s.variant().allocator(), s.variant().name(), s.jvms(), s.steadyMops(), fmt(s.firstOpMs()), fmt(s.t90Ms()),
                    s.neverReached() > 0 ? " (" + s.neverReached() + " JVM(s) never reached it)" : "",
                    fmt(s.t90FromJvmStartMs()), s.uptimeAtT0Ms(), s.costMs()));
        }
        md.append("\nThroughput of the median curve (Mops/s) in the window starting at:\n\n| variant |");
        int[] at = {0, 10, 20, 50, 100, 200, 300, 500, 1000, 1500};
        StringBuilder sep = new StringBuilder("|---|");
        List<Integer> cols = new ArrayList<>();
        for (int ms : at) {
            if (ms % windowMs == 0 && ms < seconds * 1000) {
                cols.add(ms);
                md.append(' ').append(ms).append(" ms |");
                sep.append("---:|");
            }
        }
        md.append('\n').append(sep).append('\n');
        for (Summary s : summaries) {
            md.append("| ").append(s.variant().label()).append(" |");
            for (int ms : cols) {
                int w = ms / windowMs;
                md.append(w < s.curve().length ? String.format(Locale.ROOT, " %.2f |", s.curve()[w] * 1000.0 / windowMs / 1e6) : " - |");
            }
            md.append('\n');
        }
        md.append('\n');
        for (String c : charts) {
            md.append("![warm-up](").append(c).append(")\n\n");
        }
        md.append("Files: `warmup.csv` (median curve per variant), `warmup-runs.csv` (every JVM's windows), "
                + "`warmup-jvms.csv` (per-JVM figures), `logs/`.\n\n");
        if (!notes.isEmpty()) {
            md.append("## Notes\n\n");
            notes.forEach(n -> md.append("- ").append(n).append('\n'));
        }
        return md.toString();
    }
}
