package dev.hakmem.bench.memory;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.alloc.Trim;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * One memory-suite JVM: one driver on one allocator.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'hakmem-bench.jar:lib/*' dev.hakmem.bench.memory.MemoryMain \
 *     DRIVER ALLOCATOR [--fork N] [--scale F] [--time-scale F] [--seed N] [--settle-ms MS] [--sample-ms MS]
 * </pre>
 *
 * <ol>
 * <li>Creates the adapter and looks its trim up (a missing symbol fails here, before any work).</li>
 * <li>Warm-up: the same driver at {@value #WARMUP_SCALE} of the volume and {@value #WARMUP_TIME}
 *     of the time (another seed), on the same threads, all freed again: the JIT has compiled the
 *     loops and the adapter's calls before the baseline.</li>
 * <li>{@code System.gc()}, 300 ms of rest, {@code VmHWM} reset; baseline = RSS now.</li>
 * <li>The driver's run, sampled every {@code --sample-ms} (default 50) by {@link Sampler}; it ends
 *     with every block freed (checked: the live bytes must be back at 0).</li>
 * <li>{@code --settle-ms} (default 3000) of sleep with no call; RSS read.</li>
 * <li>The allocator's trim, on every thread of the driver if it works per thread, else once; RSS
 *     read right after, and the mappings whose resident memory changed since the baseline
 *     ({@link Smaps}) printed for the log. Then a few more samples.</li>
 * </ol>
 * Prints one {@code SAMPLE} line per sample ({@code ms live-bytes rss-KiB}), one {@link Phases}
 * line per phase the driver marked ({@code PHASE ms name}), then one
 * {@link MemoryResult} line; exits with 1 (message on stderr) if the run fails, 2 for a bad
 * command line.
 */
public final class MemoryMain {

    /** Prefix of the sample lines. */
    public static final String SAMPLE = "SAMPLE";
    /** Volume of the warm-up pass, as a share of the run's. */
    static final double WARMUP_SCALE = 0.005;
    /** Duration of the warm-up pass of a time-driven driver, as a share of the run's. */
    static final double WARMUP_TIME = 0.05;

    private MemoryMain() {}

    /** The defaults of the command line. */
    static final MemorySettings DEFAULTS = new MemorySettings(1.0, 1.0, 3000, 50, 42);

    /** The command line's options: which fork this is, and the settings. */
    record Options(int fork, MemorySettings settings) {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args[0].startsWith("-") || args[1].startsWith("-")) {
            usage(System.err);
            System.exit(2);
            return;
        }
        MemoryDriver driver;
        Allocator allocator;
        Options o;
        try {
            o = parse(args);
            driver = MemoryDrivers.byName(args[0]);
            allocator = Allocators.create(args[1]);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            usage(System.err);
            System.exit(2);
            return;
        }
        Run run;
        try {
            run = run(driver, allocator, o.settings(), o.fork());
        } catch (RuntimeException | Error e) {
            System.out.flush();
            System.err.println("error: " + driver.name() + " on " + allocator.name() + " failed: " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        StringBuilder out = new StringBuilder();
        for (long[] x : run.samples()) {
            out.append(SAMPLE).append('\t').append(x[0]).append('\t').append(x[1]).append('\t').append(x[2]).append('\n');
        }
        for (Phases.Phase ph : run.phases()) {
            out.append(Phases.toLine(ph)).append('\n');
        }
        System.out.print(out);
        System.out.println(run.result().describe());
        System.out.println(run.result().toLine());
        System.out.flush();
    }

    /**
     * What {@link #run} returns.
     *
     * @param result  the figures
     * @param samples {@code [i] = {ms since the baseline, live bytes, RSS KiB}}
     * @param phases  the phases the driver marked, in order (none for most drivers)
     */
    record Run(MemoryResult result, long[][] samples, List<Phases.Phase> phases) {}

    /** Runs {@code driver} on {@code allocator} in this JVM: warm-up, baseline, run, settle, trim. */
    static Run run(MemoryDriver driver, Allocator allocator, MemorySettings s, int fork) throws InterruptedException {
        Optional<Trim> trim = allocator.trim();
        try (Crew crew = new Crew(driver.name(), driver.threads())) {
            LiveBytes warm = new LiveBytes();
            driver.run(new MemoryDriver.Workload(allocator, crew, warm, s.scale() * WARMUP_SCALE,
                    s.timeScale() * WARMUP_TIME, s.seed() + 1000, new Phases(System.nanoTime())));
            if (warm.get() != 0) {
                throw new IllegalStateException(driver.name() + " warm-up left " + warm.get() + " live bytes");
            }
            System.gc();
            Thread.sleep(300);
            boolean peakReset = Rss.resetPeak();
            long baseline = Rss.now().rssKiB();
            Smaps atBaseline = Smaps.now();
            LiveBytes live = new LiveBytes();
            long t0 = System.nanoTime();
            Sampler sampler = new Sampler(s.sampleMs(), live::get, t0);
            Phases phases = new Phases(t0);
            try {
                driver.run(new MemoryDriver.Workload(allocator, crew, live, s.scale(), s.timeScale(), s.seed(), phases));
                long runMs = (System.nanoTime() - t0) / 1_000_000;
                Rss end = Rss.now();
                sampler.sample();
                if (live.get() != 0) {
                    throw new IllegalStateException(driver.name() + " ended with " + live.get() + " live bytes");
                }
                Thread.sleep(s.settleMs());
                sampler.sample();
                long afterFree = Rss.now().rssKiB();
                long afterTrim = -1;
                if (trim.isPresent()) {
                    Trim t = trim.get();
                    crew.runOnAll(i -> {
                        if (t.perThread() || i == 0) {
                            t.run();
                        }
                    });
                    afterTrim = Rss.now().rssKiB();
                    sampler.sample();
                    Smaps trimmed = Smaps.now();
                    if (atBaseline != null && trimmed != null) {
                        // to the log: which mappings hold the "after trim" figure
                        System.out.println("after trim, " + (afterTrim - baseline) + " KiB above the baseline; "
                                + trimmed.changesSince(atBaseline, 8));
                    }
                }
                Thread.sleep(Math.min(500, 4 * s.sampleMs()));
                sampler.stop();
                long peak = Math.max(peakReset ? end.peakKiB() : 0, sampler.maxRssKiB());
                MemoryResult r = new MemoryResult(driver.name(), allocator.name(), fork, baseline, peak,
                        live.peak(), afterFree, afterTrim, trim.map(Trim::call).orElse(MemoryResult.NO_TRIM), runMs,
                        live.allocations());
                return new Run(r, sampler.samples(), phases.list());
            } finally {
                sampler.stop();
            }
        }
    }

    /**
     * Reads the options after DRIVER and ALLOCATOR.
     *
     * @throws IllegalArgumentException for a bad one
     */
    static Options parse(String[] args) {
        MemorySettings d = DEFAULTS;
        int fork = 1;
        double scale = d.scale();
        double timeScale = d.timeScale();
        long seed = d.seed();
        long settleMs = d.settleMs();
        long sampleMs = d.sampleMs();
        for (int i = 2; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--fork" -> fork = Integer.parseInt(v);
                    case "--scale" -> scale = Double.parseDouble(v);
                    case "--time-scale" -> timeScale = Double.parseDouble(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--settle-ms" -> settleMs = Long.parseLong(v);
                    case "--sample-ms" -> sampleMs = Long.parseLong(v);
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(a + " wants a number, got '" + v + "'");
            }
        }
        if (!(scale > 0) || !(timeScale > 0) || settleMs < 0 || sampleMs < 1 || fork < 1) {
            throw new IllegalArgumentException("--scale and --time-scale must be positive, --settle-ms at least 0, "
                    + "--sample-ms and --fork at least 1");
        }
        return new Options(fork, new MemorySettings(scale, timeScale, settleMs, sampleMs, seed));
    }

    private static void usage(PrintStream out) {
        out.println("usage: MemoryMain DRIVER ALLOCATOR [--fork N] [--scale F] [--time-scale F] [--seed N] "
                + "[--settle-ms MS] [--sample-ms MS]");
        out.println("drivers: " + String.join(", ", MemoryDrivers.names()));
        out.println("allocators: " + String.join(", ", Allocators.NAMES));
    }
}
