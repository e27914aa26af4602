package dev.hakmem.bench;

import dev.hakmem.bench.alloc.Allocator;
import dev.hakmem.bench.alloc.AllocatorCounters;
import dev.hakmem.bench.alloc.Allocators;
import dev.hakmem.bench.driver.Driver;
import dev.hakmem.bench.driver.Drivers;
import dev.hakmem.bench.driver.Params;
import dev.hakmem.bench.driver.RunResult;
import dev.hakmem.bench.driver.Harness;
import dev.hakmem.bench.driver.ThreadKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs one driver on one allocator in this JVM: warm-up runs, then measured runs, one line each.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp 'hakmem-bench.jar:lib/*' dev.hakmem.bench.DriverMain \
 *     DRIVER ALLOCATOR [PARAM...] [--runs N] [--warmup N] [--warmup-ms MS] [--threads platform|virtual]
 * </pre>
 *
 * Warm-up is at least {@code --warmup} runs (default 1) and, unless that is 0, goes on with more
 * until {@code --warmup-ms} (default {@value #WARMUP_MS}) have passed, so that a short run (tiny-hot
 * takes ~40 ms) is measured after the JIT has compiled its loop, not while it does, and then until
 * the last two runs agree within 20 %, the last also within 20 % of the best so far (at most 8
 * more; see {@link WarmupRule}).
 * {@code --threads virtual} (or the parameter suffix {@code vt}) runs a multi-threaded driver's
 * workers on virtual threads; the parameters then end in {@code vt} in the output.
 * Missing trailing parameters take the driver's defaults. Peers (mimalloc, jemalloc, tcmalloc)
 * need their library in {@code LD_PRELOAD}; the {@link Launcher} forks this class with it set.
 * Besides a readable line, each measured run prints a tab-separated {@code RESULT} line that
 * the launcher parses; failures end the JVM with status 1 and a message on stderr.
 */
public final class DriverMain {

    /** Prefix of the machine-readable lines. */
    public static final String RESULT = "RESULT";

    /**
     * Default minimum warm-up time, milliseconds. 2 s, not 1: on the 2-vCPU machines the suites
     * run on, with the workers keeping both CPUs busy, C2 compiled hakmem's refill and flush
     * paths only 1.4-1.5 s into a JVM (alloc-test, {@code -XX:+PrintCompilation}); after 1 s of
     * warm-up, whose two runs agreed at the slower speed, the first measured run of alloc-test ran
     * at 0.87-0.92 of the next two in each of three JVMs (the peers 0.96-1.07). The quick and
     * threads suites measure the steady state; the warm-up suite measures the first seconds.
     */
    public static final long WARMUP_MS = 2000;

    private DriverMain() {}

    public static void main(String[] args) throws Exception {
        List<String> positional = new ArrayList<>();
        int runs = 3;
        int warmup = 1;
        long warmupMs = WARMUP_MS;
        String threads = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--warmup-ms" -> warmupMs = Long.parseLong(args[++i]);
                case "--threads" -> threads = args[++i];
                case "-h", "--help" -> {
                    usage();
                    return;
                }
                default -> positional.add(args[i]);
            }
        }
        if (positional.size() < 2) {
            usage();
            System.exit(2);
        }
        Driver driver;
        Params params;
        Allocator allocator;
        try {
            driver = Drivers.byName(positional.get(0));
            Params given = Params.parse(String.join(" ", positional.subList(2, positional.size())));
            if (threads != null) {
                given = given.withThreads(ThreadKind.parse(threads));
            }
            params = driver.complete(given);
            allocator = Allocators.create(positional.get(1));
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        WarmupRule rule = new WarmupRule(warmup, warmupMs * 1_000_000, System.nanoTime());
        for (int i = 1; rule.needsMore(System.nanoTime()); i++) {
            RunResult r = Harness.run(driver, allocator, params);
            rule.record(r.opsPerSec(), System.nanoTime());
            System.out.println(describe(driver.name(), params, allocator.name(),
                    "warm-up " + i + (i <= warmup ? "/" + warmup : " (" + warmupMs + " ms, and until two runs agree)"), r));
            System.out.flush();
        }
        for (int run = 1; run <= runs; run++) {
            RunResult r = Harness.run(driver, allocator, params);
            System.out.println(describe(driver.name(), params, allocator.name(), "run " + run + "/" + runs, r));
            System.out.println(resultLine(driver.name(), params.toString(), allocator.name(), run, r));
            System.out.flush();
        }
    }

    /** The tab-separated line the launcher parses. */
    static String resultLine(String driver, String params, String allocator, int run, RunResult r) {
        AllocatorCounters c = r.counters();
        return String.join("\t", RESULT, driver, params, allocator, Integer.toString(run),
                Long.toString(r.ops()), Long.toString(r.nanos()),
                Long.toString(r.rssPeakKiB()), Long.toString(r.rssEndKiB()),
                c == null ? "" : Long.toString(c.mmapCalls()),
                c == null ? "" : Long.toString(c.munmapCalls()),
                c == null ? "" : Long.toString(c.madviseCalls()),
                c == null ? "" : Long.toString(c.mappedBytes()));
    }

    private static String describe(String driver, Params params, String allocator, String which, RunResult r) {
        AllocatorCounters c = r.counters();
        String counters = c == null ? "" : String.format(Locale.ROOT,
                ", mmap %d munmap %d madvise %d, mapped %.1f MiB",
                c.mmapCalls(), c.munmapCalls(), c.madviseCalls(), c.mappedBytes() / 1048576.0);
        return String.format(Locale.ROOT, "%s [%s] %s %s: %.2f Mops/s, %.2f ns/op, %d ops, RSS peak %+d KiB, end %+d KiB%s",
                driver, params, allocator, which, r.opsPerSec() / 1e6, r.nsPerOp(), r.ops(),
                r.rssPeakKiB(), r.rssEndKiB(), counters);
    }

    private static void usage() {
        System.err.println("usage: DriverMain DRIVER ALLOCATOR [PARAM...] [--runs N] [--warmup N] [--warmup-ms MS] [--threads platform|virtual]");
        System.err.println("  --threads virtual (or a last PARAM 'vt') runs a multi-threaded driver's workers on virtual threads");
        System.err.println("allocators: " + String.join(", ", Allocators.NAMES));
        System.err.println("drivers:");
        for (Driver d : Drivers.ALL) {
            System.err.println("  " + d.name() + " " + d.usage());
        }
    }
}
