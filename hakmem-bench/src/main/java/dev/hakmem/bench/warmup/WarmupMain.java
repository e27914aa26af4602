package dev.hakmem.bench.warmup;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.alloc.BlockTable;
import dev.hakmem.bench.driver.RandomMixed;
import dev.hakmem.bench.driver.Xorshift64Star;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * The warm-up driver, run once per fresh JVM: random-mixed (WS 256, seed 42, 16-1024 B) from the
 * JVM's first moments, counting the operations done in each window (10 ms by default) for a
 * fixed time (2 s by default).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'hakmem-bench.jar:lib/*' dev.hakmem.bench.warmup.WarmupMain \
 *     ALLOCATOR [--seconds S] [--window-ms N] [--variant NAME] [--launched-nanos T]
 * </pre>
 *
 * The clock starts ({@code t0}) before the allocator adapter is created, so the allocator's own
 * start-up (class loading and initialisation, FFM linking, first mappings) falls into the first
 * windows, as it would in an application. The loop runs random-mixed in slices of
 * {@value #SLICE} cycles and adds each slice to the window in which it ended. After the run it
 * prints one {@code WINDOW} line per window and a {@code WARMUP} line with the JVM's uptime at
 * {@code t0} (RuntimeMXBean, ms resolution, read after the run so that java.management is not
 * loaded before it) and, if the launcher passed its {@code System.nanoTime()} at launch
 * ({@code --launched-nanos}; CLOCK_MONOTONIC, shared by all processes on Linux), the time from
 * launching the {@code java} process to {@code t0}.
 */
public final class WarmupMain {

    /** Prefix of the per-window lines: {@code WINDOW index ops}. */
    public static final String WINDOW = "WINDOW";
    /**
     * Prefix of the summary line: {@code WARMUP allocator variant window_ms windows uptime_at_t0_ms
     * launch_to_t0_ms aot_cache}.
     */
    public static final String WARMUP = "WARMUP";
    /** Cycles between two looks at the clock. */
    public static final int SLICE = 256;

    static final int WS = 256;
    static final long SEED = 42;
    static final long MIN = 16;
    static final long MAX = 1024;

    private WarmupMain() {}

    public static void main(String[] args) {
        String allocator = null;
        double seconds = 2.0;
        int windowMs = 10;
        String variant = "no-cache";
        long launched = Long.MIN_VALUE;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--window-ms" -> windowMs = Integer.parseInt(args[++i]);
                case "--variant" -> variant = args[++i];
                case "--launched-nanos" -> launched = Long.parseLong(args[++i]);
                default -> allocator = args[i];
            }
        }
        if (allocator == null) {
            System.err.println("usage: WarmupMain ALLOCATOR [--seconds S] [--window-ms N] [--variant NAME] [--launched-nanos T]");
            System.exit(2);
        }
        long t0 = System.nanoTime();
        long[] ops = measure(allocator, t0, seconds, windowMs);
        long afterNanos = System.nanoTime();
        long uptimeMs = ManagementFactory.getRuntimeMXBean().getUptime();
        double uptimeAtT0 = uptimeMs - (afterNanos - t0) / 1e6;
        double launchToT0 = launched == Long.MIN_VALUE ? Double.NaN : (t0 - launched) / 1e6;
        List<String> jvm = ManagementFactory.getRuntimeMXBean().getInputArguments();
        boolean aot = jvm.stream().anyMatch(a -> a.startsWith("-XX:AOTCache="));
        StringBuilder out = new StringBuilder();
        for (int w = 0; w < ops.length; w++) {
            out.append(WINDOW).append('\t').append(w).append('\t').append(ops[w]).append('\n');
        }
        out.append(String.join("\t", WARMUP, allocator, variant, Integer.toString(windowMs), Integer.toString(ops.length),
                String.format(Locale.ROOT, "%.1f", uptimeAtT0), String.format(Locale.ROOT, "%.1f", launchToT0),
                Boolean.toString(aot))).append('\n');
        long total = 0;
        for (long n : ops) {
            total += n;
        }
        out.append(String.format(Locale.ROOT, "warmup %s (%s): %d ops in %.2f s, %.2f Mops/s overall; JVM uptime at t0 %.0f ms%n",
                allocator, variant, total, seconds, total / seconds / 1e6, uptimeAtT0));
        System.out.print(out);
        System.out.flush();
    }

    /**
     * Creates {@code allocatorName}'s adapter and runs random-mixed on it until {@code seconds} after
     * {@code t0}; returns the operations per window of {@code windowMs}.
     */
    public static long[] measure(String allocatorName, long t0, double seconds, int windowMs) {
        long windowNanos = windowMs * 1_000_000L;
        int windows = (int) Math.round(seconds * 1000 / windowMs);
        long[] ops = new long[windows];
        Allocator allocator = Allocators.create(allocatorName);
        BlockTable table = allocator.newTable(WS, false);
        Xorshift64Star rng = new Xorshift64Star(SEED);
        while (true) {
            RandomMixed.cycle(table, rng, SLICE, WS, MIN, MAX);
            int w = (int) ((System.nanoTime() - t0) / windowNanos);
            if (w >= windows) {
                break;
            }
            ops[w] += SLICE;
        }
        table.freeAll();
        return ops;
    }
}
