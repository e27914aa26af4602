package dev.hakmem.bench.arrow;

import dev.hakmem.bench.launch.LaunchOptions;
import dev.hakmem.bench.launch.Progress;
import dev.hakmem.bench.report.MachineInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code Launcher --suite arrow}: every {@link ArrowCase} on every allocation manager of
 * {@link ArrowManagers} (hakmem, netty, unsafe), each pair in its own fresh JVM ({@link ArrowMain}),
 * {@code --forks} JVMs per pair, interleaved across managers; then {@code results.csv},
 * {@code report.md}, {@code arrow-throughput.png} and {@code arrow-rss.png} in the output directory
 * and the table on the console.
 *
 * <p>Options it uses: {@code --drivers} selects cases by label, {@code --allocators} managers,
 * {@code --runs} (measured runs per JVM, default 3), {@code --warmup} (warm-up runs, default 1,
 * more until 1 s), {@code --forks}, {@code --jvm-arg}, {@code --out}.
 */
public final class ArrowSuite {

    /**
     * The Java heap of every arrow JVM: fixed and touched at start, so that the RSS figures of
     * different managers differ by their native memory, not by how far G1 happened to grow the heap.
     */
    public static final List<String> HEAP_FLAGS = List.of("-Xms384m", "-Xmx384m", "-XX:+AlwaysPreTouch");
    /** Least time a fork may take before it is killed. */
    private static final double MIN_TIMEOUT_SECONDS = 120;

    private ArrowSuite() {}

    /** Runs the suite; returns the exit status (0 when every JVM succeeded, 1 otherwise, 2 for a bad selection). */
    public static int run(LaunchOptions options, String[] args) throws IOException, InterruptedException {
        List<ArrowCase> cases;
        List<String> managers;
        try {
            cases = cases(args);
            managers = options.allocators().isEmpty() ? ArrowManagers.DEFAULT
                    : options.allocators().stream().map(ArrowManagers::check).toList();
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        Path out = options.out();
        Path logs = out.resolve("logs");
        Files.createDirectories(logs);
        int forks = options.forks();
        int steps = cases.size() * managers.size() * forks;
        double[] estimates = new double[steps];
        int k = 0;
        for (ArrowCase c : cases) {
            for (int f = 0; f < forks; f++) {
                for (String m : managers) {
                    estimates[k++] = estimate(c, options);
                }
            }
        }
        Progress progress = new Progress(estimates);
        System.out.printf(Locale.ROOT, "hakmem bench, arrow suite: %d case(s) x %d manager(s)%s = %d JVMs, %d warm-up (at least %d ms) + %d measured run(s) each; estimated ~%s; output %s%n",
                cases.size(), managers.size(), forks == 1 ? "" : " x " + forks + " forks", steps, options.warmup(),
                options.warmup() == 0 ? 0 : ArrowMain.WARMUP_MS, options.runs(), Progress.clock(progress.estimatedTotal()), out);
        String loadBefore = MachineInfo.loadAverage(" ");
        List<ArrowResults.Run> runs = new ArrayList<>();
        List<ArrowResults.Memory> memory = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        int failures = 0;
        int step = 0;
        for (ArrowCase c : cases) {
            for (int f = 0; f < forks; f++) {
                for (String m : managers) {
                    step++;
                    Path log = logs.resolve(String.format(Locale.ROOT, "%03d-%s-%s.log", step, c.label(), m));
                    long start = System.nanoTime();
                    String outcome;
                    try {
                        ArrowResults.Fork r = fork(c, m, f + 1, options, log, Math.max(MIN_TIMEOUT_SECONDS, 20 * estimates[step - 1]));
                        runs.addAll(r.runs());
                        memory.add(r.memory());
                        double[] perSec = r.runs().stream().mapToDouble(ArrowResults.Run::opsPerSec).toArray();
                        outcome = String.format(Locale.ROOT, "%s %s/s (median of %d), peak RSS %.0f MiB",
                                ArrowResults.human(dev.hakmem.bench.report.Median.of(perSec)), c.unit(), perSec.length,
                                r.memory().peakKiB() / 1024.0);
                    } catch (IllegalStateException e) {
                        failures++;
                        notes.add(m + " on " + c.label() + " failed: " + e.getMessage() + " (log: logs/" + log.getFileName() + ")");
                        outcome = "FAILED: " + e.getMessage();
                    }
                    progress.stepDone();
                    System.out.printf(Locale.ROOT, "[%" + Integer.toString(steps).length() + "d/%d] %-20s %-7s %s, %.1f s | elapsed %s, ~%s left%n",
                            step, steps, c.label() + (forks == 1 ? "" : " #" + (f + 1)), m, outcome,
                            (System.nanoTime() - start) / 1e9, Progress.clock(progress.elapsed()), Progress.clock(progress.left()));
                }
            }
        }
        notes.addAll(ArrowResults.checksumMismatches(runs));
        notes.add(0, "Load average (1, 5, 15 min) before the suite: " + loadBefore + "; after: " + MachineInfo.loadAverage(" ") + " ("
                + Runtime.getRuntime().availableProcessors() + " cores).");
        List<ArrowResults.Summary> summaries = ArrowResults.summarize(cases, managers, runs, memory);
        ArrowResults.writeCsv(out.resolve("results.csv"), runs, memory);
        List<String> charts = new ArrayList<>();
        try {
            charts.add(ArrowChart.throughput(summaries, managers, out).getFileName().toString());
            charts.add(ArrowChart.rss(summaries, managers, out).getFileName().toString());
        } catch (IOException | RuntimeException | Error e) {
            notes.add("chart not drawn: " + e);
        }
        String settings = String.format(Locale.ROOT, "%d fresh JVM(s) per case and manager, interleaved; each %d warm-up run(s) "
                        + "(and more until %d ms) + %d measured run(s); JVM flags %s %s%s; RSS after %d ms idle; wall time %s",
                forks, options.warmup(), options.warmup() == 0 ? 0 : ArrowMain.WARMUP_MS, options.runs(),
                String.join(" ", ArrowManagers.ARROW_FLAGS), String.join(" ", HEAP_FLAGS),
                options.jvmArgs().isEmpty() ? "" : " " + String.join(" ", options.jvmArgs()), ArrowMain.IDLE_MS,
                Progress.clock(progress.elapsed()));
        Files.writeString(out.resolve("report.md"), ArrowResults.report(summaries, managers,
                "Launcher " + String.join(" ", args), settings, MachineInfo.current().describe(), charts, notes),
                StandardCharsets.UTF_8);
        System.out.println();
        System.out.print(ArrowResults.table(summaries, managers));
        for (String n : notes) {
            if (n.contains("failed") || n.contains("not drawn") || n.contains("checksum")) {
                System.out.println("note: " + n);
            }
        }
        System.out.printf(Locale.ROOT, "wrote results.csv, report.md and %d chart(s) in %s; took %s%n", charts.size(), out,
                Progress.clock(progress.elapsed()));
        return failures == 0 ? 0 : 1;
    }

    /** The cases named by {@code --drivers} in {@code args} (labels of {@link ArrowCase}), else all. */
    static List<ArrowCase> cases(String[] args) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--drivers")) {
                List<ArrowCase> out = new ArrayList<>();
                for (String s : args[i + 1].split(",")) {
                    if (!s.isBlank()) {
                        ArrowCase c = ArrowCase.byLabel(s.trim());
                        if (!out.contains(c)) {
                            out.add(c);
                        }
                    }
                }
                return out;
            }
        }
        return List.of(ArrowCase.values());
    }

    /** The command line of one arrow JVM. */
    static List<String> command(ArrowCase c, String manager, LaunchOptions options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ArrowManagers.jvmOptions(manager));
        cmd.addAll(HEAP_FLAGS);
        cmd.addAll(options.jvmArgs());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ArrowMain.class.getName());
        cmd.add(c.label());
        cmd.add(manager);
        cmd.addAll(List.of("--runs", Integer.toString(options.runs()), "--warmup", Integer.toString(options.warmup())));
        return cmd;
    }

    private static ArrowResults.Fork fork(ArrowCase c, String manager, int fork, LaunchOptions options, Path log,
                                          double timeoutSeconds) throws IOException, InterruptedException {
        List<String> cmd = command(c, manager, options);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor((long) (timeoutSeconds * 1000), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor();
            throw new IllegalStateException("timed out after " + (long) timeoutSeconds + " s");
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        Files.writeString(log, "# " + String.join(" ", cmd) + "\n" + String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return ArrowResults.parse(lines, fork, p.exitValue());
    }

    private static double estimate(ArrowCase c, LaunchOptions options) {
        double run = c == ArrowCase.LARGE_64M ? 1.5 : 0.5;
        double warmup = options.warmup() == 0 ? 0 : Math.max(options.warmup() * run, ArrowMain.WARMUP_MS / 1000.0);
        return 1.5 + warmup + options.runs() * run + ArrowMain.IDLE_MS / 1000.0;
    }
}
