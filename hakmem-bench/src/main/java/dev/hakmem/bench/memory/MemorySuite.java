package dev.hakmem.bench.memory;

import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.alloc.PeerLibrary;
import dev.hakmem.bench.launch.LaunchOptions;
import dev.hakmem.bench.launch.Progress;
import dev.hakmem.bench.report.MachineInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code Launcher --suite memory}: every memory driver ({@link MemoryDrivers}) on every allocator
 * that fits it, one fresh JVM ({@link MemoryFork}, {@link MemoryMain}) per (driver, allocator,
 * fork), interleaved as the launcher's {@code --forks} (driver by driver: fork 1 of every
 * allocator, then fork 2, ...). Writes into the output directory:
 * <ul>
 * <li>{@code results.csv}: one row per JVM ({@link MemoryCsv});</li>
 * <li>{@code series.csv}: every sample of every JVM;</li>
 * <li>{@code memory-DRIVER.png}: per driver, RSS and live bytes over time, one line each per
 *     allocator (from the allocator's JVM with the median peak RSS / live);</li>
 * <li>{@code report.md}: medians, issue 16's targets for hakmem, per driver that marks phases ({@link Phases}:
 *     frag-refill's rounds, frag-phases' size mixes) each phase's peak RSS / live, the machine and the command;</li>
 * <li>{@code logs/}: each JVM's output.</li>
 * </ul>
 * Options it uses: {@code --drivers}, {@code --allocators} (hakmem, the native allocators and the
 * Netty ones; default all seven), {@code --forks}, {@code --out}, {@code --jvm-arg},
 * {@code --aot-cache}. Knobs: {@link MemorySettings}.
 */
public final class MemorySuite {

    /** The allocators the suite measures, in report order (its default). */
    public static final List<String> ALLOCATORS = List.of("hakmem", "glibc", "mimalloc", "jemalloc", "tcmalloc",
            "netty-pooled", "netty-adaptive");
    /** Seconds a fork needs besides its driver's run: JVM start with a pre-touched heap, warm-up, rest, trim. */
    private static final double FORK_OVERHEAD_SECONDS = 3.5;
    private static final double MIN_TIMEOUT_SECONDS = 300;

    private MemorySuite() {}

    /**
     * The memory drivers {@code --drivers} names in {@code args} (all of them without it).
     *
     * @throws IllegalArgumentException for an unknown name or a missing value
     */
    static List<MemoryDriver> drivers(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--drivers")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--drivers needs a value");
                }
                List<MemoryDriver> out = new ArrayList<>();
                for (String name : args[i + 1].split(",")) {
                    if (!name.isBlank()) {
                        MemoryDriver d = MemoryDrivers.byName(name.trim());
                        if (!out.contains(d)) {
                            out.add(d);
                        }
                    }
                }
                if (out.isEmpty()) {
                    throw new IllegalArgumentException("--drivers: empty list");
                }
                return out;
            }
        }
        return MemoryDrivers.ALL;
    }

    /** Whether {@code allocator} runs {@code driver} (Netty's only where the driver fits them). */
    static boolean fits(MemoryDriver driver, String allocator) {
        return !allocator.startsWith("netty-") || driver.fitsNetty();
    }

    /** One JVM to run. */
    private record Step(MemoryDriver driver, String allocator, int fork, double estimate) {}

    /**
     * Runs the suite with the settings of the {@code hakmem.bench.memory.*} properties; returns the
     * exit status (0 when every JVM succeeded, 1 if some failed, 2 for bad options).
     */
    public static int run(LaunchOptions options, String[] args) throws IOException, InterruptedException {
        MemorySettings settings;
        try {
            settings = MemorySettings.FROM_PROPERTIES;
        } catch (ExceptionInInitializerError e) {
            System.err.println("error: " + e.getCause().getMessage());
            return 2;
        }
        return run(options, args, settings);
    }

    /** {@link #run(LaunchOptions, String[])} with {@code settings}. */
    static int run(LaunchOptions options, String[] args, MemorySettings settings) throws IOException, InterruptedException {
        List<MemoryDriver> drivers;
        try {
            drivers = drivers(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            return 2;
        }
        for (String a : options.allocators()) {
            if (!ALLOCATORS.contains(a) && !Allocators.VARIANTS.contains(a)) {
                System.err.println("error: the memory suite measures " + String.join(", ", ALLOCATORS) + " (and "
                        + String.join(", ", Allocators.VARIANTS) + " when named); not " + a);
                return 2;
            }
        }
        List<String> notes = new ArrayList<>();
        List<String> allocators = new ArrayList<>();
        Map<String, Optional<Path>> preloads = new LinkedHashMap<>();
        for (String a : options.allocators()) {
            Optional<PeerLibrary> peer = Allocators.preloadFor(a);
            Optional<Path> path = Optional.empty();
            if (peer.isPresent()) {
                path = peer.get().find();
                if (path.isEmpty()) {
                    String note = a + " skipped: " + peer.get().fileName() + " not found (Debian package "
                            + peer.get().debianPackage() + "; hakmem-bench/scripts/install-peers.sh installs it)";
                    notes.add(note);
                    System.out.println("note: " + note);
                    continue;
                }
            }
            preloads.put(a, path);
            allocators.add(a);
        }
        List<Step> steps = new ArrayList<>();
        for (MemoryDriver d : drivers) {
            double estimate = FORK_OVERHEAD_SECONDS + settings.settleMs() / 1000.0
                    + d.estimateSeconds(settings.scale(), settings.timeScale());
            for (int f = 1; f <= options.forks(); f++) {
                for (String a : allocators) {
                    if (fits(d, a)) {
                        steps.add(new Step(d, a, f, estimate));
                    }
                }
            }
            List<String> unfit = allocators.stream().filter(a -> !fits(d, a)).toList();
            if (!unfit.isEmpty()) {
                notes.add(d.name() + ": " + String.join(", ", unfit) + " not run: the driver holds millions of blocks "
                        + "of 16 B and up, which Netty's allocators are not made for (one ByteBuf object per block).");
            }
        }
        if (steps.isEmpty()) {
            System.err.println("error: nothing to run");
            return 2;
        }
        Path out = options.out();
        Path logs = out.resolve("logs");
        Files.createDirectories(logs);
        Path resultsCsv = out.resolve("results.csv");
        Path seriesCsv = out.resolve("series.csv");
        MemoryCsv.createResults(resultsCsv);
        MemoryCsv.createSeries(seriesCsv);
        Progress progress = new Progress(steps.stream().mapToDouble(Step::estimate).toArray());
        String loadBefore = MachineInfo.loadAverage(", ");
        System.out.printf(Locale.ROOT, "hakmem bench, memory suite: %d driver(s), %d allocator(s)%s = %d JVMs; scale %s, "
                        + "time scale %s, settle %d ms; estimated ~%s; output %s%n", drivers.size(), allocators.size(),
                options.forks() == 1 ? "" : " x " + options.forks() + " forks", steps.size(), settings.scale(),
                settings.timeScale(), settings.settleMs(), Progress.clock(progress.estimatedTotal()), out);

        List<MemoryResult> results = new ArrayList<>();
        Map<String, Series> seriesByRun = new LinkedHashMap<>();
        List<MemoryReport.PhaseRun> phaseRuns = new ArrayList<>();
        int failures = 0;
        for (int k = 0; k < steps.size(); k++) {
            Step s = steps.get(k);
            Path log = logs.resolve(String.format(Locale.ROOT, "%03d-%s-%s-%d.log", k + 1, s.driver().name(), s.allocator(), s.fork()));
            MemoryFork.Outcome o = MemoryFork.run(s.driver().name(), s.allocator(), s.fork(), settings,
                    options.forkJvmArgs(), preloads.get(s.allocator()), log, Math.max(MIN_TIMEOUT_SECONDS, 10 * s.estimate()));
            progress.stepDone();
            String outcome;
            if (o.error() != null) {
                failures++;
                notes.add(s.allocator() + " on " + s.driver().name() + " (JVM " + s.fork() + ") failed: " + o.error()
                        + " (log: logs/" + log.getFileName() + ")");
                outcome = "FAILED: " + o.error();
            } else {
                MemoryResult r = o.result();
                results.add(r);
                Series series = new Series(r.driver(), r.allocator(), r.fork(), r.baselineKiB(), o.samples());
                seriesByRun.put(key(r), series);
                MemoryCsv.appendResult(resultsCsv, r);
                MemoryCsv.appendSeries(seriesCsv, series);
                if (!o.phases().isEmpty()) {
                    phaseRuns.add(MemoryReport.phaseRun(r, o.phases(), o.samples()));
                }
                outcome = String.format(Locale.ROOT, "peak/live %.3f, after free %.1f MiB, after trim %s",
                        r.peakRssOverLive(), r.afterFreeMiB(),
                        r.afterTrimKiB() < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MiB", r.afterTrimMiB()));
            }
            System.out.printf(Locale.ROOT, "[%" + Integer.toString(steps.size()).length() + "d/%d] %-12s %-15s %s, %.1f s | elapsed %s, ~%s left%n",
                    k + 1, steps.size(), s.driver().name() + (options.forks() == 1 ? "" : " #" + s.fork()), s.allocator(),
                    outcome, o.seconds(), Progress.clock(progress.elapsed()), Progress.clock(progress.left()));
        }

        List<MemoryReport.Summary> summaries = MemoryReport.summarize(results);
        Map<String, String> charts = new LinkedHashMap<>();
        Map<String, String> descriptions = new LinkedHashMap<>();
        for (MemoryDriver d : drivers) {
            String desc = d.description();
            descriptions.put(d.name(), Character.toUpperCase(desc.charAt(0)) + desc.substring(1) + ".");
            List<Series> chosen = new ArrayList<>();
            for (String a : allocators) {
                List<MemoryResult> mine = results.stream().filter(r -> r.driver().equals(d.name()) && r.allocator().equals(a)).toList();
                if (!mine.isEmpty()) {
                    chosen.add(seriesByRun.get(key(MemoryReport.medianRun(mine))));
                }
            }
            if (chosen.isEmpty()) {
                continue;
            }
            try {
                charts.put(d.name(), MemoryChart.write(d.name(), options.forks() == 1 ? "" : "median JVM of " + options.forks(),
                        chosen, out).getFileName().toString());
            } catch (IOException | RuntimeException | Error e) {
                notes.add("chart for " + d.name() + " not drawn: " + e);
            }
        }
        notes.addAll(caveats(allocators));
        notes.add("Load average (1, 5, 15 min) before the suite: " + loadBefore + "; after: " + MachineInfo.loadAverage(", ") + " ("
                + Runtime.getRuntime().availableProcessors() + " cores). A busy machine slows the drivers and shifts the "
                + "time-driven ones' volumes a little; RSS figures move less than timings do.");
        String settingsLine = String.format(Locale.ROOT, "%d fresh JVM(s) per driver and allocator, allocators %s; "
                        + "hakmem.bench.memory.scale=%s, timeScale=%s, settleMs=%d, sampleMs=%d, seed=%d; wall time %s",
                options.forks(), String.join(", ", allocators), settings.scale(), settings.timeScale(), settings.settleMs(),
                settings.sampleMs(), settings.seed(), Progress.clock(progress.elapsed()));
        String report = MemoryReport.markdown(summaries, new MemoryReport.Context("Launcher " + String.join(" ", args),
                settingsLine, MachineInfo.current(), descriptions, charts, notes, settings.settleMs(), phaseRuns));
        Files.writeString(out.resolve("report.md"), report, StandardCharsets.UTF_8);

        System.out.println();
        System.out.print(MemoryReport.table(summaries));
        System.out.println();
        for (String n : notes) {
            if (n.contains("failed") || n.contains("skipped") || n.contains("not drawn")) {
                System.out.println("note: " + n);
            }
        }
        System.out.printf(Locale.ROOT, "wrote results.csv, series.csv, report.md and %d chart(s) in %s; took %s%n",
                charts.size(), out, Progress.clock(progress.elapsed()));
        return failures == 0 ? 0 : 1;
    }

    private static String key(MemoryResult r) {
        return r.driver() + "/" + r.allocator() + "/" + r.fork();
    }

    private static List<String> caveats(List<String> allocators) {
        List<String> notes = new ArrayList<>();
        notes.add("Every JVM: a fixed pre-touched Java heap (-Xms = -Xmx, -XX:+AlwaysPreTouch), so the heap is in the "
                + "baseline and never moves the figures; -XX:MaxDirectMemorySize=16g; no -XX:TrimNativeHeapInterval (for "
                + "glibc and Netty it would trim the allocator under test). The JVM's own malloc (JIT, GC and class "
                + "metadata) is glibc's in the hakmem and Netty JVMs and the preloaded library's in the others, so its "
                + "leftovers are in every figure; the warm-up pass keeps most JIT work before the baseline.");
        if (allocators.stream().anyMatch(a -> Allocators.preloadFor(a).isPresent())) {
            notes.add("mimalloc, jemalloc and tcmalloc are the Debian libraries, preloaded (LD_PRELOAD): the JVM's own "
                    + "malloc uses them too. Their trims: mi_collect(true) on every driver thread; "
                    + "mallctl(\"arena.4096.purge\") (all arenas; thread caches stay); MallocExtension_ReleaseFreeMemory().");
        }
        if (allocators.contains("netty-pooled") || allocators.contains("netty-adaptive")) {
            notes.add("Netty 4.2 allocates its chunks with ByteBuffer.allocateDirect (glibc malloc, pages zeroed at once). "
                    + "netty-pooled's only trim is PooledByteBufAllocator.trimCurrentThreadCache(), run on every driver "
                    + "thread: it empties thread caches, it frees no chunk (a chunk is freed when it empties after having "
                    + "been more than a quarter used). netty-adaptive has no trim (n/a).");
        }
        return notes;
    }
}
