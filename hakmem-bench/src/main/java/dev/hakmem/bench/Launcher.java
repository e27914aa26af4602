package dev.hakmem.bench;

import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.alloc.PeerLibrary;
import dev.hakmem.bench.arrow.ArrowCase;
import dev.hakmem.bench.arrow.ArrowManagers;
import dev.hakmem.bench.arrow.ArrowSuite;
import dev.hakmem.bench.driver.Driver;
import dev.hakmem.bench.driver.Drivers;
import dev.hakmem.bench.launch.BenchCase;
import dev.hakmem.bench.launch.Fork;
import dev.hakmem.bench.launch.ForkResult;
import dev.hakmem.bench.launch.LaunchOptions;
import dev.hakmem.bench.launch.Progress;
import dev.hakmem.bench.launch.Suite;
import dev.hakmem.bench.memory.MemoryDriver;
import dev.hakmem.bench.memory.MemoryDrivers;
import dev.hakmem.bench.memory.MemorySuite;
import dev.hakmem.bench.report.CaseSummary;
import dev.hakmem.bench.report.ChartWriter;
import dev.hakmem.bench.report.MachineInfo;
import dev.hakmem.bench.report.MediansTable;
import dev.hakmem.bench.report.RatioOverview;
import dev.hakmem.bench.report.ReportWriter;
import dev.hakmem.bench.report.ResultRow;
import dev.hakmem.bench.report.ResultsCsv;
import dev.hakmem.bench.report.ThreadsComparison;
import dev.hakmem.bench.netty.NettySuite;
import dev.hakmem.bench.warmup.AotCache;
import dev.hakmem.bench.warmup.WarmupSuite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The compare launcher: runs drivers against allocators, each pair in a fresh JVM (warm-up,
 * then measured runs), and writes {@code results.csv}, {@code report.md} and one bar chart per
 * case into the output directory, then prints the table of medians.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'hakmem-bench/target/hakmem-bench.jar:hakmem-bench/target/lib/*' \
 *     dev.hakmem.bench.Launcher [--quick | --full] [--drivers a,b] [--allocators x,y] [--runs N] ...
 * </pre>
 *
 * Exit status: 0 when every fork succeeded, 1 when some failed (the report says which),
 * 2 for a bad command line.
 */
public final class Launcher {

    private static final double JVM_SECONDS = 1.0;
    /**
     * Least time a fork may take before it is killed. Untimed work can dwarf the measured runs:
     * jdk-arena frees the up to 409,600 blocks xmalloc leaves queued at the end of each run at
     * ~80 us each (a shared-arena close), 30-40 s per run, which overran 120 s on this VM.
     */
    private static final double MIN_TIMEOUT_SECONDS = 300;

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        LaunchOptions options;
        try {
            options = LaunchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(LaunchOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(LaunchOptions.USAGE);
            return;
        }
        if (options.list()) {
            list();
            return;
        }
        System.exit(run(options, args));
    }

    /** Runs everything {@code options} asks for; returns the exit status. */
    static int run(LaunchOptions options, String[] args) throws IOException, InterruptedException {
        if (options.suiteName().equals("warmup")) {
            return WarmupSuite.run(options, args);
        }
        if (options.suiteName().equals("netty")) {
            return NettySuite.run(options, args);
        }
        if (options.suiteName().equals("memory")) {
            return MemorySuite.run(options, args);
        }
        if (options.suiteName().equals("arrow")) {
            return ArrowSuite.run(options, args);
        }
        if (options.aotCache() != null) {
            Optional<String> stale = AotCache.staleness(options.aotCache(), System.getProperty("java.class.path"));
            if (stale.isPresent()) {
                System.err.println("error: " + stale.get());
                return 2;
            }
        }
        List<String> notes = new ArrayList<>();
        List<String> allocators = new ArrayList<>();
        Map<String, Optional<Path>> preloads = new LinkedHashMap<>();
        for (String name : options.allocators()) {
            Optional<PeerLibrary> peer = Allocators.preloadFor(name);
            if (peer.isPresent()) {
                Optional<Path> path = peer.get().find();
                if (path.isEmpty()) {
                    String note = name + " skipped: " + peer.get().fileName() + " not found (Debian package "
                            + peer.get().debianPackage() + "; hakmem-bench/scripts/install-peers.sh installs it)";
                    notes.add(note);
                    System.out.println("note: " + note);
                    continue;
                }
                preloads.put(name, path);
            } else {
                preloads.put(name, Optional.empty());
            }
            allocators.add(name);
        }
        List<BenchCase> cases = options.cases();
        if (cases.isEmpty() || allocators.isEmpty()) {
            System.err.println("error: nothing to run (" + cases.size() + " cases, " + allocators.size() + " allocators)");
            return 2;
        }

        Path out = options.out();
        Path logs = out.resolve("logs");
        Files.createDirectories(logs);
        Path csv = out.resolve("results.csv");
        ResultsCsv.create(csv);

        int forks = options.forks();
        int steps = cases.size() * allocators.size() * forks;
        double[] estimates = new double[steps];
        int k = 0;
        for (BenchCase c : cases) {
            for (int f = 0; f < forks; f++) {
                for (String a : allocators) {
                    estimates[k++] = estimate(c, a, options);
                }
            }
        }
        Progress progress = new Progress(estimates);
        System.out.printf(Locale.ROOT, "hakmem bench, %s suite: %d case(s) x %d allocator(s)%s = %d JVMs, %d warm-up (at least %d ms) + %d measured run(s) each; estimated ~%s; output %s%n",
                options.suiteName(), cases.size(), allocators.size(), forks == 1 ? "" : " x " + forks + " forks", steps,
                options.warmup(), options.warmup() == 0 ? 0 : DriverMain.WARMUP_MS, options.runs(),
                Progress.clock(progress.estimatedTotal()), out);

        List<ResultRow> rows = new ArrayList<>();
        int failures = 0;
        int step = 0;
        for (BenchCase c : cases) {
            for (int f = 0; f < forks; f++) {
                for (String a : allocators) {
                    step++;
                    Path log = logs.resolve(String.format(Locale.ROOT, "%03d-%s-%s.log", step, c.driver(), a));
                    double timeout = Math.max(MIN_TIMEOUT_SECONDS, 20 * estimates[step - 1]);
                    ForkResult r = Fork.run(c, a, options.runs(), options.warmup(), options.forkJvmArgs(), preloads.get(a),
                            log, timeout);
                    progress.stepDone();
                    // runs are numbered across forks: fork f's run i is f * runs + i
                    List<ResultRow> got = new ArrayList<>();
                    for (ResultRow row : r.rows()) {
                        got.add(new ResultRow(row.driver(), row.params(), row.allocator(), f * options.runs() + row.run(),
                                row.opsPerSec(), row.nsPerOp(), row.rssPeakKiB(), row.rssEndKiB(), row.mmapCalls(),
                                row.munmapCalls(), row.madviseCalls(), row.mappedBytes()));
                    }
                    rows.addAll(got);
                    ResultsCsv.append(csv, got);
                    String outcome;
                    if (r.error() != null) {
                        failures++;
                        notes.add(a + " on " + c + " failed: " + r.error() + " (log: logs/" + log.getFileName() + ")");
                        outcome = "FAILED: " + r.error();
                    } else {
                        double[] ops = got.stream().mapToDouble(ResultRow::opsPerSec).sorted().toArray();
                        outcome = String.format(Locale.ROOT, "%.2f Mops/s (median of %d)", median(ops) / 1e6, ops.length);
                    }
                    System.out.printf(Locale.ROOT, "[%" + Integer.toString(steps).length() + "d/%d] %-45s %-14s %s, %.1f s | elapsed %s, ~%s left%n",
                            step, steps, c.toString() + (forks == 1 ? "" : " #" + (f + 1)), a, outcome, r.seconds(),
                            Progress.clock(progress.elapsed()), Progress.clock(progress.left()));
                }
            }
        }

        notes.addAll(caveats(allocators, cases));
        List<CaseSummary> summaries = CaseSummary.of(rows);
        Map<String, String> charts = new LinkedHashMap<>();
        for (CaseSummary s : summaries) {
            try {
                charts.put(s.driver() + " " + s.params(), ChartWriter.write(s, out).getFileName().toString());
            } catch (IOException | RuntimeException | Error e) {
                notes.add("chart for " + s.driver() + " [" + s.params() + "] not drawn: " + e);
            }
        }
        try {
            Path overview = RatioOverview.chart(summaries, out);
            if (overview != null) {
                charts.put(RatioOverview.KEY, overview.getFileName().toString());
            }
        } catch (IOException | RuntimeException | Error e) {
            notes.add("overview chart not drawn: " + e);
        }
        String settings = String.format(Locale.ROOT, "%s suite, %d fresh JVM(s) per driver and allocator, each %d warm-up run(s) (and more until %d ms of warm-up and two runs within 20 %% of each other and of the best) + %d measured run(s), allocators %s%s; wall time %s",
                options.suiteName(), options.forks(), options.warmup(), options.warmup() == 0 ? 0 : DriverMain.WARMUP_MS, options.runs(), String.join(", ", allocators),
                options.aotCache() == null ? "" : "; AOT cache " + options.aotCache(),
                Progress.clock(progress.elapsed()));
        ReportWriter.write(out.resolve("report.md"), summaries, new ReportWriter.Context(
                "hakmem benchmark report", "Launcher " + String.join(" ", args), settings, MachineInfo.current(),
                charts, notes, ThreadsComparison.render(summaries)));

        System.out.println();
        System.out.print(MediansTable.render(summaries));
        System.out.println();
        String threads = ThreadsComparison.table(summaries);
        if (!threads.isEmpty()) {
            System.out.print(threads);
            System.out.println();
        }
        for (String note : notes) {
            if (note.contains("failed") || note.contains("skipped") || note.contains("not drawn")) {
                System.out.println("note: " + note);
            }
        }
        System.out.printf(Locale.ROOT, "wrote %s, %s and %d chart(s) in %s; took %s%n", csv.getFileName(), "report.md",
                charts.size(), out, Progress.clock(progress.elapsed()));
        return failures == 0 ? 0 : 1;
    }

    private static double estimate(BenchCase c, String allocator, LaunchOptions options) {
        double factor = switch (allocator) {
            case "jdk-arena", "netty-pooled", "netty-adaptive" -> 2.5;
            case "null" -> 0.7;
            default -> 1.0;
        };
        boolean timed = c.driver().equals("larson") || c.driver().equals("xmalloc");
        if (c.params().endsWith(" vt")) {
            factor *= 1.2;
        }
        double run = c.estimateSeconds() * (timed ? 1.0 : factor);
        if (allocator.equals("jdk-arena") && c.driver().equals("xmalloc")) {
            run += 25; // after each run, untimed: the 409,600 blocks left in its stack, a shared arena closed per block
        }
        // a run of a second or more: one more, on average, until two runs agree (WarmupRule)
        double warmup = options.warmup() == 0 ? 0 : Math.max(options.warmup() * run, DriverMain.WARMUP_MS / 1000.0)
                + (run >= DriverMain.WARMUP_MS / 1000.0 ? run : 0);
        return JVM_SECONDS + warmup + options.runs() * run;
    }

    private static List<String> caveats(List<String> allocators, List<BenchCase> cases) {
        List<String> notes = new ArrayList<>();
        if (allocators.contains("jdk-arena")) {
            notes.add("jdk-arena uses Arena.ofConfined() per block, but Arena.ofShared() for blocks other threads free "
                    + "(larson, xmalloc, cache-scratch's hand-off), since only the owner may close a confined arena.");
        }
        if (allocators.contains("null")) {
            notes.add("null hands out one fixed address and frees nothing: the drivers' own cost. In multi-threaded "
                    + "drivers all threads write that one block, so in cache-scratch it is no ceiling.");
        }
        if (allocators.stream().anyMatch(a -> a.startsWith("netty-"))) {
            notes.add("Netty runs with -Dio.netty.leakDetection.level=disabled, --sun-misc-unsafe-memory-access=allow and "
                    + "-Dio.netty.allocator.useCacheForAllThreads=true (the drivers' threads are not Netty event-loop threads).");
        }
        if (allocators.stream().anyMatch(a -> Allocators.preloadFor(a).isPresent())) {
            notes.add("mimalloc, jemalloc and tcmalloc are the Debian libraries, preloaded (LD_PRELOAD) into their JVM, "
                    + "so that JVM's own malloc uses them too; the drivers call malloc/free through FFM as for glibc.");
        }
        return notes;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void list() {
        System.out.println("drivers:");
        for (Driver d : Drivers.ALL) {
            System.out.println("  " + d.name() + " " + d.usage());
        }
        System.out.println("allocators:");
        for (String name : Allocators.NAMES) {
            String where = Allocators.preloadFor(name)
                    .map(p -> p.find().map(path -> "preloads " + path).orElse("NOT INSTALLED (" + p.debianPackage() + ")"))
                    .orElse("in-process");
            System.out.println("  " + name + " - " + where);
        }
        System.out.println("quick suite:");
        Suite.quick().forEach(c -> System.out.println("  " + c));
        System.out.println("full suite:");
        Suite.full().forEach(c -> System.out.println("  " + c));
        System.out.println("threads suite (--suite threads; hakmem and glibc):");
        Suite.threads().forEach(c -> System.out.println("  " + c));
        System.out.println("warmup suite (--suite warmup): random-mixed 16-1024 B, WS 256, seed 42 in fresh JVMs, "
                + "ops per 10 ms window for 2 s; hakmem without and with the AOT cache, glibc");
        System.out.println("netty suite (--suite netty): Netty HTTP/1.1 server loaded by wrk, 256 B - 1 MiB responses; "
                + "hakmem-netty, netty-pooled, netty-adaptive, unpooled");
        System.out.println("memory suite (--suite memory; " + String.join(", ", MemorySuite.ALLOCATORS)
                + ", the Netty ones where the driver fits them):");
        for (MemoryDriver d : MemoryDrivers.ALL) {
            System.out.println("  " + d.name() + ": " + d.description());
        }
        System.out.println("arrow suite (--suite arrow; managers " + String.join(", ", ArrowManagers.NAMES) + "):");
        ArrowCase.labels().forEach(c -> System.out.println("  " + c));
    }
}
